//! Prompts: what a flow's `Play` turns into — audio for the media server.
//!
//! - [`PromptLibrary`]: resolves a flow's [`sb_flow::Prompt`] to an [`sb_media::player::Prompt`]
//!   (8 kHz mono samples), from three sources:
//!   - text, spoken by espeak-ng ([`Voice`], [`TtsConfig`]), cached in memory and on disk under
//!     `<dir>/tts/<sha-256 of voice, speed and text>.wav`, so neither a second call nor a restart
//!     renders it again;
//!   - a tenant's uploads ([`PromptLibrary::store_upload`]: WAV or MP3, kept as 8 kHz 16-bit mono
//!     WAV under `<dir>/<tenant>/<name>.wav`, only ever read for that tenant);
//!   - the built-in prompts, `default:<name>` ([`default_ids`]), embedded in the binary.
//! - [`PromptLibrary::render_at_publish`] speaks a flow's fixed texts when it is published
//!   ([`flow_prompts`] finds them, with the prompt ids it uses) so calls never wait for TTS.
//! - [`PromptError`]: what went wrong.
//!
//! Design note: decoding and TTS are bounded (upload size and duration caps, text length cap,
//! a timeout that kills espeak-ng, a few renderings and one upload decoding at a time) and run
//! off the async threads. Files are written atomically (temporary file, fsync, rename).

mod decode;
mod defaults;
mod error;
mod files;
mod publish;
mod tts;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sb_media::player::{Prompt, PromptCache};
use sb_types::TenantId;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

pub use defaults::default_ids;
pub use error::PromptError;
pub use publish::{FlowPrompts, flow_prompts};
pub use tts::{TtsConfig, Voice};

/// Largest upload accepted, in bytes (20 MiB).
pub const MAX_UPLOAD_BYTES: usize = 20 << 20;
/// Longest upload accepted, in seconds (10 minutes).
pub const MAX_UPLOAD_SECS: u64 = 600;
/// Bumped when the way text becomes audio changes, so old renderings are not reused.
const TTS_FORMAT: &str = "espeak-ng/8k16/v1";

/// A stored prompt.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PromptInfo {
    /// The prompt's id, as flows refer to it.
    pub id: String,
    /// Length in milliseconds.
    pub duration_ms: u64,
    /// Size of the stored file in bytes.
    pub bytes: u64,
}

/// Where a spoken text came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The memory cache.
    Memory,
    /// A file rendered earlier (before a restart, or evicted from memory).
    Disk,
    /// espeak-ng, just now.
    Rendered,
}

/// What [`PromptLibrary::render_at_publish`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// Texts spoken by espeak-ng now.
    pub rendered: usize,
    /// Texts already rendered (in memory or on disk).
    pub reused: usize,
    /// Prompt ids checked.
    pub ids: usize,
    /// Template texts left to be spoken when played.
    pub templates: usize,
}

/// Prompts for every tenant: built-in, uploaded and spoken. Clones share the same cache.
#[derive(Clone, Debug)]
pub struct PromptLibrary {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    cache: PromptCache,
    tts: TtsConfig,
    tts_slots: Semaphore,
    decode_slots: Semaphore,
    renders: AtomicU64,
}

impl PromptLibrary {
    /// A library keeping its files under `dir` (the data directory's `prompts/`) and at most
    /// `cache_bytes` of decoded samples in memory, speaking with the default [`TtsConfig`].
    pub fn new(dir: PathBuf, cache_bytes: usize) -> PromptLibrary {
        PromptLibrary::with_tts(dir, cache_bytes, TtsConfig::default())
    }

    /// As [`PromptLibrary::new`], with another TTS configuration.
    pub fn with_tts(dir: PathBuf, cache_bytes: usize, tts: TtsConfig) -> PromptLibrary {
        let slots = tts.max_parallel.max(1);
        PromptLibrary {
            inner: Arc::new(Inner {
                dir,
                cache: PromptCache::new(cache_bytes),
                tts,
                tts_slots: Semaphore::new(slots),
                decode_slots: Semaphore::new(1),
                renders: AtomicU64::new(0),
            }),
        }
    }

    /// The audio of a flow's prompt for `tenant`; text is spoken with `voice`.
    pub async fn resolve(
        &self,
        tenant: TenantId,
        prompt: &sb_flow::Prompt,
        voice: &Voice,
    ) -> Result<Prompt, PromptError> {
        match prompt {
            sb_flow::Prompt::File(id) => self.recorded(tenant, id).await,
            sb_flow::Prompt::Tts(text) => Ok(self.speak(voice, text).await?.0),
        }
    }

