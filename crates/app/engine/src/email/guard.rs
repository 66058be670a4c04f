//! Tenants' mail servers (mailboxes and SMTP relays) must be on public addresses, or in the
//! networks the node's operator allows (`email.server_allow`): a tenant admin cannot make the
//! node connect to its own internal services. Checked before every connection, for every
//! address the name resolves to.

use super::{EmailDeps, EmailDeskError};

/// Whether `(host, port)` may be connected to: a name that does not resolve is an IO error
/// (retried), an internal address a settings error.
pub(super) async fn reachable(
    deps: &EmailDeps,
    (host, port): (&str, u16),
) -> Result<(), EmailDeskError> {
    let found = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("{host}: {e}")))?;
    for addr in found {
        if !deps.servers.permits(addr.ip()) {
            return Err(EmailDeskError::Settings(format!(
                "{host} ({}) is an internal address; mail servers may be on it only when \
                 email.server_allow lists its network",
                addr.ip()
            )));
        }
    }
    Ok(())
}
