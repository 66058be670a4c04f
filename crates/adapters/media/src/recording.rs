//! Recordings: frames go from the call tasks to a few writer threads shared by the server
//! (file writes and syncs never stall a packet path, and a thousand recordings do not need a
//! thousand threads). Each writer thread owns the [`Recorder`]s of its recordings.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc as std_mpsc;

use sb_audio::{Frame, TalkDetector};
use tokio::sync::oneshot;

use crate::recorder::{Layout, Recorder, RecordingInfo};
use crate::{EndpointId, MediaError};

/// Writer threads of a server.
const LANES: usize = 4;

type Reply<T> = oneshot::Sender<Result<T, MediaError>>;

enum Job {
    Start(PathBuf, Layout, Arc<AtomicBool>, Reply<()>),
    Frame(Box<(Frame, Frame)>),
    Pause,
    Resume,
    Finish(Reply<RecordingInfo>),
}

/// The server's recording writer threads.
#[derive(Debug)]
pub(crate) struct Writers {
    lanes: Vec<std_mpsc::Sender<(u64, Job)>>,
    next: AtomicU64,
}

/// A recording in progress: the caller on the left channel, every other party (the agent; after
/// a transfer the next one; in a conference all of them) mixed on the right; or a message: the
/// caller alone, mono, with talk detection.
#[derive(Debug)]
pub(crate) struct Recording {
    pub(crate) caller: EndpointId,
    /// Set for messages: the caller's speech is reported as [`crate::MediaEvent::Talk`].
    pub(crate) talk: Option<TalkDetector>,
    id: u64,
    lane: std_mpsc::Sender<(u64, Job)>,
    /// Cleared by the writer when the file could not be created.
    alive: Arc<AtomicBool>,
}

impl Writers {
    /// Starts the writer threads.
    pub(crate) fn new() -> Result<Self, MediaError> {
        let mut lanes = Vec::with_capacity(LANES);
        for i in 0..LANES {
            let (tx, rx) = std_mpsc::channel();
            std::thread::Builder::new()
                .name(format!("sb-recorder-{i}"))
                .spawn(move || serve(&rx))
                .map_err(|e| MediaError::Config(format!("recording thread: {e}")))?;
            lanes.push(tx);
        }
        let next = AtomicU64::new(0);
        Ok(Writers { lanes, next })
    }

    /// Starts a recording to `path`; `started` is answered once the file exists (or could
    /// not be made). Mono recordings are messages: they detect the caller's talk.
    pub(crate) fn start(
        &self,
        path: PathBuf,
        caller: EndpointId,
        layout: Layout,
        started: Reply<()>,
    ) -> Recording {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let lane = self.lanes[(id % LANES as u64) as usize].clone();
        let alive = Arc::new(AtomicBool::new(true));
        let talk = (layout == Layout::Mono).then(TalkDetector::default);
        let recording = Recording {
            caller,
            talk,
            id,
            lane,
            alive: Arc::clone(&alive),
        };
        recording.send(Job::Start(path, layout, alive, started));
        recording
    }
}

impl Recording {
    /// False once the writer failed to create the file (the recording is void).
    pub(crate) fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Relaxed)
    }

    fn send(&self, job: Job) {
        if let Err(std_mpsc::SendError((_, job))) = self.lane.send((self.id, job)) {
            fail(job, || MediaError::NotRecording);
        }
    }

    /// Appends one 20 ms frame of each side.
    pub(crate) fn write(&mut self, left: Frame, right: Frame) {
        self.send(Job::Frame(Box::new((left, right))));
    }

    /// Silence from now on (the span is listed in the result).
    pub(crate) fn pause(&mut self) {
        self.send(Job::Pause);
    }

    /// Call audio again.
    pub(crate) fn resume(&mut self) {
        self.send(Job::Resume);
    }

    /// Finishes the file; `done` gets its description.
    pub(crate) fn stop(self, done: Reply<RecordingInfo>) {
        self.send(Job::Finish(done));
    }

    /// Ends the recording without waiting (call torn down): the file is finished anyway.
    pub(crate) fn abandon(self) {
        let (done, _) = oneshot::channel();
        self.stop(done);
    }
}

/// Answers a job's requester with an error.
fn fail(job: Job, error: impl FnOnce() -> MediaError) {
    match job {
        Job::Start(_, _, _, reply) => {
            let _ = reply.send(Err(error()));
        }
        Job::Finish(reply) => {
            let _ = reply.send(Err(error()));
        }
        Job::Frame(_) | Job::Pause | Job::Resume => {}
    }
}

/// A recording as its writer thread holds it.
struct Open {
    recorder: Recorder,
    failed: Option<MediaError>,
}

fn serve(jobs: &std_mpsc::Receiver<(u64, Job)>) {
    let mut open: HashMap<u64, Open> = HashMap::new();
    while let Ok((id, job)) = jobs.recv() {
        handle(&mut open, id, job);
    }
    for (_, rec) in open.drain() {
        finish_quietly(rec.recorder);
    }
}

fn handle(open: &mut HashMap<u64, Open>, id: u64, job: Job) {
    if let Job::Start(path, layout, alive, started) = job {
        let result = Recorder::create_with(&path, layout).map(|recorder| {
            let failed = None;
            open.insert(id, Open { recorder, failed });
        });
        alive.store(result.is_ok(), Ordering::Relaxed);
        let _ = started.send(result);
        return;
    }
    let Some(rec) = open.get_mut(&id) else {
        return fail(job, || MediaError::NotRecording);
    };
    match job {
        Job::Frame(frames) if rec.failed.is_none() => {
            rec.failed = rec.recorder.write_frame(&frames.0, &frames.1).err();
        }
        Job::Pause => rec.recorder.pause(),
        Job::Resume => rec.recorder.resume(),
        Job::Finish(done) => {
            if let Some(rec) = open.remove(&id) {
                let result = rec.recorder.finish();
                let _ = done.send(rec.failed.map_or(result, Err));
            }
        }
        Job::Frame(_) | Job::Start(..) => {}
    }
}

fn finish_quietly(recorder: Recorder) {
    if let Err(e) = recorder.finish() {
        tracing::warn!("recording: {e}");
    }
}
