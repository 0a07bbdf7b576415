//! Input rules from the `eks-auth` service model, checked before anything is signed.
//!
//! The AWS clients send values that break these patterns and let the service refuse them; we refuse
//! them first, with the field named, so a pod's misconfiguration is found without a round trip.

use crate::error::Error;

/// `region`: any DNS host label, as botocore accepts (`[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?`).
pub fn region(region: &str) -> Result<(), Error> {
    let b = region.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-';
    if ok {
        Ok(())
    } else {
        Err(Error::input(
            "region",
            "must be a DNS host label: 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen",
        ))
    }
}

/// `clusterName`: 1 to 100 characters matching `[0-9A-Za-z][A-Za-z0-9\-_]*` as a whole.
pub fn cluster_name(name: &str) -> Result<(), Error> {
    let count = if name.len() <= 100 { name.len() } else { name.chars().count() };
    if count == 0 || count > 100 {
        return Err(Error::input(
            "clusterName",
            format!("must be 1 to 100 characters long (got {count})"),
        ));
    }
    let b = name.as_bytes();
    let ok = b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::input(
            "clusterName",
            "must match [0-9A-Za-z][A-Za-z0-9\\-_]*: start with a letter or digit, then letters, digits, '-' or '_'",
        ))
    }
}

/// `token`: three non-empty dot-separated parts of `[A-Za-z0-9-_=]` (a compact JWS), as a whole.
/// The message never quotes the token: it is a credential.
pub fn token(token: &str) -> Result<(), Error> {
    if token.is_empty() {
        return Err(Error::input("token", "is required and must not be empty"));
    }
    // One pass without branches, which the compiler turns into SIMD: this runs for every request
    // signed. Then the first and last dot by search, near the ends.
    let (base64url, dots) = token.bytes().fold((true, 0usize), |(ok, dots), b| {
        (ok & (b.is_ascii_alphanumeric() | matches!(b, b'-' | b'_' | b'=' | b'.')), dots + usize::from(b == b'.'))
    });
    let parts = dots + 1;
    let (first, last) = (token.find('.').unwrap_or(0), token.rfind('.').unwrap_or(0));
    // Three non-empty parts: two dots, neither at an end, not side by side.
    if base64url && parts == 3 && first > 0 && last > first + 1 && last + 1 < token.len() {
        Ok(())
    } else {
        Err(Error::input(
            "token",
            format!(
                "must be a service-account token: three non-empty base64url parts joined by '.' (got {parts} part(s), {} characters; whitespace or quotes around the token are a common cause)",
                token.chars().count()
            ),
        ))
    }
}

/// A signing time: 1970 to 9999 (SigV4's date cannot be written past 9999; the wasm boundary
/// refuses such times already, Rust callers reach here).
pub fn signing_time(field: &str, time: std::time::SystemTime) -> Result<(), Error> {
    if crate::time::epoch_seconds(time) > crate::time::MAX_EPOCH_SECONDS {
        return Err(Error::input(field, "must be a valid time between 1970 and 9999"));
    }
    Ok(())
}

/// An optional body member (`eksNodeName`, `instanceId`, `zone`): non-empty when given.
pub fn optional_member(field: &str, value: Option<&str>) -> Result<(), Error> {
    match value {
        Some("") => Err(Error::input(field, "must not be empty when given (omit it instead)")),
        _ => Ok(()),
    }
}

/// A credential part that travels in a header: non-empty visible ASCII without spaces.
pub fn header_credential(field: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::input(field, "must not be empty"));
    }
    if !visible_ascii(value) {
        return Err(Error::input(field, "must be visible ASCII without spaces or line breaks"));
    }
    Ok(())
}

/// Whether `value` is all visible ASCII (`!` to `~`). Without an early exit the pass has no
/// branches and turns into SIMD: a session token is ~1 KB, and it is checked here and again as a
/// header value on every request signed. One copy of the loop serves both.
#[inline(never)]
pub(crate) fn visible_ascii(value: &str) -> bool {
    value.bytes().fold(true, |ok, b| ok & b.is_ascii_graphic())
}

/// The secret access key: non-empty; it never leaves the signer, so any text is accepted.
pub fn secret(field: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::input(field, "must not be empty"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_names() {
        assert!(cluster_name("a").is_ok());
        assert!(cluster_name(&"a".repeat(100)).is_ok());
        assert!(cluster_name("My_cluster-1").is_ok());
        for bad in ["", "-a", "_a", "a.b", "a b", "café", "a:b"] {
            assert_eq!(cluster_name(bad).unwrap_err().field(), Some("clusterName"), "{bad}");
        }
        assert!(cluster_name(&"a".repeat(101)).is_err());
    }

    #[test]
    fn tokens() {
        assert!(token("a.b.c").is_ok());
        assert!(token("eyJ-_=.x.y=").is_ok());
        for bad in ["", "a.b", "a.b.c.d", "a..c", " a.b.c", "a.b.c\n", "a.b.c+", "a/b.c.d"] {
            let e = token(bad).unwrap_err();
            assert_eq!(e.field(), Some("token"));
            assert!(bad.is_empty() || !e.message().contains(bad.trim()), "message must not echo the token");
        }
    }

    #[test]
    fn regions() {
        assert!(region("us-east-1").is_ok());
        for bad in ["", "-us", "us-", "us_east", "us.east", &"a".repeat(64)] {
            assert!(region(bad).is_err(), "{bad}");
        }
    }
}
