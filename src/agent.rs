//! Decisions of the EKS Pod Identity Agent that a sidecar replaying its contract must make the same
//! way: the error answer SDKs receive, and when cached credentials are served, renewed or dropped.

use crate::error::Error;

pub mod claims;
pub mod machine;
pub mod metrics;

/// Credentials with this little left are neither served nor cached (the agent's 15 s).
pub const MIN_REMAINING_MS: f64 = 15_000.0;
/// The agent's default `--max-credential-retention-before-renewal`: 3 hours.
pub const DEFAULT_MAX_RETENTION_MS: f64 = 3.0 * 3600.0 * 1000.0;
/// SDKs start renewing this long before expiry (botocore's advisory window); serving credentials
/// with less left than this would make them ask again at once.
pub const SDK_REFRESH_WINDOW_MS: f64 = 15.0 * 60.0 * 1000.0;
/// After a recoverable upstream error the agent keeps what it has and tries again in 1 minute (+ jitter).
pub const ERROR_RETRY_MS: f64 = 60_000.0;

/// The agent's HTTP answer for a failed exchange: status and text body.
pub fn error_response(error: &Error) -> (u16, String) {
    let status = match error {
        Error::Service(e) => e.status,
        Error::InvalidInput { field, .. } if field == "token" => 400,
        _ => 500,
    };
    (status, error_body(error.request_id(), error.code(), error.message(), error.fault()))
}

/// The agent's error body: `[<request-id>]: (<ErrorCode>): <message>, fault: client|server`.
pub fn error_body(request_id: Option<&str>, code: &str, message: &str, fault: crate::error::Fault) -> String {
    format!("[{}]: ({code}): {message}, fault: {}", request_id.unwrap_or(""), fault.as_str())
}

/// Where cached credentials stand at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Freshness {
    /// Serve them.
    Fresh,
    /// Serve them, and renew in the background.
    Renew,
    /// Do not serve: 15 s or less left. Fetch anew (and wait for it).
    Expired,
}

impl Freshness {
    /// `fresh`, `renew`, `expired`.
    pub fn as_str(self) -> &'static str {
        match self {
            Freshness::Fresh => "fresh",
            Freshness::Renew => "renew",
            Freshness::Expired => "expired",
        }
    }
}

/// When credentials fetched at `fetched_at_ms` that expire at `expiration_ms` should be renewed:
/// after `max_retention_ms` (3 h by default), and early enough that SDKs still get them with their
/// refresh window to spare — or at half-life for short-lived ones.
pub fn renew_at_ms(fetched_at_ms: f64, expiration_ms: f64, max_retention_ms: f64) -> f64 {
    let lifetime = (expiration_ms - fetched_at_ms).max(0.0);
    let by_window = (lifetime - SDK_REFRESH_WINDOW_MS).max(lifetime / 2.0);
    fetched_at_ms + by_window.min(max_retention_ms)
}

/// Freshness of cached credentials.
pub fn freshness(now_ms: f64, fetched_at_ms: f64, expiration_ms: f64, max_retention_ms: f64) -> Freshness {
    if expiration_ms - now_ms <= MIN_REMAINING_MS {
        Freshness::Expired
    } else if now_ms >= renew_at_ms(fetched_at_ms, expiration_ms, max_retention_ms) {
        Freshness::Renew
    } else {
        Freshness::Fresh
    }
}

/// Delay before trying again after a recoverable upstream error: 1 minute plus up to 10 % jitter,
/// so a fleet of sidecars does not retry in step. `random` in `[0, 1)` comes from the host.
pub fn error_retry_delay_ms(random: f64) -> f64 {
    let random = if random.is_finite() { random.clamp(0.0, 1.0) } else { 0.0 };
    ERROR_RETRY_MS * (1.0 + 0.1 * random)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Fault, ServiceError};

    const H: f64 = 3600.0 * 1000.0;

    #[test]
    fn error_bodies() {
        let e = Error::Service(ServiceError {
            code: "AccessDeniedException".into(),
            message: "no".into(),
            status: 400,
            request_id: Some("r-1".into()),
            retryable: false,
            irrecoverable: true,
            fault: Fault::Client,
        });
        assert_eq!(error_response(&e), (400, "[r-1]: (AccessDeniedException): no, fault: client".into()));
        let bad = Error::input("token", "must be a JWT");
        assert_eq!(error_response(&bad).0, 400);
    }

    #[test]
    fn renewal() {
        assert_eq!(renew_at_ms(0.0, 6.0 * H, DEFAULT_MAX_RETENTION_MS), 3.0 * H);
        assert_eq!(renew_at_ms(0.0, 59.0 * 60_000.0, DEFAULT_MAX_RETENTION_MS), 44.0 * 60_000.0);
        assert_eq!(renew_at_ms(0.0, 10.0 * 60_000.0, DEFAULT_MAX_RETENTION_MS), 5.0 * 60_000.0);
        assert_eq!(freshness(H, 0.0, 6.0 * H, DEFAULT_MAX_RETENTION_MS), Freshness::Fresh);
        assert_eq!(freshness(3.0 * H, 0.0, 6.0 * H, DEFAULT_MAX_RETENTION_MS), Freshness::Renew);
        assert_eq!(freshness(6.0 * H - 15_000.0, 0.0, 6.0 * H, DEFAULT_MAX_RETENTION_MS), Freshness::Expired);
        assert_eq!(freshness(6.0 * H - 15_001.0, 0.0, 6.0 * H, DEFAULT_MAX_RETENTION_MS), Freshness::Renew);
    }
}

