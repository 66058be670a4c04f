//! Our side of an SDP session: one origin whose version moves only when what we say changes
//! (RFC 3264 § 8: a re-offer that changes anything increments `o=` version; an unchanged one
//! repeats it).

use crate::error::SdpError;
use crate::model::{Origin, SessionDescription};
use crate::negotiate::{Answer, LocalMedia, answer, offer};

/// The origin and the last description we sent.
#[derive(Debug, Clone)]
pub struct LocalSdp {
    origin: Origin,
    last: Option<SessionDescription>,
}

impl LocalSdp {
    /// A session with `session_id` (random, chosen by the host) at `address`.
    pub fn new(session_id: u64, address: &str) -> Self {
        let mut origin = Origin::placeholder(address);
        origin.session_id = session_id.to_string();
        origin.session_version = 1;
        LocalSdp { origin, last: None }
    }

    /// The current origin.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// An offer (initial or re-offer, e.g. hold with `direction` sendonly).
    pub fn offer(&mut self, local: &LocalMedia) -> SessionDescription {
        self.stamp(offer(local))
    }

    /// An answer to `remote`'s offer.
    pub fn answer(
        &mut self,
        remote: &SessionDescription,
        local: &LocalMedia,
    ) -> Result<Answer, SdpError> {
        let mut a = answer(remote, local)?;
        a.sdp = self.stamp(a.sdp);
        Ok(a)
    }

    /// Sets our origin on `sdp`, incrementing the version if the body differs from the last one.
    pub fn stamp(&mut self, mut sdp: SessionDescription) -> SessionDescription {
        sdp.origin = self.origin.clone();
        if let Some(last) = &self.last
            && *last != sdp
        {
            self.origin.session_version = self.origin.session_version.saturating_add(1);
            sdp.origin.session_version = self.origin.session_version;
        }
        self.last = Some(sdp.clone());
        sdp
    }
}
