//! The web consoles (`web/`: the agent console today), built by npm at compile time and
//! embedded in the binary, so one file serves everything with no CDN at run time.
//!
//! Table of contents:
//! - [`file`]: an embedded file by URL path, with its content type.
//! - [`index`]: the application's page, served for every route the client handles itself.
//!
//! Design note: `build.rs` runs `npm ci` (when `web/node_modules` is missing) and
//! `npm run build` into `OUT_DIR`; without Node.js a placeholder page that says so is embedded
//! (a cargo warning tells), so the server still builds.
#![forbid(unsafe_code)]

mod files {
    include!(concat!(env!("OUT_DIR"), "/files.rs"));
}

/// An embedded file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct File {
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
    /// Whether its name carries a content hash (cache it forever).
    pub immutable: bool,
}

/// The file at URL `path` (`/assets/app-1a2b.js`), if embedded.
pub fn file(path: &str) -> Option<File> {
    files::FILES
        .iter()
        .find(|(url, _, _)| *url == path)
        .map(|(url, content_type, bytes)| File {
            content_type,
            bytes,
            immutable: url.starts_with("/assets/"),
        })
}

/// The application's page (`/index.html`).
pub fn index() -> File {
    file("/index.html").unwrap_or(File {
        content_type: "text/plain; charset=utf-8",
        bytes: b"the console's index.html is missing from the build",
        immutable: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_embedded_as_html() {
        let page = index();
        assert_eq!(page.content_type, "text/html; charset=utf-8");
        assert!(!page.immutable);
        let text = String::from_utf8_lossy(page.bytes);
        assert!(text.contains("<title>"), "{text}");
    }

    #[test]
    fn unknown_paths_are_not_files() {
        assert_eq!(file("/nope.js"), None);
        assert_eq!(file("index.html"), None, "paths start with a slash");
    }
}
