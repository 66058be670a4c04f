//! The client side of the endpoint: requests we send as client transactions (RFC 3261
//! § 17.1), their retransmissions and their final responses.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use bytes::Bytes;
use sb_sip::{Message, Method, Request};
use sb_sip_dialog::transaction::{TxEvent, TxId};
use sb_types::Timestamp;

use super::{Endpoint, Output};
use crate::client::ClientError;
use crate::peer::{ConnId, Peer, Transport};
use crate::via;

/// An ACK we sent for a 2xx, kept to answer retransmissions of that 2xx.
#[derive(Debug, Clone)]
pub(super) struct SentAck {
    peer: Peer,
    data: Bytes,
    until: Timestamp,
}

/// Call-ID and CSeq number: what ties a 2xx to its ACK.
pub(super) type AckKey = (String, u32);

fn ack_key(headers: &sb_sip::Headers) -> Option<AckKey> {
    let call_id = headers.call_id().ok()?.to_owned();
    Some((call_id, headers.cseq().ok()?.seq))
}

/// A live client transaction: where its request goes, and whether its user has had the
/// outcome already.
#[derive(Debug, Clone, Copy)]
pub(super) struct ClientTx {
    pub peer: Peer,
    pub done: bool,
}

impl Endpoint {
    /// Starts a client transaction for `request` towards `peer` (UDP to an address, or an
    /// open connection). `sent_by` is our address for that transport, written into the top
    /// Via with `rport`; the branch is kept when it is an RFC 3261 one, else made here;
    /// Content-Length is set. The outcome comes out as [`Output::ClientResponse`] (the final
    /// response; 2xx retransmissions to an INVITE are skipped) or
    /// [`Output::ClientFailed`]; provisional responses but 100 come out as
    /// [`Output::ClientProvisional`]. The ACK for a non-2xx final response to an INVITE is sent by
    /// the transaction; the ACK for a 2xx is the caller's (dialog layer's).
    pub fn send_request(
        &mut self,
        now: Timestamp,
        mut request: Request,
        peer: Peer,
        sent_by: SocketAddr,
    ) -> Result<TxId, ClientError> {
        match request.method() {
            Method::Ack => {
                return Err(ClientError::Unsupported(
                    "ACK is not a client transaction: use send_ack",
                ));
            }
            Method::Cancel if !has_rfc3261_branch(&request) => {
                return Err(ClientError::Unsupported(
                    "CANCEL needs the z9hG4bK branch of its INVITE",
                ));
            }
            _ => {}
        }
        self.stamp(&mut request, peer, sent_by)?;
        let message = Arc::new(Message::Request(request));
        let id = self
            .layer
            .send_request(now, message, peer.is_reliable())
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        self.clients.insert(id, ClientTx { peer, done: false });
        *self
            .servers
            .entry(peer.addr.ip().to_canonical())
            .or_default() += 1;
        self.pump();
        Ok(id)
    }

    /// Sends an ACK for a 2xx outside any transaction (RFC 3261 § 13.2.2.4), its top Via
    /// prepared as in [`Endpoint::send_request`]; other methods are refused.
    pub fn send_ack(
        &mut self,
        now: Timestamp,
        mut ack: Request,
        peer: Peer,
        sent_by: SocketAddr,
    ) -> Result<(), ClientError> {
        if *ack.method() != Method::Ack {
            return Err(ClientError::Unsupported(
                "only ACK is sent outside a transaction",
            ));
        }
        self.stamp(&mut ack, peer, sent_by)?;
        let data = ack.to_bytes();
        if let Some(key) = ack_key(ack.headers()) {
            let until = now + self.config.timers.timeout();
            self.acks.insert(
                key,
                SentAck {
                    peer,
                    data: data.clone(),
                    until,
                },
            );
        }
        self.transmit(peer.transport, peer.addr, data);
        Ok(())
    }

    /// Forgets ACKs older than 64 × T1 (the INVITE transaction's Accepted state is over).
    pub(super) fn expire_acks(&mut self, now: Timestamp) {
        self.acks.retain(|_, a| a.until > now);
    }

