//! Substring search and replacement without the standard library's two-way searcher: it and the
//! panic paths it brings (a char-boundary message with `Debug` of a char and Unicode tables) are
//! ~5 KB of wasm, for texts here that are a few hundred bytes long.

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
}
