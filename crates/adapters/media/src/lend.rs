//! Lending an endpoint to another call: an agent's persistent line (one leg that stays up
//! between calls) joins each call the agent takes, and goes home when the call lets it go.
//!
//! The endpoint moves whole (sockets, RTP session, latch, WebRTC state) from its home task to
//! the borrowing call's task, keeping its id, so the peer on the wire sees one continuous
//! stream. It remembers its home by a weak sender: removing it from the borrowing call, or
//! closing that call, sends it back; a home that has closed meanwhile means the endpoint closes
//! with the call.

use tokio::sync::mpsc;

use crate::call::CallTask;
use crate::commands::{Command, Reply};
use crate::endpoint::Endpoint;
use crate::{EndpointId, MediaError};
use sb_audio::PartyId;
use sb_types::Timestamp;

impl CallTask {
    /// Takes endpoint `id` out of this call to be lent; it will come back to `home`.
    pub(crate) fn release(
        &mut self,
        id: EndpointId,
        home: mpsc::WeakSender<Command>,
    ) -> Result<Box<Endpoint>, MediaError> {
        let i = self.index(id)?;
        if self.endpoints[i].home.is_some() {
            return Err(MediaError::Invalid(format!(
                "{id} is lent to this call: only its home call may lend it"
            )));
        }
        self.detach(i);
        let mut ep = self.endpoints.swap_remove(i);
        ep.leave_call();
        ep.home = Some(home);
        Ok(Box::new(ep))
    }

    /// Takes in an endpoint: lent to this call, or coming home.
    pub(crate) fn take_in(&mut self, mut ep: Box<Endpoint>, back_home: bool) {
        ep.party = PartyId(self.next_party);
        self.next_party = self.next_party.wrapping_add(1);
        if back_home {
            ep.home = None;
        }
        self.endpoints.push(*ep);
        self.refresh_audio_collection();
    }

    /// Endpoint `i` leaves this call: a lent one goes home (`true`), any other stays for the
    /// caller to close.
    pub(crate) fn send_home(&mut self, i: usize, now: Timestamp) -> bool {
        let Some(home) = self.endpoints[i].home.as_ref().and_then(|h| h.upgrade()) else {
            return false;
        };
        self.detach(i);
        let mut ep = self.endpoints.swap_remove(i);
        ep.leave_call();
        match home.try_send(Command::Return(Box::new(ep))) {
            Ok(()) => {}
            // Home is busy: the endpoint waits for room on the way (this task never waits).
            Err(mpsc::error::TrySendError::Full(back)) => {
                tokio::spawn(async move {
                    let _ = home.send(back).await;
                });
            }
            // Home has closed: the endpoint closes here.
            Err(mpsc::error::TrySendError::Closed(back)) => {
                if let Command::Return(mut ep) = back {
                    tracing::debug!(endpoint = %ep.id, "a lent endpoint's home has closed");
                    ep.close(now, "home closed");
                }
            }
        }
        true
    }
}

/// Moves endpoint `id` from the call of `from` to the call of `to` (see the module note).
pub(crate) async fn lend(
    from: &mpsc::Sender<Command>,
    id: EndpointId,
    to: &mpsc::Sender<Command>,
) -> Result<(), MediaError> {
    let (reply, answer): (Reply<Box<Endpoint>>, _) = tokio::sync::oneshot::channel();
    from.send(Command::Release(id, from.downgrade(), reply))
        .await
        .map_err(|_| MediaError::CallClosed)?;
    let ep = answer.await.map_err(|_| MediaError::CallClosed)??;
    let (reply, answer) = tokio::sync::oneshot::channel();
    match to.send(Command::Borrow(ep, reply)).await {
        Ok(()) => answer.await.map_err(|_| MediaError::CallClosed)?,
        Err(mpsc::error::SendError(cmd)) => {
            // The borrower has closed: the endpoint goes straight home.
            if let Command::Borrow(ep, _) = cmd {
                let _ = from.send(Command::Return(ep)).await;
            }
            Err(MediaError::CallClosed)
        }
    }
}