    /// A recorded prompt by id: `default:<name>` for a built-in one, else the tenant's upload.
    pub async fn recorded(&self, tenant: TenantId, id: &str) -> Result<Prompt, PromptError> {
        let unknown = || PromptError::UnknownPrompt { id: id.to_string() };
        if let Some(name) = id.strip_prefix(defaults::PREFIX) {
            let bytes = defaults::get(name).ok_or_else(unknown)?;
            return self
                .inner
                .cache
                .get_or_load(id, || Prompt::from_wav_bytes(id, bytes))
                .map_err(|e| PromptError::from_media(id, e));
        }
        files::check_name(id)?;
        let path = self.upload_path(tenant, id);
        let cache = self.inner.cache.clone();
        let loaded = blocking(id, move || {
            cache.load_file(&path).map_err(|e| match e {
                sb_media::MediaError::File { source, .. }
                    if source.kind() == std::io::ErrorKind::NotFound =>
                {
                    None
                }
                other => Some(other),
            })
        })
        .await?;
        match loaded {
            Ok(prompt) => Ok(prompt),
            Err(None) => Err(unknown()),
            Err(Some(e)) => Err(PromptError::from_media(id, e)),
        }
    }

    /// `text` spoken with `voice`, and where it came from. Rendered once: later calls (and a
    /// library started later on the same directory) reuse it.
    pub async fn speak(&self, voice: &Voice, text: &str) -> Result<(Prompt, Source), PromptError> {
        self.speak_with(voice, text, false).await
    }

    /// Speaks every fixed text of `document` with `voice` and checks that every prompt id it
    /// uses exists for `tenant`: run when a flow is published. The first failure is returned
    /// (an unknown prompt names its id).
    pub async fn render_at_publish(
        &self,
        tenant: TenantId,
        document: &sb_flow::Document,
        voice: &Voice,
    ) -> Result<PublishReport, PromptError> {
        let found = flow_prompts(document);
        for id in &found.ids {
            self.recorded(tenant, id).await?;
        }
        let texts: Vec<_> = found
            .texts
            .iter()
            .map(|t| (voice.clone(), t.clone()))
            .collect();
        let mut report = self.render_texts(&texts).await?;
        report.ids = found.ids.len();
        report.templates = found.templates.len();
        Ok(report)
    }

    /// Speaks each (voice, text) ahead of time, failing if one cannot be rendered or stored.
    pub async fn render_texts(
        &self,
        texts: &[(Voice, String)],
    ) -> Result<PublishReport, PromptError> {
        let mut report = PublishReport::default();
        for (voice, text) in texts {
            match self.speak_with(voice, text, true).await?.1 {
                Source::Rendered => report.rendered += 1,
                Source::Memory | Source::Disk => report.reused += 1,
            }
        }
        Ok(report)
    }

    /// Stores an uploaded WAV or MP3 file as the tenant's prompt `name` (replacing any prompt
    /// of that name), converted to 8 kHz 16-bit mono.
    pub async fn store_upload(
        &self,
        tenant: TenantId,
        name: &str,
        bytes: &[u8],
    ) -> Result<PromptInfo, PromptError> {
        files::check_name(name)?;
        if bytes.len() > MAX_UPLOAD_BYTES {
            return Err(PromptError::TooLarge {
                name: name.to_string(),
                size: bytes.len(),
                limit: MAX_UPLOAD_BYTES,
            });
        }
        let _slot = self.inner.decode_slots.acquire().await;
        let path = self.upload_path(tenant, name);
        let (owned_name, owned) = (name.to_string(), bytes.to_vec());
        blocking(name, move || {
            let prompt = decode::decode_upload(&owned_name, &owned, MAX_UPLOAD_SECS)?;
            drop(owned);
            let wav = files::wav_8k(prompt.samples());
            files::write_atomic(&path, &wav)?;
            Ok(PromptInfo {
                id: owned_name,
                duration_ms: prompt.duration_ms(),
                bytes: wav.len() as u64,
            })
        })
        .await?
    }

