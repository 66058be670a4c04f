//! One sidecar process (`sidecar.py` run by Python) and the worker task that owns it: started on
//! the first utterance, restarted after a crash or a timeout, and not started again for a
//! minute when PocketSphinx is missing.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::{SpeechConfig, SpeechError};

/// Longest line read from the sidecar.
const MAX_LINE: u64 = 64 * 1024;
/// How long a failed start is remembered before another is tried.
pub(super) const RETRY_START: Duration = Duration::from_secs(60);

/// An utterance to recognise.
pub(super) struct Job {
    /// The phrases the grammar allows.
    pub phrases: Vec<String>,
    /// 16 kHz samples.
    pub samples: Vec<i16>,
    pub reply: oneshot::Sender<Result<Heard, SpeechError>>,
}

/// The sidecar's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Heard {
    /// The phrase recognised, as the sidecar spells it (lower case, single spaces).
    pub text: Option<String>,
    /// Words of the phrases the dictionary does not know.
    pub unknown: Vec<String>,
}

/// The jobs, shared by the workers.
pub(super) type Jobs = Arc<Mutex<mpsc::Receiver<Job>>>;

/// Runs until the recogniser is dropped: takes jobs and answers them.
pub(super) async fn worker(config: Arc<SpeechConfig>, jobs: Jobs, ready: Arc<super::Ready>) {
    let mut sidecar: Option<Sidecar> = None;
    loop {
        let job = { jobs.lock().await.recv().await };
        let Some(job) = job else { return };
        if let Some(reason) = ready.down_reason() {
            let _ = job.reply.send(Err(SpeechError::Unavailable { reason }));
            continue;
        }
        if sidecar.is_none() {
            match Sidecar::start(&config).await {
                Ok((started, engine)) => {
                    tracing::info!(%engine, "speech sidecar ready");
                    ready.set(engine);
                    sidecar = Some(started);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "speech sidecar not started: voice menus take keys only");
                    ready.set_down(reason_of(&e));
                    let _ = job.reply.send(Err(e));
                    continue;
                }
            }
        }
        let Some(running) = sidecar.as_mut() else {
            continue;
        };
        let answer = running
            .recognise(&job.phrases, &job.samples, config.timeout)
            .await;
        if answer.is_err() {
            // A sidecar that failed or timed out is in an unknown state: start afresh.
            sidecar = None;
        }
        let _ = job.reply.send(answer);
    }
}

fn reason_of(e: &SpeechError) -> String {
    match e {
        SpeechError::Unavailable { reason } | SpeechError::Failed { reason } => reason.clone(),
        other => other.to_string(),
    }
}

/// A running sidecar.
struct Sidecar {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Sidecar {
    /// Starts the sidecar and waits for its `ready` line; the engine it names.
    async fn start(config: &SpeechConfig) -> Result<(Sidecar, String), SpeechError> {
        let unavailable = |reason: String| SpeechError::Unavailable { reason };
        let mut child = Command::new(&config.python)
            .arg("-c")
            .arg(config.script.as_ref())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONIOENCODING", "utf-8")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| unavailable(format!("{} could not be started: {e}", config.python)))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(unavailable("no pipes to the sidecar".into()));
        };
        let mut sidecar = Sidecar {
            _child: child,
            stdin,
            stdout: BufReader::new(stdout),
        };
        let line = tokio::time::timeout(config.start_timeout, sidecar.read_line())
            .await
            .map_err(|_| {
                unavailable(format!(
                    "the sidecar was not ready within {:?}",
                    config.start_timeout
                ))
            })?
            .map_err(|e| unavailable(reason_of(&e)))?;
        match line {
            Line::Ready(engine) => Ok((sidecar, engine)),
            Line::Error(reason) => Err(unavailable(reason)),
            Line::Heard(_) => Err(unavailable(
                "the sidecar answered before it was asked".into(),
            )),
        }
    }

