//! Builds `web/` with npm (Vite) into OUT_DIR and writes the table of embedded files.
//!
//! `SWITCHBOARD_WEB_DIST=DIR` embeds an already built directory instead. Without npm (or when
//! the build fails and `SWITCHBOARD_WEB_REQUIRED` is unset) a one-page placeholder that says how
//! to build the console is embedded, with a cargo warning, so the server still builds.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let web = manifest.join("../../../web");
    let out = PathBuf::from(env("OUT_DIR"));
    for watched in [
        "src",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=SWITCHBOARD_WEB_DIST");
    println!("cargo:rerun-if-env-changed=SWITCHBOARD_WEB_REQUIRED");
    let dist = match std::env::var_os("SWITCHBOARD_WEB_DIST") {
        Some(dir) => PathBuf::from(dir),
        None => match npm_build(&web, &out.join("dist")) {
            Ok(dir) => dir,
            Err(why) if std::env::var_os("SWITCHBOARD_WEB_REQUIRED").is_some() => {
                panic!("building web/ failed: {why}")
            }
            Err(why) => {
                println!(
                    "cargo:warning=the agent console is not built ({why}); serving a placeholder"
                );
                placeholder(&out.join("placeholder"), &why)
            }
        },
    };
    let mut files = Vec::new();
    collect(&dist, &dist, &mut files);
    files.sort();
    let mut table = String::from("/// Every embedded file: URL path, content type, bytes.\n");
    table.push_str("pub static FILES: &[(&str, &str, &[u8])] = &[\n");
    for (url, path) in &files {
        table.push_str(&format!(
            "    ({url:?}, {:?}, include_bytes!({:?})),\n",
            content_type(url),
            path.display().to_string()
        ));
    }
    table.push_str("];\n");
    std::fs::write(out.join("files.rs"), table).expect("writing files.rs into OUT_DIR");
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("cargo sets {name}"))
}

/// `npm ci` when the packages are missing, then `npm run build` into `dist`.
fn npm_build(web: &Path, dist: &Path) -> Result<PathBuf, String> {
    if !web.join("package.json").exists() {
        return Err("web/package.json is missing".into());
    }
    if !web.join("node_modules").exists() {
        run(web, &["ci", "--no-audit", "--no-fund"])?;
    }
    let out = dist.display().to_string();
    run(
        web,
        &["run", "build", "--", "--outDir", &out, "--emptyOutDir"],
    )?;
    Ok(dist.to_path_buf())
}

fn run(dir: &Path, args: &[&str]) -> Result<(), String> {
    let output = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("npm cannot run: {e}; install Node.js 20+"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let tail: String = format!("{stdout}{stderr}")
        .lines()
        .rev()
        .take(15)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join(" | ");
    Err(format!("npm {} failed: {tail}", args.join(" ")))
}

fn placeholder(dir: &Path, why: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("creating the placeholder directory");
    let why = why.replace('&', "&amp;").replace('<', "&lt;");
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>Switchboard</title>\
         <h1>The agent console was not built</h1><p>{why}</p>\
         <p>Install Node.js 20 or later and rebuild Switchboard (<code>cargo build --release</code>).</p>"
    );
    std::fs::write(dir.join("index.html"), page).expect("writing the placeholder page");
    dir.to_path_buf()
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let url = format!("/{}", rel.to_string_lossy().replace('\\', "/"));
            files.push((url, path.canonicalize().unwrap_or(path)));
        }
    }
}

fn content_type(url: &str) -> &'static str {
    match url.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "wav" => "audio/wav",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