    /// The tenant's uploaded prompts, by id.
    pub async fn list(&self, tenant: TenantId) -> Result<Vec<PromptInfo>, PromptError> {
        let dir = self.inner.dir.join(tenant.to_string());
        blocking("list", move || {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(PromptError::io(&dir)(e)),
            };
            let mut out = Vec::new();
            for entry in entries {
                let entry = entry.map_err(PromptError::io(&dir))?;
                let file_name = entry.file_name();
                let Some(id) = file_name.to_str().and_then(|n| n.strip_suffix(".wav")) else {
                    continue;
                };
                if files::check_name(id).is_err() {
                    continue;
                }
                let bytes = entry
                    .metadata()
                    .map_err(PromptError::io(&entry.path()))?
                    .len();
                out.push(PromptInfo {
                    id: id.to_string(),
                    duration_ms: bytes.saturating_sub(files::WAV_HEADER) * 1000
                        / files::BYTES_PER_SEC,
                    bytes,
                });
            }
            out.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(out)
        })
        .await?
    }

    /// The stored WAV (8 kHz mono) of prompt `id`: a built-in `default:…` one or the tenant's
    /// upload, for admins to listen to.
    pub async fn wav(&self, tenant: TenantId, id: &str) -> Result<Vec<u8>, PromptError> {
        let unknown = || PromptError::UnknownPrompt { id: id.to_string() };
        if let Some(name) = id.strip_prefix(defaults::PREFIX) {
            return defaults::get(name).map(<[u8]>::to_vec).ok_or_else(unknown);
        }
        files::check_name(id)?;
        let path = self.upload_path(tenant, id);
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(unknown()),
            Err(e) => Err(PromptError::io(&path)(e)),
        }
    }

    /// Every prompt id a flow of `tenant` may play: the built-in ones and the tenant's uploads.
    pub async fn ids(&self, tenant: TenantId) -> Result<Vec<String>, PromptError> {
        let mut ids: Vec<String> = default_ids().collect();
        ids.extend(self.list(tenant).await?.into_iter().map(|p| p.id));
        Ok(ids)
    }

    /// Removes the tenant's prompt `name`.
    pub async fn delete(&self, tenant: TenantId, name: &str) -> Result<(), PromptError> {
        files::check_name(name)?;
        let path = self.upload_path(tenant, name);
        let id = name.to_string();
        blocking(name, move || match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(PromptError::UnknownPrompt { id })
            }
            Err(e) => Err(PromptError::io(&path)(e)),
        })
        .await?
    }

    /// How many times espeak-ng has been run successfully by this library.
    pub fn tts_renders(&self) -> u64 {
        self.inner.renders.load(Ordering::Relaxed)
    }

    /// The file a spoken text is kept in.
    pub fn tts_path(&self, voice: &Voice, text: &str) -> Result<PathBuf, PromptError> {
        let text = tts::clean_text(text, self.inner.tts.max_chars)?;
        Ok(self.tts_file(&tts_key(voice, &text)))
    }

    fn tts_file(&self, key: &str) -> PathBuf {
        self.inner.dir.join("tts").join(format!("{key}.wav"))
    }

    fn upload_path(&self, tenant: TenantId, name: &str) -> PathBuf {
        self.inner
            .dir
            .join(tenant.to_string())
            .join(format!("{name}.wav"))
    }

    /// Speaks `text`; `strict` makes a failure to store the rendering an error (at publish
    /// time) rather than a warning (during a call, where the audio matters more).
    async fn speak_with(
        &self,
        voice: &Voice,
        text: &str,
        strict: bool,
    ) -> Result<(Prompt, Source), PromptError> {
        let text = tts::clean_text(text, self.inner.tts.max_chars)?;
        let key = tts_key(voice, &text);
        let cache_key = format!("tts:{key}");
        let name = format!(
            "tts:{}:{}",
            voice.name(),
            text.chars().take(32).collect::<String>()
        );
        if let Some(prompt) = self.inner.cache.get(&cache_key) {
            return Ok((prompt, Source::Memory));
        }
        let path = self.tts_file(&key);
        if let Some(prompt) = self.load_rendered(&name, &path).await? {
            self.inner.cache.insert(&cache_key, prompt.clone());
            return Ok((prompt, Source::Disk));
        }
        let _slot = self.inner.tts_slots.acquire().await;
        // Another task may have rendered it while this one waited for a slot.
        if let Some(prompt) = self.inner.cache.get(&cache_key) {
            return Ok((prompt, Source::Memory));
        }
        let wav = tts::render(&self.inner.tts, voice, &text).await?;
        self.inner.renders.fetch_add(1, Ordering::Relaxed);
        let voice_name = voice.name().to_string();
        let decode_name = name.clone();
        let prompt = blocking(&name, move || {
            Prompt::from_wav_bytes(&decode_name, &wav).map_err(|e| PromptError::TtsFailed {
                voice: voice_name,
                reason: e.to_string(),
            })
        })
        .await??;
        let samples = prompt.clone();
        let stored = blocking(&name, move || {
            files::write_atomic(&path, &files::wav_8k(samples.samples()))
        })
        .await
        .and_then(|r| r);
        match stored {
            Ok(()) => {}
            Err(e) if strict => return Err(e),
            Err(e) => tracing::warn!(error = %e, "spoken prompt not stored; kept in memory"),
        }
        self.inner.cache.insert(&cache_key, prompt.clone());
        Ok((prompt, Source::Rendered))
    }

    /// A rendering kept on disk; `None` when there is none or it cannot be read back.
    async fn load_rendered(&self, name: &str, path: &Path) -> Result<Option<Prompt>, PromptError> {
        let (path, owned_name) = (path.to_path_buf(), name.to_string());
        blocking(name, move || {
            let Some(bytes) = files::read_if_exists(&path)? else {
                return Ok(None);
            };
            match Prompt::from_wav_bytes(&owned_name, &bytes) {
                Ok(prompt) => Ok(Some(prompt)),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "stored rendering unreadable; rendering again");
                    Ok(None)
                }
            }
        })
        .await?
    }
}

/// The content address of a spoken text.
fn tts_key(voice: &Voice, text: &str) -> String {
    let mut h = Sha256::new();
    for part in [TTS_FORMAT, voice.name(), &voice.speed().to_string(), text] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs file or CPU work off the async threads; a panic in it (a decoder bug on hostile input)
/// becomes an error instead of taking the caller down.
async fn blocking<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PromptError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| PromptError::BadAudio {
            name: name.to_string(),
            reason: format!("processing failed: {e}"),
        })
}
