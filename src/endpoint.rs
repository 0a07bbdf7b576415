//! Endpoint resolution: the `eks-auth` endpoint rule set, without a rules engine.
//!
//! Three rules, in order: a custom endpoint wins (FIPS with it is an error); a region picks a
//! partition by pattern and its dual-stack suffix; no region is an error.

use crate::error::Error;
use crate::validate;

/// What decides the endpoint.
#[derive(Debug, Clone, Default)]
pub struct EndpointParams<'a> {
    /// AWS region, e.g. `us-west-2`. Needed unless `endpoint` is given.
    pub region: Option<&'a str>,
    /// Use the FIPS endpoint (`eks-auth-fips.<region>.<suffix>`).
    pub use_fips: bool,
    /// Custom endpoint URL (`https://...`, or `http://` on loopback); a path prefix is kept.
    pub endpoint: Option<&'a str>,
}

/// A resolved endpoint: the URL the operation path is appended to, split for signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https` or `http`.
    pub scheme: String,
    /// Host with a non-default port, as the `Host` header carries it.
    pub authority: String,
    /// Path prefix without a trailing slash (`""` or `/base`).
    pub path_prefix: String,
}

impl Endpoint {
    /// The endpoint as a URL string (no trailing slash).
    pub fn url(&self) -> String {
        [self.scheme.as_str(), "://", &self.authority, &self.path_prefix].concat()
    }
}

/// AWS partitions: name, region pattern (prefix labels, then `\w+-\d+`), DNS suffix.
/// Order follows `partitions.json`; an unmatched region falls to `aws`.
const PARTITIONS: &[(&str, &[&[&str]], &str)] = &[
    (
        "aws",
        &[&["us"], &["eu"], &["ap"], &["sa"], &["ca"], &["me"], &["af"], &["il"], &["mx"]],
        "api.aws",
    ),
    ("aws-cn", &[&["cn"]], "api.amazonwebservices.com.cn"),
    ("aws-us-gov", &[&["us", "gov"]], "api.aws"),
    ("aws-iso", &[&["us", "iso"]], "api.aws.ic.gov"),
    ("aws-iso-b", &[&["us", "isob"]], "api.aws.scloud"),
    ("aws-iso-e", &[&["eu", "isoe"]], "api.cloud-aws.adc-e.uk"),
    ("aws-iso-f", &[&["us", "isof"]], "api.aws.hci.ic.gov"),
    ("aws-eusc", &[&["eusc", "de"]], "api.amazonwebservices.eu"),
];

/// The partition a region belongs to (`aws`, `aws-cn`, ...), by the partitions' region patterns.
pub fn partition_of(region: &str) -> &'static str {
    partition(region).0
}

fn partition(region: &str) -> (&'static str, &'static str) {
    let labels: Vec<&str> = region.split('-').collect();
    for (name, prefixes, suffix) in PARTITIONS {
        for prefix in prefixes.iter() {
            if matches_partition(&labels, prefix) {
                return (name, suffix);
            }
        }
    }
    (PARTITIONS[0].0, PARTITIONS[0].2)
}

/// `^prefix(-prefix)*-\w+-\d+$` over the `-`-separated labels (`\w` has no `-`, so splitting is exact).
fn matches_partition(labels: &[&str], prefix: &[&str]) -> bool {
    let n = prefix.len();
    labels.len() == n + 2
        && labels[..n] == *prefix
        && !labels[n].is_empty()
        && labels[n].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !labels[n + 1].is_empty()
        && labels[n + 1].bytes().all(|b| b.is_ascii_digit())
}

