//! Redaction of secrets in text the service sends back. An `InvalidSignatureException` echoes the
//! canonical request, which carries the caller's session token in `x-amz-security-token:`.

/// What a redacted secret reads as.
pub const REDACTED: &str = "<redacted>";

/// Replaces every occurrence of each secret (8 characters or longer, so short values cannot blank
/// out ordinary words), and any `x-amz-security-token:` header value, with `<redacted>`.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        out = crate::text::replace(&out, secret, REDACTED, usize::MAX);
    }
    let marker = "x-amz-security-token:";
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    // `split_at_checked`, not indexing: a slice that could panic links the panic's formatting.
    while let Some((head, value)) =
        crate::text::find(&rest.to_ascii_lowercase(), marker).and_then(|i| rest.split_at_checked(i + marker.len()))
    {
        result.push_str(head);
        let end = value.find(['\n', '\'', '"', '\\']).unwrap_or(value.len());
        let (secret, tail) = value.split_at_checked(end).unwrap_or((value, ""));
        if !secret.is_empty() {
            result.push_str(REDACTED);
        }
        rest = tail;
    }
    result.push_str(rest);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_echoed_canonical_request() {
        let m = "should have been\n'POST\n/\n\nhost:x\nx-amz-security-token:FwoGZXIvYXdzEXAMPLE\n\nhost'";
        let r = redact(m, &[]);
        assert!(!r.contains("FwoGZXIvYXdzEXAMPLE"));
        assert!(r.contains("x-amz-security-token:<redacted>\n"));
        assert_eq!(redact("token abcdefgh12 here", &["abcdefgh12"]), "token <redacted> here");
        assert_eq!(redact("short", &["sho"]), "short");
    }
}
