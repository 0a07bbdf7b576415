//! Calendar arithmetic for the few timestamp formats the protocol uses. The core never reads a
//! clock: every instant here comes from the caller.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from(if m > 2 { m - 3 } else { m + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whole seconds since the epoch → (y, m, d, hh, mm, ss).
fn fields(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400) as u32;
    (y, mo, d, s / 3600, s / 60 % 60, s % 60)
}

/// Latest instant accepted from a caller: 9999-12-31T23:59:59Z.
pub const MAX_EPOCH_SECONDS: i64 = 253_402_300_799;

/// `SystemTime` for epoch milliseconds; `None` when negative, not finite or past year 9999.
pub fn from_epoch_millis(millis: f64) -> Option<SystemTime> {
    if !millis.is_finite() || millis < 0.0 || millis > MAX_EPOCH_SECONDS as f64 * 1000.0 {
        return None;
    }
    Some(UNIX_EPOCH + Duration::from_micros((millis * 1000.0).floor() as u64))
}

/// Whole epoch seconds of a `SystemTime` (sub-seconds truncated, as SigV4 does).
pub fn epoch_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Date and time fields with separators: `[y, mo, d, h, mi, s]` each followed by `seps[i]`.
/// Written by hand rather than with `format!`: this runs on every signed request.
fn push_fields(out: &mut String, secs: i64, seps: [&str; 6]) {
    let (y, mo, d, h, mi, s) = fields(secs);
    if y < 0 {
        out.push('-');
    }
    let values = [y.unsigned_abs(), u64::from(mo), u64::from(d), u64::from(h), u64::from(mi), u64::from(s)];
    for (i, (value, sep)) in values.into_iter().zip(seps).enumerate() {
        write_padded(out, value, if i == 0 { 4 } else { 2 });
        out.push_str(sep);
    }
}

/// Appends an unsigned integer in decimal, zero-padded to at least `width` digits, without
/// allocating: dates and times are written on every signed request.
fn write_padded(out: &mut String, mut n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[i.min(buf.len().saturating_sub(width))..] {
        out.push(char::from(d));
    }
}

/// Appends `.` and a fraction of `scale_digits` decimal digits, trailing zeros dropped
/// (`frac` 120000 at 6 digits → `.12`); nothing when `frac` is 0.
fn write_fraction(out: &mut String, frac: u64, scale_digits: usize) {
    if frac == 0 {
        return;
    }
    out.push('.');
    write_padded(out, frac, scale_digits);
    while out.ends_with('0') {
        out.pop();
    }
}

/// `X-Amz-Date` form, `20150830T123600Z`; sub-seconds truncated.
pub fn amz_date(time: SystemTime) -> String {
    let mut out = String::with_capacity(16);
    push_fields(&mut out, epoch_seconds(time), ["", "", "T", "", "", "Z"]);
    out
}

/// RFC 3339 UTC with the fraction only when non-zero (`2023-07-13T20:49:35Z`,
/// `2025-11-28T15:00:00.123Z`), as the EKS Pod Identity Agent writes `Expiration`.
/// Precision is the microsecond, as botocore keeps it; trailing zeros are dropped.
pub fn rfc3339(epoch_seconds: f64) -> String {
    let (secs, micros) = split_micros(epoch_seconds);
    let mut out = String::with_capacity(28);
    push_fields(&mut out, secs, ["-", "-", "T", ":", ":", ""]);
    write_fraction(&mut out, u64::from(micros), 6);
    out.push('Z');
    out
}

/// Seconds → (whole seconds, microseconds), rounded to the nearest microsecond so that
/// `1764342000.123` reads as `.123` and not `.122999`.
fn split_micros(epoch_seconds: f64) -> (i64, u32) {
    let total = (epoch_seconds * 1e6).round() as i64;
    (total.div_euclid(1_000_000), total.rem_euclid(1_000_000) as u32)
}

/// Epoch seconds of a UTC calendar date and time, `None` when a field is out of range (a leap
/// second, `60`, is taken). Every timestamp format read here ends in this.
pub(crate) fn epoch_from_fields(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(i64::from(year), month) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days_from_civil(i64::from(year), month, day) * 86_400 + i64::from(hour * 3600 + minute * 60 + second))
}

/// Parses an ISO 8601 / RFC 3339 date-time (`2025-11-28T15:00:00Z`, `...T15:00:00.5+01:00`,
/// a space instead of `T`, `z`, or no zone meaning UTC) into epoch seconds.
pub fn parse_iso8601(s: &str) -> Option<f64> {
    let b = s.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| b.get(r).and_then(crate::text::digits);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let secs = epoch_from_fields(num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?)?;
    let mut i = 19;
    let mut fraction = 0.0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        fraction = std::str::from_utf8(&b[start - 1..i]).ok()?.parse().ok()?;
    }
    let offset = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            let o = i64::from(oh * 3600 + om * 60);
            if *sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    Some((secs - offset) as f64 + fraction)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let t = from_epoch_millis(1_764_341_090_999.0).unwrap();
        assert_eq!(amz_date(t), "20251128T144450Z");
        assert_eq!(rfc3339(1_764_342_000.0), "2025-11-28T15:00:00Z");
        assert_eq!(rfc3339(1_764_342_000.123), "2025-11-28T15:00:00.123Z");
        assert_eq!(rfc3339(4_102_444_799.0), "2099-12-31T23:59:59Z");
        assert_eq!(amz_date(from_epoch_millis(951_782_400_000.0).unwrap()), "20000229T000000Z");
    }

    #[test]
    fn parses() {
        assert_eq!(parse_iso8601("2025-11-28T15:00:00Z"), Some(1_764_342_000.0));
        assert_eq!(parse_iso8601("2025-11-28T16:00:00+01:00"), Some(1_764_342_000.0));
        assert_eq!(parse_iso8601("2025-11-28 15:00:00.5"), Some(1_764_342_000.5));
        for bad in ["", "2025-11-28", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z", "2025-11-28T15:00:00Q", "2025-11-28T15:00:00.Z"] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }

    #[test]
    fn bounds() {
        assert!(from_epoch_millis(-1.0).is_none());
        assert!(from_epoch_millis(f64::NAN).is_none());
        assert!(from_epoch_millis(1e300).is_none());
        assert!(from_epoch_millis(0.0).is_some());
    }
}
