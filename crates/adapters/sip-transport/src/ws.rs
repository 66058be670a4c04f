//! SIP over WebSocket (RFC 7118): the handshake insists on the `sip` sub-protocol, each
//! WebSocket message is one SIP message, responses go back as text frames, the server pings.

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use sb_sip::ParseConfig;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, sleep_until};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode, header};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};

use crate::connection::{CLOSE_TIMEOUT, Connection, Inbound, WRITE_TIMEOUT};

/// The WebSocket sub-protocol of SIP (RFC 7118 § 4.1).
const SUBPROTOCOL: &str = "sip";

/// The server side of the opening handshake; messages and frames are capped at the SIP
/// message size limit.
pub(crate) async fn accept<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    parse: &ParseConfig,
) -> Result<WebSocketStream<S>, WsError> {
    let cap = Some(parse.max_message_size);
    let config = WebSocketConfig::default()
        .max_message_size(cap)
        .max_frame_size(cap);
    tokio_tungstenite::accept_hdr_async_with_config(stream, choose_sip, Some(config)).await
}

/// Accepts a handshake that offers `sip` among its sub-protocols and answers with it;
/// refuses any other with 400 (RFC 7118 § 4.1: the server must not accept a handshake
/// without `sip`). The signature is tungstenite's handshake callback (hence the large `Err`).
#[allow(clippy::result_large_err)]
fn choose_sip(request: &Request, mut response: Response) -> Result<Response, ErrorResponse> {
    let offers_sip = request
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case(SUBPROTOCOL));
    if !offers_sip {
        let mut refusal = ErrorResponse::new(Some(
            "the WebSocket sub-protocol \"sip\" is required (RFC 7118)\n".to_owned(),
        ));
        *refusal.status_mut() = StatusCode::BAD_REQUEST;
        return Err(refusal);
    }
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(SUBPROTOCOL),
    );
    Ok(response)
}

/// A SIP message as a WebSocket message: text when it is UTF-8 (RFC 7118 § 5.1), binary
/// otherwise (a binary body).
fn frame_of(data: Bytes) -> Message {
    match Utf8Bytes::try_from(data.clone()) {
        Ok(text) => Message::Text(text),
        Err(_) => Message::Binary(data),
    }
}

/// Sends one message; false after an error or [`WRITE_TIMEOUT`].
async fn send<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
    message: Message,
) -> bool {
    matches!(
        tokio::time::timeout(WRITE_TIMEOUT, ws.send(message)).await,
        Ok(Ok(()))
    )
}

impl Connection {
    /// Runs an open WebSocket until the peer closes, it breaks, it idles out (nothing
    /// received, not even a pong, for the idle timeout) or the server stops.
    pub(crate) async fn run_ws<S: AsyncRead + AsyncWrite + Unpin>(
        mut self,
        mut ws: WebSocketStream<S>,
    ) {
        let peer = self.peer();
        let mut ping = tokio::time::interval_at(Instant::now() + self.ws_ping, self.ws_ping);
        let mut last_heard = Instant::now();
        loop {
            tokio::select! {
                _ = self.cancel.cancelled() => break,
                out = self.outbound.recv() => {
                    let Some(data) = out else { break };
                    if !send(&mut ws, frame_of(data)).await {
                        break;
                    }
                }
                _ = ping.tick() => {
                    if !send(&mut ws, Message::Ping(Bytes::new())).await {
                        break;
                    }
                }
                _ = sleep_until(last_heard + self.idle) => break,
                received = ws.next() => {
                    let Some(Ok(message)) = received else { break };
                    last_heard = Instant::now();
                    let data = match message {
                        Message::Text(text) => Bytes::from(text),
                        Message::Binary(data) => data,
                        Message::Close(_) => break,
                        // Pings are answered by tungstenite; pongs only prove liveness.
                        Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                    };
                    if self.inbound.send(Inbound::Message(peer, data)).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, ws.close(None)).await;
    }
}
