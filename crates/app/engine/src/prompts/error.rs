//! The prompt library's one error type.

use std::path::PathBuf;
use std::time::Duration;

/// What went wrong while resolving, rendering or storing a prompt.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// The TTS program (espeak-ng) is not installed or could not be started.
    #[error("text-to-speech program {program} could not be started: {reason}")]
    TtsMissing {
        /// The program looked for.
        program: PathBuf,
        /// The OS error.
        reason: String,
    },
    /// The TTS program ran but failed (exit status, unknown voice, unreadable output).
    #[error("text-to-speech with voice {voice:?} failed: {reason}")]
    TtsFailed {
        /// The voice asked for.
        voice: String,
        /// What failed (espeak-ng's message when it gave one).
        reason: String,
    },
    /// The TTS program did not finish in time; it was killed.
    #[error("text-to-speech with voice {voice:?} did not finish within {after:?}")]
    TtsTimeout {
        /// The voice asked for.
        voice: String,
        /// The time limit.
        after: Duration,
    },
    /// The text to speak is empty or longer than the limit.
    #[error("text to speak has {chars} characters, allowed 1 to {limit}")]
    BadText {
        /// Characters in the text.
        chars: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A voice name that is not a plain espeak-ng voice name, or a speed out of range.
    #[error("bad voice {voice:?}: {reason}")]
    BadVoice {
        /// The voice asked for.
        voice: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Audio that cannot be decoded (neither WAV nor MP3, corrupt, unsupported encoding).
    #[error("prompt {name}: bad audio: {reason}")]
    BadAudio {
        /// The prompt name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No prompt by that id: neither a built-in default nor one of the tenant's uploads.
    #[error("unknown prompt {id:?}")]
    UnknownPrompt {
        /// The id asked for.
        id: String,
    },
    /// An upload larger than the size limit.
    #[error("prompt {name}: {size} bytes, limit {limit}")]
    TooLarge {
        /// The prompt name.
        name: String,
        /// Bytes uploaded.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// Audio longer than the duration limit.
    #[error("prompt {name}: longer than {limit_secs} s")]
    TooLong {
        /// The prompt name.
        name: String,
        /// The limit in seconds.
        limit_secs: u64,
    },
    /// A prompt name outside `[a-z0-9_-]{1,64}`.
    #[error("bad prompt name {name:?}: use 1 to 64 of a-z, 0-9, '_' and '-'")]
    BadName {
        /// The name given (cut to 80 characters).
        name: String,
    },
    /// A prompt file could not be read, written or removed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl PromptError {
    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> PromptError + '_ {
        move |source| PromptError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn from_media(name: &str, e: sb_media::MediaError) -> PromptError {
        match e {
            sb_media::MediaError::BadAudio { reason, .. } => PromptError::BadAudio {
                name: name.to_string(),
                reason,
            },
            sb_media::MediaError::File { path, source } => PromptError::Io { path, source },
            other => PromptError::BadAudio {
                name: name.to_string(),
                reason: other.to_string(),
            },
        }
    }
}
