//! N-party conference mixing on 20 ms frames.
//!
//! Each tick the host pushes at most one frame per party, calls [`Mixer::mix`], and reads each
//! party's output. A party's output is the saturated sum of every frame it may hear except its
//! own. A party that pushed nothing this tick contributes silence.

use crate::{AudioError, FRAME_SAMPLES, Frame};

/// A party in a [`Mixer`], named by the host (for instance the leg index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartyId(pub u32);

/// Who hears a party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MixMode {
    /// Hears everyone and is heard by everyone: a caller, an agent, or a supervisor who barged.
    Full,
    /// Hears everyone, heard by no one: a supervisor monitoring.
    Listen,
    /// Hears everyone, heard only by `to` (the agent being coached).
    Whisper {
        /// The one party who hears the whisperer.
        to: PartyId,
    },
}

#[derive(Debug, Clone)]
struct Party {
    id: PartyId,
    mode: MixMode,
    input: Frame,
    output: Frame,
}

/// The mixer: parties, their last input and their mixed output.
#[derive(Debug, Clone, Default)]
pub struct Mixer {
    parties: Vec<Party>,
    sum: Vec<i32>,
}

impl Mixer {
    /// An empty mixer.
    pub fn new() -> Self {
        Mixer {
            parties: Vec::new(),
            sum: vec![0; FRAME_SAMPLES],
        }
    }

    /// Adds a party.
    pub fn add(&mut self, id: PartyId, mode: MixMode) -> Result<(), AudioError> {
        if self.position(id).is_ok() {
            return Err(AudioError::DuplicateParty(id.0));
        }
        let silent = [0; FRAME_SAMPLES];
        self.parties.push(Party {
            id,
            mode,
            input: silent,
            output: silent,
        });
        Ok(())
    }

    /// Removes a party.
    pub fn remove(&mut self, id: PartyId) -> Result<(), AudioError> {
        let at = self.position(id)?;
        self.parties.remove(at);
        Ok(())
    }

    /// Changes who hears a party (listen → whisper → barge).
    pub fn set_mode(&mut self, id: PartyId, mode: MixMode) -> Result<(), AudioError> {
        let at = self.position(id)?;
        self.parties[at].mode = mode;
        Ok(())
    }

    /// Number of parties.
    pub fn len(&self) -> usize {
        self.parties.len()
    }

    /// True when no party is in the mix.
    pub fn is_empty(&self) -> bool {
        self.parties.is_empty()
    }

    /// Sets a party's input for this tick; `samples` must hold one frame.
    pub fn push(&mut self, id: PartyId, samples: &[i16]) -> Result<(), AudioError> {
        let frame: &Frame = samples.try_into().map_err(|_| AudioError::FrameSize {
            got: samples.len(),
            expected: FRAME_SAMPLES,
        })?;
        let at = self.position(id)?;
        self.parties[at].input = *frame;
        Ok(())
    }

    /// Mixes this tick: fills every party's output and clears the inputs.
    pub fn mix(&mut self) {
        self.sum_heard_by_all();
        for i in 0..self.parties.len() {
            let out = self.output_for(i);
            self.parties[i].output = out;
        }
        for p in &mut self.parties {
            p.input = [0; FRAME_SAMPLES];
        }
    }

    /// A party's output from the last [`Mixer::mix`].
    pub fn output(&self, id: PartyId) -> Option<&Frame> {
        self.position(id).ok().map(|at| &self.parties[at].output)
    }

    /// Every party's output from the last [`Mixer::mix`].
    pub fn outputs(&self) -> impl Iterator<Item = (PartyId, &Frame)> {
        self.parties.iter().map(|p| (p.id, &p.output))
    }

    fn position(&self, id: PartyId) -> Result<usize, AudioError> {
        self.parties
            .iter()
            .position(|p| p.id == id)
            .ok_or(AudioError::UnknownParty(id.0))
    }

    fn sum_heard_by_all(&mut self) {
        self.sum.clear();
        self.sum.resize(FRAME_SAMPLES, 0);
        for p in self.parties.iter().filter(|p| p.mode == MixMode::Full) {
            for (acc, &s) in self.sum.iter_mut().zip(&p.input) {
                *acc += i32::from(s);
            }
        }
    }

    fn output_for(&self, i: usize) -> Frame {
        let me = &self.parties[i];
        let mut acc = [0i32; FRAME_SAMPLES];
        acc.copy_from_slice(&self.sum);
        if me.mode == MixMode::Full {
            sub(&mut acc, &me.input);
        }
        let whisperers = self
            .parties
            .iter()
            .filter(|p| p.id != me.id && p.mode == (MixMode::Whisper { to: me.id }));
        for w in whisperers {
            add(&mut acc, &w.input);
        }
        saturate(&acc)
    }
}

fn add(acc: &mut [i32; FRAME_SAMPLES], frame: &Frame) {
    for (a, &s) in acc.iter_mut().zip(frame) {
        *a += i32::from(s);
    }
}

fn sub(acc: &mut [i32; FRAME_SAMPLES], frame: &Frame) {
    for (a, &s) in acc.iter_mut().zip(frame) {
        *a -= i32::from(s);
    }
}

fn saturate(acc: &[i32; FRAME_SAMPLES]) -> Frame {
    let mut out = [0i16; FRAME_SAMPLES];
    for (o, &a) in out.iter_mut().zip(acc) {
        *o = a.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
    }
    out
}