    /// A retransmitted 2xx to an INVITE we ACKed: the ACK again.
    fn ack_again(&mut self, response: &sb_sip::Response) {
        let again = ack_key(response.headers()).and_then(|k| self.acks.get(&k));
        if let Some(a) = again {
            let (peer, data) = (a.peer, a.data.clone());
            self.transmit(peer.transport, peer.addr, data);
        }
    }

    /// Our top Via (transport, sent-by, branch, `rport`) and Content-Length.
    fn stamp(
        &mut self,
        request: &mut Request,
        peer: Peer,
        sent_by: SocketAddr,
    ) -> Result<(), ClientError> {
        let name: &str = match peer.transport {
            Transport::Udp => "UDP",
            Transport::Tcp(_) => "TCP",
            Transport::Tls(_) => "TLS",
            Transport::Ws(_) => "WS",
            Transport::Wss(_) => "WSS",
        };
        let fresh = format!("z9hG4bK{}", self.tag());
        via::prepare_client_request(request, name, sent_by, || fresh)
            .map_err(|e| ClientError::Transport(format!("cannot stamp the request: {e}")))?;
        Ok(())
    }

    /// The connection `conn` is gone: its client transactions fail with a transport error.
    pub fn connection_closed(&mut self, conn: ConnId) {
        let lost: Vec<TxId> = self
            .clients
            .iter()
            .filter(|(_, c)| c.peer.transport.conn() == Some(conn))
            .map(|(id, _)| *id)
            .collect();
        for id in lost {
            self.layer.handle_transport_error(id);
        }
        self.pump();
    }

    /// Live client transactions (tests, metrics).
    pub fn client_transactions(&self) -> usize {
        self.clients.len()
    }

    /// A client transaction's event.
    pub(super) fn client_event(&mut self, id: TxId, event: TxEvent<Arc<Message>>) {
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        let outcome = match event {
            TxEvent::Response(m) => match &*m {
                Message::Response(r) if r.status().as_u16() >= 200 && !client.done => {
                    Some(Output::ClientResponse {
                        tx: id,
                        response: r.clone(),
                    })
                }
                Message::Response(r) if r.status().as_u16() > 100 && r.status().class() == 1 => {
                    (!client.done).then(|| Output::ClientProvisional {
                        tx: id,
                        response: r.clone(),
                    })
                }
                Message::Response(r) if r.status().class() == 2 => {
                    self.ack_again(r);
                    None
                }
                _ => None,
            },
            TxEvent::Timeout if !client.done => Some(Output::ClientFailed {
                tx: id,
                error: ClientError::Timeout,
            }),
            TxEvent::TransportError if !client.done => Some(Output::ClientFailed {
                tx: id,
                error: ClientError::Transport("the connection failed".into()),
            }),
            TxEvent::Terminated => {
                let done = client.done;
                self.forget_client(id);
                (!done).then_some(Output::ClientFailed {
                    tx: id,
                    error: ClientError::Timeout,
                })
            }
            _ => None,
        };
        if let Some(out) = outcome {
            let provisional = matches!(out, Output::ClientProvisional { .. });
            if let (Some(c), false) = (self.clients.get_mut(&id), provisional) {
                c.done = true;
            }
            self.outputs.push_back(out);
        }
    }

    fn forget_client(&mut self, id: TxId) {
        let Some(c) = self.clients.remove(&id) else {
            return;
        };
        let ip = c.peer.addr.ip().to_canonical();
        if let Some(n) = self.servers.get_mut(&ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.servers.remove(&ip);
            }
        }
    }

    /// Whether `data` from `ip` is a response from a server we await responses from: those
    /// skip the per-source rate limit (a busy trunk answers more than a phone sends).
    pub(super) fn is_awaited_response(&self, ip: IpAddr, data: &[u8]) -> bool {
        data.starts_with(b"SIP/2.0 ") && self.servers.contains_key(&ip)
    }

    /// Where a client transaction's message (request, retransmission, ACK) goes.
    pub(super) fn client_route(&self, id: TxId) -> Option<Peer> {
        self.clients.get(&id).map(|c| c.peer)
    }
}

fn has_rfc3261_branch(request: &Request) -> bool {
    request
        .headers()
        .top_via()
        .is_ok_and(|v| v.has_rfc3261_branch())
}
