//! Offer collisions within a dialog (RFC 3261 § 14.1–14.2; the same rules serve UPDATE,
//! RFC 3311 § 5.2).

use std::time::Duration;

use sb_types::Timestamp;

use crate::Error;

/// What the end of our re-INVITE means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReinviteOutcome {
    /// Finished (accepted or refused for good).
    Done,
    /// Refused with 491: try again at this time.
    RetryAt(Timestamp),
}

/// Which re-INVITEs are in progress, and when ours may be retried.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Glare {
    local: bool,
    remote: bool,
    retry_at: Option<Timestamp>,
}

impl Glare {
    pub(super) fn begin_local(&mut self) -> Result<(), Error> {
        if self.local || self.remote {
            return Err(Error::InvalidState(
                "re-INVITE while another is in progress",
            ));
        }
        self.local = true;
        self.retry_at = None;
        Ok(())
    }

    /// § 14.1: the Call-ID owner waits 2.1–4 s, the other side 0–2 s, in 10 ms steps.
    pub(super) fn end_local(
        &mut self,
        now: Timestamp,
        status: u16,
        random: u32,
        owner: bool,
    ) -> ReinviteOutcome {
        if status < 200 {
            return ReinviteOutcome::Done;
        }
        self.local = false;
        if status != 491 {
            return ReinviteOutcome::Done;
        }
        let ms = if owner {
            2_100 + (random % 191) * 10
        } else {
            (random % 201) * 10
        };
        let at = now + Duration::from_millis(u64::from(ms));
        self.retry_at = Some(at);
        ReinviteOutcome::RetryAt(at)
    }

    pub(super) fn begin_remote(&mut self, random: u32) -> Result<(), Error> {
        if self.local {
            return Err(Error::RequestPending);
        }
        if self.remote {
            return Err(Error::InviteInProgress {
                retry_after: random % 11,
            });
        }
        self.remote = true;
        Ok(())
    }

    pub(super) fn end_remote(&mut self) {
        self.remote = false;
    }

    pub(super) fn poll_timeout(&self) -> Option<Timestamp> {
        self.retry_at
    }

    pub(super) fn handle_timeout(&mut self, now: Timestamp) -> bool {
        let due = self.retry_at.is_some_and(|at| at <= now);
        if due {
            self.retry_at = None;
        }
        due
    }
}
