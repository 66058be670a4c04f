//! Why a leg failed or ended: SIP status codes relayed across the B2BUA and mapped to
//! ITU-T Q.850 causes (RFC 3398 § 7.2.4.1 and § 8.2.6.1) for CDRs and Reason headers.

use sb_sip::StatusCode;

/// The status the calling leg gets when the called leg fails with `status`.
///
/// Challenges the carrier kept repeating mean our trunk credentials are wrong: that is our
/// fault (503), not the caller's. Redirections are not followed: 480.
pub fn relayed_status(status: StatusCode) -> StatusCode {
    match status.as_u16() {
        300..=399 => StatusCode::TEMPORARILY_UNAVAILABLE,
        401 | 407 => StatusCode::SERVICE_UNAVAILABLE,
        400..=699 => status,
        _ => StatusCode::SERVER_INTERNAL_ERROR,
    }
}

/// The Q.850 cause of a final SIP status (RFC 3398 § 8.2.6.1, 2xx as normal clearing).
pub fn q850_of_status(status: u16) -> u8 {
    match status {
        200..=299 => 16,
        400 | 405 | 406 | 414 | 415 | 420 | 421 | 423 | 488 | 606 => 127,
        401 | 402 | 403 | 407 | 603 => 21,
        404 | 485 | 604 => 1,
        408 | 504 => 102,
        410 => 22,
        413 | 500 | 501 | 505 => 127,
        480 => 18,
        484 => 28,
        486 | 600 => 17,
        487 => 16,
        502 => 38,
        503 => 41,
        _ => 31,
    }
}

/// How a call ended, for events and CDRs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndCause {
    /// Short name (`caller_hangup`, `callee_hangup`, `cancelled`, `failed`, `media_timeout`…).
    pub reason: &'static str,
    /// The SIP status that ended the call or its setup (200 once answered).
    pub sip_status: u16,
    /// The Q.850 cause.
    pub q850: u8,
}

impl EndCause {
    /// A cause from a status.
    pub fn new(reason: &'static str, sip_status: u16) -> Self {
        EndCause {
            reason,
            sip_status,
            q850: q850_of_status(sip_status),
        }
    }

    /// The `Reason` header value for a BYE or CANCEL that this cause makes us send.
    pub fn reason_header(&self) -> String {
        format!("Q.850;cause={}", self.q850)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_and_unknown_numbers_reach_the_caller_as_the_carrier_said() {
        assert_eq!(relayed_status(StatusCode::BUSY_HERE), StatusCode::BUSY_HERE);
        assert_eq!(relayed_status(StatusCode::NOT_FOUND), StatusCode::NOT_FOUND);
    }

    #[test]
    fn a_carrier_that_keeps_challenging_is_our_failure_not_the_callers() {
        assert_eq!(
            relayed_status(StatusCode::PROXY_AUTHENTICATION_REQUIRED),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            relayed_status(StatusCode::UNAUTHORIZED),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn q850_causes_follow_rfc_3398() {
        assert_eq!(q850_of_status(486), 17);
        assert_eq!(q850_of_status(404), 1);
        assert_eq!(q850_of_status(480), 18);
        assert_eq!(q850_of_status(503), 41);
        assert_eq!(q850_of_status(200), 16);
        assert_eq!(EndCause::new("x", 486).reason_header(), "Q.850;cause=17");
    }
}
