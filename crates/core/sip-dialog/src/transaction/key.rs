//! Transaction matching (RFC 3261 § 17.1.3 for responses, § 17.2.3 for requests).

use super::TxMessage;

/// The key a transaction is found by: top Via branch, sent-by (server side only) and method.
///
/// ACK is keyed as INVITE so that it finds the INVITE server transaction; a CANCEL has its own
/// transaction, and [`TxKey::cancelled`] gives the key of the INVITE it cancels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TxKey {
    /// The Via branch (RFC 3261 magic cookie `z9hG4bK` checked by [`TxKey::server`]).
    pub branch: String,
    /// The top Via sent-by for server transactions; `None` for client transactions.
    pub sent_by: Option<String>,
    /// The method (INVITE for ACK).
    pub method: String,
}

const MAGIC_COOKIE: &str = "z9hG4bK";

impl TxKey {
    /// The server transaction a received request belongs to. `None` without an RFC 3261 branch
    /// (RFC 2543 matching is not supported).
    pub fn server<M: TxMessage>(request: &M) -> Option<TxKey> {
        let branch = request
            .branch()
            .filter(|b| b.len() > MAGIC_COOKIE.len() && b.starts_with(MAGIC_COOKIE))?;
        let method = request.method()?;
        let method = if method == "ACK" { "INVITE" } else { method };
        Some(TxKey {
            branch,
            sent_by: Some(request.sent_by()?),
            method: method.to_owned(),
        })
    }

    /// The client transaction a received response (or a sent request) belongs to.
    pub fn client<M: TxMessage>(message: &M) -> Option<TxKey> {
        let method = message.cseq_method()?;
        let method = if method == "ACK" {
            "INVITE".to_owned()
        } else {
            method
        };
        Some(TxKey {
            branch: message.branch()?,
            sent_by: None,
            method,
        })
    }

    /// For a CANCEL's key, the key of the INVITE transaction it targets (§ 9.2).
    pub fn cancelled(&self) -> Option<TxKey> {
        (self.method == "CANCEL").then(|| TxKey {
            method: "INVITE".to_owned(),
            ..self.clone()
        })
    }
}