/// Resolves the endpoint by the rule set.
///
/// # Errors
/// `InvalidConfiguration` for FIPS with a custom endpoint or no region and no endpoint;
/// `InvalidInput` on `region` (not a host label) or `endpoint` (not an absolute https URL, or http
/// off loopback, or with a query or fragment).
pub fn resolve_endpoint(params: &EndpointParams<'_>) -> Result<Endpoint, Error> {
    if let Some(region) = params.region {
        validate::region(region)?;
    }
    if let Some(endpoint) = params.endpoint {
        if params.use_fips {
            return Err(Error::configuration(
                "Invalid Configuration: FIPS and custom endpoint are not supported",
            ));
        }
        return parse_custom(endpoint);
    }
    let Some(region) = params.region else {
        return Err(Error::configuration("Invalid Configuration: Missing Region"));
    };
    let (_, suffix) = partition(region);
    let service = if params.use_fips { "eks-auth-fips" } else { "eks-auth" };
    Ok(Endpoint {
        scheme: "https".into(),
        authority: [service, ".", region, ".", suffix].concat(),
        path_prefix: String::new(),
    })
}

/// Out of line and cold: most requests name a region, and V8 compiles a function's whole body on
/// its first call, so a custom endpoint's parsing inlined here would be compiled on every cold start.
#[cold]
#[inline(never)]
fn parse_custom(endpoint: &str) -> Result<Endpoint, Error> {
    let bad = |why: &str| Error::input("endpoint", why.to_string());
    let (scheme, rest) = crate::text::find(endpoint, "://")
        .and_then(|i| Some((endpoint.get(..i)?, endpoint.get(i + 3..)?)))
        .ok_or_else(|| bad("must be an absolute URL such as https://host[:port][/path]"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(bad("scheme must be https (or http on loopback)"));
    }
    if rest.contains(['?', '#']) {
        return Err(bad("must not have a query or fragment"));
    }
    if rest.bytes().any(|b| !(0x21..0x7f).contains(&b)) {
        return Err(bad("must be ASCII without spaces or control characters (percent-encode the rest)"));
    }
    let (authority, path) = rest.split_at_checked(rest.find('/').unwrap_or(rest.len())).unwrap_or((rest, ""));
    if authority.contains('@') {
        return Err(bad("must not carry user information"));
    }
    if !is_rfc3986_path(path) {
        // fetch (WHATWG URL) would rewrite such a path (`\` to `/`, `"<>{}` and backtick
        // percent-encoded) after it was signed, and the service would see another path.
        return Err(bad("path may hold only RFC 3986 path characters and %XX escapes (percent-encode the rest)"));
    }
    let (host, port) = split_host_port(authority).ok_or_else(|| bad("has no valid host"))?;
    if let Some(port) = port {
        if !crate::text::digits(port.as_bytes()).is_some_and(|p| port.len() <= 5 && (1..=65535).contains(&p)) {
            return Err(bad("port must be a number from 1 to 65535"));
        }
    }
    if scheme == "http" && !is_loopback(host) {
        return Err(bad("http is allowed only for loopback hosts (127.0.0.0/8, localhost, [::1]); use https"));
    }
    let default_port = if scheme == "https" { "443" } else { "80" };
    let authority = match port {
        Some(p) if p != default_port => format!("{}:{p}", host.to_ascii_lowercase()),
        _ => host.to_ascii_lowercase(),
    };
    Ok(Endpoint {
        scheme,
        authority,
        path_prefix: path.trim_end_matches('/').to_string(),
    })
}

/// Whether `path` is made of RFC 3986 path characters (unreserved, sub-delims, `:`, `@`, `/`) and
/// well-formed `%XX` escapes: what every URL parser sends as written.
fn is_rfc3986_path(path: &str) -> bool {
    let b = path.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if !(i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                    return false;
                }
                i += 3;
                continue;
            }
            c if c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&c) => {}
            _ => return false,
        }
        i += 1;
    }
    true
}

