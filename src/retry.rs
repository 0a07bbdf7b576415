//! Retry and clock decisions of AWS standard retry mode, as pure functions: the host supplies the
//! random number and the clock, and does the waiting.

use crate::text::digits;
use crate::time;

/// Statuses standard retry mode sends again.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Throttling and transient error codes of standard retry mode (botocore `standard.py`).
const RETRYABLE_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// Whether an error answer is worth another attempt.
pub fn is_retryable(status: u16, code: &str) -> bool {
    is_retryable_status(status) || RETRYABLE_CODES.contains(&code)
}

/// Longest wait between attempts, as in every AWS SDK's standard mode.
pub const MAX_BACKOFF_MS: f64 = 20_000.0;

/// Delay before the next attempt after `attempt` attempts (1-based) failed: exponential backoff
/// with full jitter, `random * min(20 s, 2^(attempt-1) s)`. `random` is in `[0, 1)` from the host;
/// values outside are clamped.
pub fn backoff_delay_ms(attempt: u32, random: f64) -> f64 {
    let random = if random.is_finite() { random.clamp(0.0, 1.0) } else { 0.0 };
    let exp = attempt.saturating_sub(1).min(30);
    random * MAX_BACKOFF_MS.min(1000.0 * f64::from(1u32 << exp))
}

/// How far off a host's clock may be before requests are re-signed with a corrected time
/// (SigV4 allows 5 minutes; acting at 4 leaves room for the round trip).
pub const SKEW_THRESHOLD_MS: f64 = 240_000.0;

/// The offset (server time − `now_ms`, in milliseconds) to add to the host clock, when the
/// response shows the clock is off: a `Signature expired` error names the server's time, or the
/// `Date` header is more than 4 minutes from `now_ms`. `None` when the clock looks right.
pub fn clock_skew_ms(now_ms: f64, date_header: Option<&str>, error_code: Option<&str>, error_message: Option<&str>) -> Option<f64> {
    let from_message = match (error_code, error_message) {
        (Some("InvalidSignatureException"), Some(m)) if m.starts_with("Signature expired") => {
            server_time_from_expired(m)
        }
        _ => None,
    };
    let server_ms = from_message.or_else(|| date_header.and_then(parse_http_date).map(|s| s * 1000.0))?;
    let offset = server_ms - now_ms;
    let expired = from_message.is_some();
    (expired || offset.abs() > SKEW_THRESHOLD_MS).then_some(offset)
}

/// The server time in "Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z
/// (20240101T001000Z - 5 min.)": the stamp inside the parentheses, in epoch milliseconds.
fn server_time_from_expired(message: &str) -> Option<f64> {
    let (_, inner) = message.rsplit_once('(')?;
    let b = inner.split_whitespace().next()?.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |from: usize, to: usize| b.get(from..to).and_then(digits);
    let secs = time::epoch_from_fields(num(0, 4)?, num(4, 6)?, num(6, 8)?, num(9, 11)?, num(11, 13)?, num(13, 15)?)?;
    Some(secs as f64 * 1000.0)
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) → epoch seconds.
pub fn parse_http_date(value: &str) -> Option<f64> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let &[_, day, month, year, clock, "GMT"] = parts.as_slice() else { return None };
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| *m == month)? + 1;
    let clock = clock.as_bytes();
    if day.len() > 2 || year.len() != 4 || clock.len() != 8 || clock[2] != b':' || clock[5] != b':' {
        return None;
    }
    let num = |b: &[u8], from: usize, to: usize| b.get(from..to).and_then(digits);
    let secs = time::epoch_from_fields(
        digits(year.as_bytes())?,
        month as u32,
        digits(day.as_bytes())?,
        num(clock, 0, 2)?,
        num(clock, 3, 5)?,
        num(clock, 6, 8)?,
    )?;
    Some(secs as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff() {
        assert_eq!(backoff_delay_ms(1, 0.5), 500.0);
        assert_eq!(backoff_delay_ms(3, 1.0), 4000.0);
        assert_eq!(backoff_delay_ms(10, 1.0), 20_000.0);
        assert_eq!(backoff_delay_ms(u32::MAX, 2.0), 20_000.0);
        assert_eq!(backoff_delay_ms(2, f64::NAN), 0.0);
    }

    #[test]
    fn skew() {
        let now = 1_704_067_200_000.0; // 2024-01-01T00:00:00Z
        assert_eq!(clock_skew_ms(now, Some("Mon, 01 Jan 2024 00:01:00 GMT"), None, None), None);
        assert_eq!(clock_skew_ms(now, Some("Mon, 01 Jan 2024 00:10:00 GMT"), None, None), Some(600_000.0));
        let msg = "Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T001000Z - 5 min.)";
        assert_eq!(clock_skew_ms(now, None, Some("InvalidSignatureException"), Some(msg)), Some(600_000.0));
        assert_eq!(clock_skew_ms(now, Some("garbage"), None, None), None);
    }

    #[test]
    fn http_dates() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777.0));
        assert_eq!(parse_http_date("Thu, 29 Feb 2024 23:59:60 GMT"), Some(1_709_251_200.0));
        for bad in ["", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 30 Feb 1994 08:49:37 GMT", "Sun, 006 Nov 1994 08:49:37 GMT", "Sun, +6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37.5 GMT", "Sun, 06 Nov 1994 8:49:37 GMT"] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }
}
