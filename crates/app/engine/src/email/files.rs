//! Raw messages as files, durable before their rows commit (DESIGN § 6).
//!
//! A file is written to a temporary name, synced, renamed, and its folder synced: after a
//! crash it is whole or absent. A poll writes a batch: every file is written first, then all
//! are synced at once from several threads (the file system commits its journal for many of
//! them together, where one sync after another waits for a journal commit each), renamed, and
//! the folder synced once.

use std::io::Write;
use std::path::{Path, PathBuf};

/// How many threads sync a batch's files.
const SYNC_THREADS: usize = 16;

/// Writes one file durably.
pub(super) fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_batch(&[(path.to_path_buf(), bytes)])
}

/// Writes every `(path, bytes)` durably; the paths share one folder or a few.
pub(super) fn write_batch(files: &[(PathBuf, &[u8])]) -> std::io::Result<()> {
    let mut written = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        let parent = parent_of(path)?;
        std::fs::create_dir_all(parent)?;
        let tmp = path.with_extension("tmp");
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        written.push((file, tmp, path));
    }
    sync_all(written.iter().map(|(f, _, _)| f).collect())?;
    let mut folders: Vec<&Path> = Vec::new();
    for (_, tmp, path) in &written {
        std::fs::rename(tmp, path)?;
        let parent = parent_of(path)?;
        if !folders.contains(&parent) {
            folders.push(parent);
        }
    }
    for folder in folders {
        std::fs::File::open(folder)?.sync_all()?;
    }
    Ok(())
}

fn parent_of(path: &Path) -> std::io::Result<&Path> {
    path.parent()
        .ok_or_else(|| std::io::Error::other("a file path without a folder"))
}

/// Syncs the files from up to [`SYNC_THREADS`] threads; the first error, if any.
fn sync_all(files: Vec<&std::fs::File>) -> std::io::Result<()> {
    if files.len() < 2 {
        return files.iter().try_for_each(|f| f.sync_all());
    }
    let chunk = files.len().div_ceil(SYNC_THREADS);
    std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().try_for_each(|f| f.sync_all())))
            .collect();
        workers.into_iter().try_for_each(|w| {
            w.join()
                .unwrap_or_else(|_| Err(std::io::Error::other("a sync thread failed")))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_leaves_every_file_whole_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let files: Vec<(PathBuf, Vec<u8>)> = (0..40)
            .map(|i| {
                (
                    dir.path().join("a").join(format!("{i}.eml")),
                    vec![b'x'; i * 10],
                )
            })
            .collect();
        let refs: Vec<(PathBuf, &[u8])> = files
            .iter()
            .map(|(p, b)| (p.clone(), b.as_slice()))
            .collect();
        write_batch(&refs).unwrap_or_else(|e| panic!("{e}"));
        for (path, bytes) in &files {
            assert_eq!(std::fs::read(path).ok().as_ref(), Some(bytes));
        }
        let names = std::fs::read_dir(dir.path().join("a"))
            .unwrap_or_else(|e| panic!("{e}"))
            .count();
        assert_eq!(names, 40, "no .tmp left");
    }
}
