//! Substring search and replacement without the standard library's two-way searcher: it and the
//! panic paths it brings (a char-boundary message with `Debug` of a char and Unicode tables) are
//! ~5 KB of wasm, for texts here that are a few hundred bytes long. Numbers in text (timestamps,
//! ports, IPv4 addresses) are read here too, without `str::parse`, which also takes a sign.

/// The byte offset of the first `needle` in `haystack`.
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.as_bytes().windows(needle.len()).position(|w| w == needle.as_bytes())
}

/// `text` with the first `limit` occurrences of `from` (not empty) replaced by `to`.
pub fn replace(text: &str, from: &str, to: &str, limit: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    for _ in 0..limit {
        let Some((before, after)) = find(rest, from).and_then(|i| rest.split_at_checked(i)) else { break };
        let Some(after) = after.get(from.len()..).filter(|_| !from.is_empty()) else { break };
        out.push_str(before);
        out.push_str(to);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The value of a run of ASCII digits (1 to 9 of them), `None` for anything else.
pub fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    b.iter().try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
}

/// The four numbers of a dotted-quad IPv4 address (each 1 to 3 digits, at most 255), and whether
/// any is written with a leading zero.
pub fn ipv4(host: &str) -> Option<([u32; 4], bool)> {
    let mut octets = [0; 4];
    let mut leading_zero = false;
    let mut parts = host.split('.');
    for octet in &mut octets {
        let part = parts.next()?.as_bytes();
        *octet = digits(part).filter(|&n| part.len() <= 3 && n <= 255)?;
        leading_zero |= part.len() > 1 && part.first() == Some(&b'0');
    }
    parts.next().is_none().then_some((octets, leading_zero))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_replaces_as_std() {
        for (text, from) in [("", "ab"), ("ab", "ab"), ("xabyabz", "ab"), ("aaa", "aa"), ("ééxé", "é"), ("abc", "abcd"), ("a  b", "  ")] {
            assert_eq!(find(text, from), text.find(from), "{text:?} {from:?}");
            assert_eq!(replace(text, from, "<r>", usize::MAX), text.replace(from, "<r>"), "{text:?} {from:?}");
            assert_eq!(replace(text, from, "<r>", 1), text.replacen(from, "<r>", 1), "{text:?} {from:?}");
        }
        assert_eq!(find("abc", ""), Some(0));
        assert_eq!(replace("abc", "", "x", usize::MAX), "abc");
    }

    #[test]
    fn reads_numbers_as_std_reads_unsigned_digits() {
        for text in ["0", "7", "0042", "255", "999999999", "", "+1", "-1", "1a", " 1", "1234567890"] {
            let std = text.bytes().all(|b| b.is_ascii_digit()).then(|| text.parse::<u32>().ok()).flatten().filter(|_| text.len() <= 9);
            assert_eq!(digits(text.as_bytes()), std, "{text:?}");
        }
        assert_eq!(ipv4("127.0.0.1"), Some(([127, 0, 0, 1], false)));
        assert_eq!(ipv4("127.000.0.01"), Some(([127, 0, 0, 1], true)));
        for bad in ["", "1.2.3", "1.2.3.4.5", "1.2.3.256", "1.2.3.", "1..3.4", "1.2.3.+4", "1.2.3.0004", "a.b.c.d", "::1"] {
            assert_eq!(ipv4(bad), None, "{bad:?}");
        }
    }
}
