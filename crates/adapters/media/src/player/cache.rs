//! Prompts loaded once and shared between calls, bounded in bytes.
//!
//! The lock is held only for lookups and insertions (never while a file is decoded): it is not
//! on the per-packet path, a call takes a [`Prompt`] once and plays it from its own
//! [`Playback`](super::Playback). Two callers missing the same key at the same moment may both
//! decode it; the second insertion simply replaces the first.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::UNIX_EPOCH;

use super::Prompt;
use crate::MediaError;

/// A shared prompt cache (clones share the same entries). Entries are kept until their total
/// size exceeds the byte cap; then the least recently used are evicted. A prompt larger than
/// the whole cap is returned but not kept.
#[derive(Debug, Clone)]
pub struct PromptCache {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    max_bytes: usize,
    bytes: usize,
    /// Logical clock for recency.
    tick: u64,
    entries: HashMap<String, Entry>,
}

#[derive(Debug)]
struct Entry {
    prompt: Prompt,
    last_used: u64,
}

impl PromptCache {
    /// An empty cache holding at most `max_bytes` of samples.
    pub fn new(max_bytes: usize) -> PromptCache {
        PromptCache {
            inner: Arc::new(Mutex::new(Inner {
                max_bytes,
                bytes: 0,
                tick: 0,
                entries: HashMap::new(),
            })),
        }
    }

    /// The prompt cached under `key`, or the one `load` produces (then cached). A failed load is
    /// not cached.
    pub fn get_or_load(
        &self,
        key: &str,
        load: impl FnOnce() -> Result<Prompt, MediaError>,
    ) -> Result<Prompt, MediaError> {
        if let Some(prompt) = self.get(key) {
            return Ok(prompt);
        }
        let prompt = load()?;
        self.insert(key, prompt.clone());
        Ok(prompt)
    }

    /// A WAV file, keyed by its path, modification time and size: a file replaced on disk is
    /// decoded again.
    pub fn load_file(&self, path: &Path) -> Result<Prompt, MediaError> {
        let meta = std::fs::metadata(path).map_err(|source| MediaError::File {
            path: path.to_path_buf(),
            source,
        })?;
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let key = format!("file:{}:{mtime}:{}", path.display(), meta.len());
        self.get_or_load(&key, || Prompt::from_wav_file(path))
    }

    /// The cached prompt, marking it as recently used.
    pub fn get(&self, key: &str) -> Option<Prompt> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let entry = inner.entries.get_mut(key)?;
        entry.last_used = tick;
        Some(entry.prompt.clone())
    }

    /// Caches `prompt` under `key` (replacing any previous one), then evicts least recently
    /// used entries until the cache fits its cap.
    pub fn insert(&self, key: &str, prompt: Prompt) {
        let mut inner = self.lock();
        let size = prompt.byte_len();
        if let Some(old) = inner.entries.remove(key) {
            inner.bytes -= old.prompt.byte_len();
        }
        if size > inner.max_bytes {
            return;
        }
        inner.tick += 1;
        let last_used = inner.tick;
        inner
            .entries
            .insert(key.to_string(), Entry { prompt, last_used });
        inner.bytes += size;
        while inner.bytes > inner.max_bytes {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(e) = inner.entries.remove(&oldest) {
                inner.bytes -= e.prompt.byte_len();
            }
        }
    }

    /// Whether `key` is cached (does not count as a use).
    pub fn contains(&self, key: &str) -> bool {
        self.lock().entries.contains_key(key)
    }

    /// Number of cached prompts.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.lock().entries.is_empty()
    }

    /// Bytes of samples cached.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The data stays consistent even if a holder panicked: every update completes under
        // the lock before any call that could panic.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}