    /// Sends one utterance and reads the answer, within `timeout`.
    async fn recognise(
        &mut self,
        phrases: &[String],
        samples: &[i16],
        timeout: Duration,
    ) -> Result<Heard, SpeechError> {
        let exchange = async {
            let header = serde_json::json!({ "phrases": phrases, "samples": samples.len() });
            let mut bytes = Vec::with_capacity(samples.len() * 2 + 256);
            bytes.extend_from_slice(header.to_string().as_bytes());
            bytes.push(b'\n');
            for s in samples {
                bytes.extend_from_slice(&s.to_le_bytes());
            }
            self.stdin
                .write_all(&bytes)
                .await
                .map_err(|e| failed(format!("writing to the sidecar: {e}")))?;
            self.stdin
                .flush()
                .await
                .map_err(|e| failed(format!("writing to the sidecar: {e}")))?;
            self.read_line().await
        };
        match tokio::time::timeout(timeout, exchange).await {
            Err(_) => Err(SpeechError::Timeout { after: timeout }),
            Ok(Err(e)) => Err(e),
            Ok(Ok(Line::Heard(heard))) => Ok(heard),
            Ok(Ok(Line::Error(reason))) => Err(failed(reason)),
            Ok(Ok(Line::Ready(_))) => Err(failed("the sidecar started again".into())),
        }
    }

    /// Reads and parses one line.
    async fn read_line(&mut self) -> Result<Line, SpeechError> {
        let mut line = Vec::new();
        let read = (&mut self.stdout)
            .take(MAX_LINE)
            .read_until(b'\n', &mut line)
            .await
            .map_err(|e| failed(format!("reading from the sidecar: {e}")))?;
        if read == 0 {
            return Err(failed("the sidecar exited".into()));
        }
        parse_line(&line)
    }
}

fn failed(reason: String) -> SpeechError {
    SpeechError::Failed { reason }
}

/// A line from the sidecar.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    Ready(String),
    Heard(Heard),
    Error(String),
}

#[derive(serde::Deserialize)]
struct Wire {
    ready: Option<String>,
    error: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    unknown: Vec<String>,
}

fn parse_line(line: &[u8]) -> Result<Line, SpeechError> {
    let wire: Wire = serde_json::from_slice(line).map_err(|e| {
        let shown: String = String::from_utf8_lossy(line).chars().take(200).collect();
        failed(format!("unreadable answer {shown:?}: {e}"))
    })?;
    Ok(match (wire.ready, wire.error) {
        (Some(engine), _) => Line::Ready(engine),
        (None, Some(error)) => Line::Error(error),
        (None, None) => Line::Heard(Heard {
            text: wire.text,
            unknown: wire.unknown,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_into_ready_heard_and_error() {
        assert_eq!(
            parse_line(b"{\"ready\": \"pocketsphinx 5.1.1\"}\n"),
            Ok(Line::Ready("pocketsphinx 5.1.1".into()))
        );
        assert_eq!(
            parse_line(b"{\"text\": \"sales\", \"unknown\": [\"zzqx\"]}\n"),
            Ok(Line::Heard(Heard {
                text: Some("sales".into()),
                unknown: vec!["zzqx".into()],
            }))
        );
        assert_eq!(
            parse_line(b"{\"text\": null}"),
            Ok(Line::Heard(Heard {
                text: None,
                unknown: vec![],
            }))
        );
        assert_eq!(
            parse_line(b"{\"error\": \"bad request\"}"),
            Ok(Line::Error("bad request".into()))
        );
    }

    #[test]
    fn an_unreadable_line_is_a_failure_that_quotes_it() {
        let Err(SpeechError::Failed { reason }) = parse_line(b"Traceback (most recent") else {
            panic!("not a failure");
        };
        assert!(reason.contains("Traceback"), "{reason}");
        assert!(matches!(
            parse_line(b"{\"text\": 3}"),
            Err(SpeechError::Failed { .. })
        ));
    }
}