/// Host and optional port of `host[:port]` or `[v6][:port]`; `None` when the host is empty or invalid.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let host = authority.get(..inside.len() + 2)?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return None,
        };
        if !inside.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
            return None;
        }
        (host, port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let valid = !host.is_empty()
        && (host.starts_with('[')
            || host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_'));
    valid.then_some((host, port))
}

/// Loopback as the SDKs' container-credentials rules name it: 127.0.0.0/8, `localhost`, `[::1]`.
pub fn is_loopback(host: &str) -> bool {
    ["localhost", "[::1]", "::1"].iter().any(|h| h.eq_ignore_ascii_case(host))
        || crate::text::ipv4(host).is_some_and(|(octets, _)| octets[0] == 127)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(region: &str, fips: bool) -> String {
        resolve_endpoint(&EndpointParams { region: Some(region), use_fips: fips, endpoint: None })
            .unwrap()
            .url()
    }

    #[test]
    fn every_partition() {
        assert_eq!(url("us-east-1", false), "https://eks-auth.us-east-1.api.aws");
        assert_eq!(url("cn-north-1", false), "https://eks-auth.cn-north-1.api.amazonwebservices.com.cn");
        assert_eq!(url("us-gov-west-1", true), "https://eks-auth-fips.us-gov-west-1.api.aws");
        assert_eq!(url("us-iso-east-1", false), "https://eks-auth.us-iso-east-1.api.aws.ic.gov");
        assert_eq!(url("us-isob-east-1", false), "https://eks-auth.us-isob-east-1.api.aws.scloud");
        assert_eq!(url("eu-isoe-west-1", false), "https://eks-auth.eu-isoe-west-1.api.cloud-aws.adc-e.uk");
        assert_eq!(url("us-isof-south-1", false), "https://eks-auth.us-isof-south-1.api.aws.hci.ic.gov");
        assert_eq!(url("eusc-de-east-1", false), "https://eks-auth.eusc-de-east-1.api.amazonwebservices.eu");
        assert_eq!(partition_of("eusc-fr-east-1"), "aws", "only eusc-de-* is aws-eusc");
        assert_eq!(url("xx-unknown-1", false), "https://eks-auth.xx-unknown-1.api.aws");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
    }

    #[test]
    fn configuration_errors() {
        let err = resolve_endpoint(&EndpointParams::default()).unwrap_err();
        assert_eq!(err.message(), "Invalid Configuration: Missing Region");
        let err = resolve_endpoint(&EndpointParams {
            region: Some("us-east-1"),
            use_fips: true,
            endpoint: Some("https://example.com"),
        })
        .unwrap_err();
        assert_eq!(err.code(), "InvalidConfiguration");
        assert_eq!(err.message(), "Invalid Configuration: FIPS and custom endpoint are not supported");
    }

    #[test]
    fn custom_endpoints() {
        let e = |s| resolve_endpoint(&EndpointParams { region: None, use_fips: false, endpoint: Some(s) });
        assert_eq!(e("https://proxy.example.com/base/").unwrap().url(), "https://proxy.example.com/base");
        assert_eq!(e("http://127.0.0.1:8080").unwrap().authority, "127.0.0.1:8080");
        assert_eq!(e("http://localhost:80/x").unwrap().url(), "http://localhost/x");
        assert_eq!(e("http://[::1]:9000").unwrap().authority, "[::1]:9000");
        for bad in ["http://example.com", "ftp://x", "example.com", "https://", "https://a:0", "https://a:x", "https://a/b?c", "https://u@a", "https://a b"] {
            assert_eq!(e(bad).unwrap_err().field(), Some("endpoint"), "{bad}");
        }
    }

    /// Paths fetch would rewrite after signing are refused; escapes and sub-delims pass as written.
    #[test]
    fn custom_endpoint_paths_are_sent_as_signed() {
        let e = |s| resolve_endpoint(&EndpointParams { region: None, use_fips: false, endpoint: Some(s) });
        assert_eq!(e("https://a.example/x%2Fy/p;v=1/~u@h:1").unwrap().url(), "https://a.example/x%2Fy/p;v=1/~u@h:1");
        for bad in ["https://a/b\\c", "https://a/b\"c", "https://a/<b>", "https://a/{b}", "https://a/b`c", "https://a/b%zz", "https://a/b%2", "https://a/b|c"] {
            assert_eq!(e(bad).unwrap_err().field(), Some("endpoint"), "{bad}");
        }
    }
}
