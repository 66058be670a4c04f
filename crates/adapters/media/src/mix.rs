//! The 20 ms media tick: what each endpoint said is taken from its inbox, recorded, mixed
//! for the conference, and each endpoint is sent what it should hear — a DTMF tone, else a
//! prompt, else the conference mix. Relayed legs are not touched here (packet path).

use sb_audio::{FRAME_SAMPLES, Frame, TalkEvent};
use sb_types::Timestamp;

use crate::MediaEvent;
use crate::call::CallTask;
use crate::relay::send_local;

const SILENCE: Frame = [0; FRAME_SAMPLES];

impl CallTask {
    /// One tick of local media.
    pub(crate) fn tick(&mut self, now: Timestamp) {
        for ep in &mut self.endpoints {
            ep.take_said();
        }
        self.record_frame();
        self.mix();
        for index in 0..self.endpoints.len() {
            if let Some(frame) = self.frame_for(index) {
                self.send_frame(index, &frame, now);
            }
        }
    }

    fn record_frame(&mut self) {
        if self.recording.as_ref().is_some_and(|r| !r.is_alive()) {
            self.recording = None;
            self.refresh_audio_collection();
        }
        let Some(recording) = self.recording.as_mut() else {
            return;
        };
        let (mut left, mut right) = (SILENCE, SILENCE);
        for ep in &self.endpoints {
            let Some(said) = ep.said.as_ref() else {
                continue;
            };
            if ep.id == recording.caller {
                left = *said;
            } else {
                for (r, s) in right.iter_mut().zip(said) {
                    *r = r.saturating_add(*s);
                }
            }
        }
        let talk = recording.talk.as_mut().and_then(|t| t.push(&left));
        let endpoint = recording.caller;
        recording.write(left, right);
        if let Some(event) = talk {
            let talking = event == TalkEvent::Started;
            self.emit(MediaEvent::Talk { endpoint, talking });
        }
    }

    fn mix(&mut self) {
        if self.mixer.is_empty() {
            return;
        }
        for ep in self.endpoints.iter().filter(|e| e.in_conference) {
            let said = ep.said.as_ref().unwrap_or(&SILENCE);
            if let Err(e) = self.mixer.push(ep.party, said) {
                tracing::warn!(endpoint = %ep.id, "mixer: {e}");
            }
        }
        self.mixer.mix();
    }

    /// What endpoint `index` hears this tick from local sources, if anything.
    fn frame_for(&mut self, index: usize) -> Option<Frame> {
        let ep = &mut self.endpoints[index];
        if let Some(tone) = ep.tones.front_mut() {
            let mut frame = SILENCE;
            tone.fill(&mut frame);
            if tone.is_finished() {
                ep.tones.pop_front();
            }
            return Some(frame);
        }
        if let Some(playback) = ep.playback.as_mut() {
            if let Some(frame) = playback.next_frame() {
                return Some(frame);
            }
            ep.playback = None;
            let endpoint = ep.id;
            self.emit(MediaEvent::PlayFinished { endpoint });
        }
        let ep = &self.endpoints[index];
        if ep.in_conference {
            return self.mixer.output(ep.party).copied();
        }
        None
    }

    fn send_frame(&mut self, index: usize, frame: &Frame, now: Timestamp) {
        let ep = &mut self.endpoints[index];
        if ep.session.sending_dtmf() {
            return;
        }
        self.payload.clear();
        self.payload.resize(FRAME_SAMPLES, 0);
        ep.law.encode_frame(frame, &mut self.payload);
        send_local(ep, &self.payload, &mut self.packet, now);
    }
}
