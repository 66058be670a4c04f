//! Settings of the media plane.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use crate::MediaError;

/// Settings of a [`crate::MediaServer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaConfig {
    /// Address the RTP/RTCP sockets bind to (and that SDP advertises).
    pub bind_ip: IpAddr,
    /// Lowest port of the RTP range (RTP takes even ports, RTCP the odd one above).
    pub port_min: u16,
    /// Highest port of the RTP range.
    pub port_max: u16,
    /// An endpoint that receives no RTP for this long is reported with
    /// [`crate::MediaEvent::Timeout`].
    pub media_timeout: Duration,
    /// Admission control: endpoints beyond this many are refused with
    /// [`MediaError::AtCapacity`], before the machine is overloaded.
    pub max_endpoints: usize,
    /// Admission control: a new call is refused with [`MediaError::Overloaded`] while the
    /// runtime's p99 lateness over the last 5 s (`lag` module) is above this; `None`: never.
    pub admission_lag: Option<Duration>,
}

impl Default for MediaConfig {
    /// All interfaces, ports 10000–20000, 30 s media timeout, 2000 endpoints (1000 calls), new
    /// calls refused while the p99 lateness is above 8 ms.
    fn default() -> Self {
        MediaConfig {
            bind_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port_min: 10_000,
            port_max: 20_000,
            media_timeout: Duration::from_secs(30),
            max_endpoints: 2000,
            admission_lag: Some(Duration::from_millis(8)),
        }
    }
}

impl MediaConfig {
    /// Checks that the range holds at least one even/odd port pair and the limits are usable.
    pub fn validate(&self) -> Result<(), MediaError> {
        let first = self.port_min.saturating_add(self.port_min % 2);
        if self.port_min == 0 || first >= self.port_max {
            return Err(MediaError::Config(format!(
                "port range {}-{} holds no RTP/RTCP pair",
                self.port_min, self.port_max
            )));
        }
        if self.max_endpoints == 0 {
            return Err(MediaError::Config("max_endpoints is 0".into()));
        }
        if self.media_timeout.is_zero() {
            return Err(MediaError::Config("media_timeout is 0".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_config_is_valid() {
        assert!(MediaConfig::default().validate().is_ok());
    }

    #[test]
    fn a_range_without_a_pair_is_refused() {
        let config = MediaConfig {
            port_min: 10_001,
            port_max: 10_002,
            ..MediaConfig::default()
        };
        assert!(matches!(config.validate(), Err(MediaError::Config(_))));
    }
}