/// Whether a request's `Host` header names an address this endpoint serves — the agent's defence
/// against DNS rebinding, where a page on another site gets a browser to call the endpoint through
/// a name that resolves to it. Accepted: a bound address with or without a port (IPv6 with or
/// without brackets); `localhost`, `127.0.0.1` and `::1` when bound to loopback; any IP
/// literal when bound to a wildcard address (rebinding needs a name, never an IP literal).
pub fn host_allowed(header: &str, bound: &[&str]) -> bool {
    let Some(host) = header_host(header) else {
        return false;
    };
    let (mut wildcard, mut loopback) = (false, false);
    for b in bound {
        let b = strip_brackets(b.trim());
        if b.eq_ignore_ascii_case(host) {
            return true;
        }
        wildcard |= b == "0.0.0.0" || b == "::";
        loopback |= crate::endpoint::is_loopback(b);
    }
    ((wildcard || loopback) && ["localhost", "127.0.0.1", "::1"].iter().any(|h| h.eq_ignore_ascii_case(host)))
        || (wildcard && is_ip_literal(host))
}

fn strip_brackets(host: &str) -> &str {
    host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host)
}

/// The host of a `Host` header, without port or brackets; `None` when malformed.
fn header_host(header: &str) -> Option<&str> {
    let h = header.trim();
    let (host, port) = if let Some(rest) = h.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        (inside, if after.is_empty() { "" } else { after.strip_prefix(':')? })
    } else {
        match h.split_once(':') {
            // One colon: `name:port`; more: a bare IPv6 literal.
            Some((name, port)) if !port.contains(':') => (name, port),
            _ => (h, ""),
        }
    };
    (!host.is_empty() && port.bytes().all(|b| b.is_ascii_digit())).then_some(host)
}

fn is_ip_literal(host: &str) -> bool {
    let v4 = crate::text::ipv4(host).is_some_and(|(_, leading_zero)| !leading_zero);
    v4 || (host.contains(':') && host.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.'))
}

#[cfg(test)]
mod host_tests {
    use super::host_allowed;

    #[test]
    fn dns_rebinding_defence() {
        let lo = ["127.0.0.1"];
        assert!(host_allowed("127.0.0.1", &lo));
        assert!(host_allowed("127.0.0.1:2706", &lo));
        assert!(host_allowed("localhost:2706", &lo));
        assert!(host_allowed("LOCALHOST", &lo));
        assert!(!host_allowed("evil.example", &lo));
        assert!(!host_allowed("evil.example:2706", &lo));
        assert!(!host_allowed("127.0.0.1:x", &lo));
        assert!(!host_allowed("", &lo));
        let agent = ["169.254.170.23", "fd00:ec2::23"];
        assert!(host_allowed("169.254.170.23", &agent));
        assert!(host_allowed("[fd00:ec2::23]:80", &agent));
        assert!(!host_allowed("localhost", &agent));
        assert!(host_allowed("127.0.0.1", &["localhost"]));
        let any = ["0.0.0.0"];
        assert!(host_allowed("10.1.2.3:2706", &any));
        assert!(host_allowed("localhost", &any));
        assert!(!host_allowed("rebind.example", &any));
        assert!(host_allowed("[::1]:2706", &["::1"]));
        assert!(host_allowed("[::1]:2706", &lo));
        assert!(!host_allowed("127.0.0.2", &lo));
        // Case, brackets and ports on either side; a bare IPv6 literal is a host, not host:port.
        assert!(host_allowed("FD00:EC2::23", &agent));
        assert!(host_allowed("Evil.Example", &[" EVIL.example "]));
        assert!(host_allowed("[::1]", &["[::1]"]));
        assert!(!host_allowed("[fd00:ec2::23]x", &agent));
        assert!(!host_allowed("[fd00:ec2::23", &agent));
        assert!(!host_allowed("[]:80", &agent));
    }
}
