//! SigV4 for any HTTP request, with the caller's clock.
//!
//! `aws-sigv4` is the signer of record. Its HTTP signer keeps the canonical request private, and
//! the console and `--debug` must show that request and every stage after it; it would also add
//! ~56 KB gzip to the wasm and ~80% to a signature's time. So the canonical request and the
//! string to sign are built here, only to show them, and the signing key and signature come from
//! `aws-sigv4`'s `sign::v4` primitives. The tests hold every signature to `aws-sigv4`'s full HTTP
//! signer (`tests/support/reference_signer.rs`): on every request vector, on the AWS SigV4 suite
//! and in the property tests.
//!
//! Only what an `AssumeRoleForPodIdentity` request needs is built by default: a path normalized
//! and encoded twice, no query (custom endpoints refuse `?`), no payload-hash header, the session
//! token signed. The rest of SigV4, which only the suite reaches (a query, its settings), is
//! behind the cargo feature `sigv4-suite`, which `tests/sigv4_suite.rs` requires and `npm test`
//! turns on.

use crate::error::Error;
use crate::time;
use crate::validate;
use aws_sigv4::sign::v4;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::time::SystemTime;

/// The caller's AWS credentials: the node's or the CLI user's, never the pod's.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// Access key id (`AKIA...`, `ASIA...`).
    pub access_key_id: String,
    /// Secret access key; never printed.
    pub secret_access_key: String,
    /// Session token of temporary credentials; sent as `x-amz-security-token`, never printed.
    /// Empty reads as absent: it is how unset environment variables often arrive.
    #[serde(default, deserialize_with = "crate::shape::non_empty")]
    pub session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field("session_token", &self.session_token.as_ref().map(|_| "** redacted **"))
            .finish()
    }
}

impl Credentials {
    /// Checks the credentials, naming `credentials.<member>` on failure.
    ///
    /// # Errors
    /// `InvalidInput` when the key id or secret is empty, or a header-borne part is not visible ASCII.
    pub fn validate(&self) -> Result<(), Error> {
        validate::header_credential("credentials.accessKeyId", &self.access_key_id)?;
        validate::secret("credentials.secretAccessKey", &self.secret_access_key)?;
        if let Some(token) = &self.session_token {
            validate::header_credential("credentials.sessionToken", token)?;
        }
        Ok(())
    }
}

/// How to sign: who, where, when (and, with the feature `sigv4-suite`, the SigV4 variations
/// services differ in).
#[derive(Debug, Clone)]
pub struct SigningParams<'a> {
    /// Who signs.
    pub credentials: &'a Credentials,
    /// Region in the credential scope.
    pub region: &'a str,
    /// Signing name in the credential scope (`eks-auth`).
    pub service: &'a str,
    /// Signing time, from the caller; sub-seconds are truncated.
    pub time: SystemTime,
    /// The SigV4 variations; EKS Auth's are the defaults.
    #[cfg(feature = "sigv4-suite")]
    pub settings: SigningSettings,
}

/// The SigV4 variations services differ in. Each default is what every non-S3 service, and
/// botocore for `eks-auth`, uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SigningSettings {
    /// How the path enters the canonical request.
    pub path: PathEncoding,
    /// Whether `x-amz-content-sha256` is added and signed.
    pub payload_hash: PayloadHash,
    /// Where `x-amz-security-token` goes.
    pub session_token: SessionTokenPlacement,
}

/// How the (already encoded) path enters the canonical request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PathEncoding {
    /// `.`, `..` and empty segments removed, then percent-encoded again: every service but S3.
    #[default]
    NormalizedEncodedTwice,
    /// Normalized, encoded as it stands (the SigV4 suite's cases).
    Normalized,
    /// As it stands (S3).
    AsGiven,
}

/// Whether the payload's hash travels as `x-amz-content-sha256`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PayloadHash {
    /// Not sent: it is only the canonical request's last line.
    #[default]
    NoHeader,
    /// Added and signed.
    Header,
}

/// Where the session token goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionTokenPlacement {
    /// Into the canonical request, signed.
    #[default]
    Signed,
    /// Added after signing, unsigned (some services' older rule).
    AddedAfter,
}

impl<'a> SigningParams<'a> {
    /// Settings every non-S3 AWS service uses, and botocore for `eks-auth`.
    pub fn new(credentials: &'a Credentials, region: &'a str, service: &'a str, time: SystemTime) -> Self {
        SigningParams {
            credentials,
            region,
            service,
            time,
            #[cfg(feature = "sigv4-suite")]
            settings: SigningSettings::default(),
        }
    }

    /// The variations signed with: the defaults unless the feature `sigv4-suite` set others.
    pub fn settings(&self) -> SigningSettings {
        #[cfg(feature = "sigv4-suite")]
        return self.settings;
        #[cfg(not(feature = "sigv4-suite"))]
        SigningSettings::default()
    }
}

/// A request to sign: `url` is absolute and already percent-encoded as it goes on the wire.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Absolute URL, encoded as sent.
    pub url: &'a str,
    /// Headers to sign besides `host` (derived from the URL when absent) and the `x-amz-*` ones added.
    pub headers: &'a [(&'a str, &'a str)],
    /// Body bytes.
    pub body: &'a [u8],
}

/// The headers signing adds, in the order botocore sends them: `x-amz-date`,
/// `x-amz-security-token`, `x-amz-content-sha256`, `authorization`.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `(lowercase name, value)` pairs to add to the request.
    pub headers: Vec<(String, String)>,
    /// The hex signature.
    pub signature: String,
}

impl fmt::Debug for SignedHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("SignedHeaders").field("headers", &names).field("signature", &self.signature).finish()
    }
}

/// Signs `request`: the canonical request is built here (it is what the console and `--debug`
/// show), the signing key and signature come from `aws-sigv4`'s SigV4 primitives. Tests hold the
/// result to `aws-sigv4`'s full HTTP signer and to the AWS SigV4 suite.
///
/// # Errors
/// `InvalidInput` on `credentials.*` or `request.url` (not absolute http(s), no host).
pub fn sign(request: &HttpRequest<'_>, params: &SigningParams<'_>) -> Result<SignedHeaders, Error> {
    let stages = signing_stages(request, params)?;
    let mut headers = Vec::with_capacity(4);
    // The signing time is the string to sign's second line: formatted once.
    let amz_date = stages.string_to_sign.split('\n').nth(1).unwrap_or_default();
    headers.push(("x-amz-date".to_string(), amz_date.to_string()));
    if let Some(token) = &params.credentials.session_token {
        headers.push(("x-amz-security-token".to_string(), token.clone()));
    }
    if params.settings().payload_hash == PayloadHash::Header {
        // The payload hash is the canonical request's last line: hashed once.
        let payload_hash = stages.canonical_request.rsplit('\n').next().unwrap_or_default();
        headers.push(("x-amz-content-sha256".to_string(), payload_hash.to_string()));
    }
    headers.push(("authorization".to_string(), stages.authorization));
    Ok(SignedHeaders { headers, signature: stages.signature })
}

/// Every stage of a SigV4 signature, for a debug trace or the console.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SigningStages {
    /// The canonical request, exactly as hashed.
    pub canonical_request: String,
    /// `content-type;host;x-amz-date...`
    pub signed_headers: String,
    /// `20231126/us-east-1/eks-auth/aws4_request`
    pub credential_scope: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// Hex signature.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

impl fmt::Debug for SigningStages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningStages")
            .field("signed_headers", &self.signed_headers)
            .field("credential_scope", &self.credential_scope)
            .field("signature", &self.signature)
            .finish_non_exhaustive()
    }
}

struct ParsedUrl<'a> {
    authority: &'a str,
    path: &'a str,
    query: &'a str,
}

fn parse_url(url: &str) -> Result<ParsedUrl<'_>, Error> {
    let bad = |why: &str| Error::input("request.url", why.to_string());
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("must be an absolute http(s) URL"))?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at_checked(end).unwrap_or((rest, ""));
    if authority.is_empty() {
        return Err(bad("has no host"));
    }
    let (path, query) = match after.split_once('?') {
        Some((p, q)) => (p, q),
        None => (after, ""),
    };
    let path = if path.is_empty() { "/" } else { path };
    Ok(ParsedUrl { authority, path, query })
}

fn canonical_path<'p>(path: &'p str, params: &SigningParams<'_>) -> Cow<'p, str> {
    // Both steps leave a path of unreserved characters in plain segments as it is (every EKS Auth
    // path): it is used as given, without the copies the steps make. The unit test below holds
    // this path to the two steps.
    if path.bytes().all(|b| is_unreserved(b) || b == b'/') && plain_segments(path) {
        return Cow::Borrowed(path);
    }
    match params.settings().path {
        PathEncoding::NormalizedEncodedTwice => Cow::Owned(percent_encode(normalize_path(path).as_bytes(), true)),
        PathEncoding::Normalized => Cow::Owned(normalize_path(path)),
        PathEncoding::AsGiven => Cow::Borrowed(path),
    }
}

/// Whether [`normalize_path`] would leave `path` as it is: absolute, with no empty, `.` or `..`
/// segment (the last may be empty: a trailing slash stays).
fn plain_segments(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else { return false };
    let mut segments = rest.split('/');
    let last = segments.next_back();
    segments.all(|s| !matches!(s, "" | "." | "..")) && !matches!(last, Some("." | ".."))
}

/// RFC 3986 dot-segment removal plus empty-segment merging, keeping a trailing slash.
fn normalize_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::from("/");
    out.push_str(&segments.join("/"));
    if path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    out
}

/// The query as SigV4 canonicalizes it: each name and value form-decoded (`+` is a space, `%XX` a
/// byte, invalid UTF-8 replaced), then encoded with only unreserved characters left as they are;
/// the pairs sorted. Written out rather than with the `percent_encoding` crate and `format!`,
/// whose `Display` path weighed ~1 KB gzip of the module (EKS Auth URLs have no query). The unit
/// tests below hold both encodings to the crate's.
#[cfg(feature = "sigv4-suite")]
#[inline(never)]
fn canonical_query(query: &str) -> Result<String, Error> {
    if query.is_empty() {
        return Ok(String::new());
    }
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (query_component(k), query_component(v))
        })
        .collect();
    sort_by(&mut pairs, |a, b| a < b); // equal pairs are identical: order among them cannot show
    let mut out = String::with_capacity(query.len() * 3);
    for (i, (k, v)) in pairs.iter().enumerate() {
        for part in [if i == 0 { "" } else { "&" }, k, "=", v] {
            out.push_str(part);
        }
    }
    Ok(out)
}

/// No request the product signs has a query (custom endpoints refuse `?`): one is refused rather
/// than signed by rules no product path would test.
#[cfg(not(feature = "sigv4-suite"))]
fn canonical_query(query: &str) -> Result<String, Error> {
    if query.is_empty() {
        Ok(String::new())
    } else {
        Err(Error::input("request.url", "must have no query (signing one needs the feature `sigv4-suite`)"))
    }
}

/// One name or value of a query, form-decoded and encoded again (see [`canonical_query`]).
#[cfg(feature = "sigv4-suite")]
fn query_component(raw: &str) -> String {
    let hex = |b: u8| char::from(b).to_digit(16);
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = match (b, bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => Some((high * 16 + low) as u8),
            _ => None,
        };
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(if b == b'+' { b' ' } else { b });
                i += 1;
            }
        }
    }
    percent_encode(String::from_utf8_lossy(&decoded).as_bytes(), false)
}

/// SigV4's URI encoding: unreserved characters (and `/` when `keep_slash`) as they are, every
/// other byte as `%XX` in upper case.
fn percent_encode(bytes: &[u8], keep_slash: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            for c in [b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]] {
                out.push(char::from(c));
            }
        }
    }
    out
}

/// RFC 3986's unreserved characters: what SigV4 never encodes.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Insertion sort: a request has a handful of headers and query pairs, and the standard library's
/// sorts weigh ~4 KB of wasm per element type.
fn sort_by<T>(items: &mut [T], less: impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && less(&items[j], &items[j - 1]) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// Headers SigV4 implementations leave out (aws-sigv4's default exclusions).
const EXCLUDED: &[&str] = &["authorization", "user-agent", "x-amzn-trace-id", "transfer-encoding"];

/// A header value as SigV4 canonicalizes it: trimmed, inner runs of whitespace as one space.
fn trim_header_value(value: &str) -> Cow<'_, str> {
    // Most values are visible ASCII, without a space: nothing to trim.
    if validate::visible_ascii(value) {
        return Cow::Borrowed(value);
    }
    let plain = !value.starts_with(' ')
        && !value.ends_with(' ')
        && crate::text::find(value, "  ").is_none()
        && !value.bytes().any(|b| b.is_ascii_whitespace() && b != b' ');
    if plain {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(value.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

thread_local! {
    /// The last signing key and what it was derived from. It changes once a day per secret,
    /// region and service, and deriving it is four HMACs: a third of a signature's hashing
    /// (aws4 and aws4fetch keep it too). Same inputs, same key: the cache changes no answer.
    static LAST_SIGNING_KEY: RefCell<Option<(String, [u8; 32])>> = const { RefCell::new(None) };
}

fn signing_key(params: &SigningParams<'_>, date: &str) -> [u8; 32] {
    let parts = [params.credentials.secret_access_key.as_str(), date, params.region, params.service];
    let same = |cached: &str| {
        let mut rest = cached.split('\n');
        parts.iter().all(|p| rest.next() == Some(p)) && rest.next().is_none()
    };
    LAST_SIGNING_KEY.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((cached, key)) if same(cached) => *key,
            _ => {
                let derived =
                    v4::generate_signing_key(&params.credentials.secret_access_key, params.time, params.region, params.service);
                let mut key = [0u8; 32];
                key.copy_from_slice(derived.as_ref());
                *last = Some((parts.join("\n"), key));
                key
            }
        }
    })
}

/// A SHA-256 digest in lowercase hex, on the stack: two are written per signature.
struct Sha256Hex([u8; 64]);

impl Sha256Hex {
    fn of(data: &[u8]) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let digest = Sha256::digest(data);
        let mut hex = [0u8; 64];
        for (pair, byte) in hex.chunks_exact_mut(2).zip(digest.iter()) {
            pair[0] = HEX[usize::from(byte >> 4)];
            pair[1] = HEX[usize::from(byte & 0xf)];
        }
        Sha256Hex(hex)
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// The SigV4 stages of `request`: what [`sign`] signs, spelled out so it can be shown.
///
/// # Errors
/// As [`sign`].
pub fn signing_stages<'a>(request: &HttpRequest<'a>, params: &'a SigningParams<'a>) -> Result<SigningStages, Error> {
    params.credentials.validate()?;
    validate::signing_time("time", params.time)?;
    let url = parse_url(request.url)?;
    let amz_date = time::amz_date(params.time);
    let date = amz_date.get(..8).unwrap_or_default();
    let payload_hash = Sha256Hex::of(request.body);
    let payload_hash = payload_hash.as_str();

    // Borrowed where the caller's name is lower case and its value needs no trimming (every
    // header of an AssumeRoleForPodIdentity request): no copy of the session token per request.
    let mut headers: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::with_capacity(request.headers.len() + 4);
    let mut add = |name: &'a str, value: &'a str| {
        let name = if name.bytes().any(|b| b.is_ascii_uppercase()) { Cow::Owned(name.to_ascii_lowercase()) } else { Cow::Borrowed(name) };
        if EXCLUDED.contains(&&*name) {
            return;
        }
        let value = trim_header_value(value);
        match headers.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => {
                let v = v.to_mut();
                v.push(',');
                v.push_str(&value);
            }
            None => headers.push((name, value)),
        }
    };
    let mut has_host = false;
    for (name, value) in request.headers {
        has_host |= name.eq_ignore_ascii_case("host");
        add(name, value);
    }
    if !has_host {
        add("host", url.authority);
    }
    // The headers signing sets replace any the caller set, as aws-sigv4 does.
    let mut set = |name: &'static str, value| {
        headers.retain(|(n, _)| n != name);
        headers.push((Cow::Borrowed(name), value));
    };
    let settings = params.settings();
    set("x-amz-date", Cow::Borrowed(amz_date.as_str()));
    if settings.payload_hash == PayloadHash::Header {
        set("x-amz-content-sha256", Cow::Borrowed(payload_hash));
    }
    if let (Some(token), SessionTokenPlacement::Signed) = (&params.credentials.session_token, settings.session_token) {
        set("x-amz-security-token", Cow::Borrowed(token));
    }
    sort_by(&mut headers, |a, b| a.0 < b.0); // names are unique by now
    // Written piece by piece rather than with `format!`: one allocation each, on every signed request.
    let signed_headers = headers.iter().map(|(n, _)| &**n).collect::<Vec<_>>().join(";");
    let path = canonical_path(url.path, params);
    let query = canonical_query(url.query)?;
    let headers_length: usize = headers.iter().map(|(n, v)| n.len() + v.len() + 2).sum();
    let mut canonical_request = String::with_capacity(
        request.method.len() + path.len() + query.len() + headers_length + signed_headers.len() + payload_hash.len() + 5,
    );
    for part in [request.method, "\n", &path, "\n", &query, "\n"] {
        canonical_request.push_str(part);
    }
    for (name, value) in &headers {
        for part in [name, ":", value, "\n"] {
            canonical_request.push_str(part);
        }
    }
    for part in ["\n", &signed_headers, "\n", payload_hash] {
        canonical_request.push_str(part);
    }
    let credential_scope = [date, "/", params.region, "/", params.service, "/aws4_request"].concat();
    let string_to_sign = [
        "AWS4-HMAC-SHA256\n",
        &amz_date,
        "\n",
        &credential_scope,
        "\n",
        Sha256Hex::of(canonical_request.as_bytes()).as_str(),
    ]
    .concat();
    let key = signing_key(params, date);
    let signature = v4::calculate_signature(key, string_to_sign.as_bytes());
    let authorization = [
        "AWS4-HMAC-SHA256 Credential=",
        &params.credentials.access_key_id,
        "/",
        &credential_scope,
        ", SignedHeaders=",
        &signed_headers,
        ", Signature=",
        &signature,
    ]
    .concat();
    Ok(SigningStages { canonical_request, signed_headers, credential_scope, string_to_sign, signature, authorization })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `percent_encoding` crate's form of SigV4's sets, which ours are held to.
    const UNRESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    const UNRESERVED_AND_SLASH: &percent_encoding::AsciiSet = &UNRESERVED.remove(b'/');

    #[test]
    fn debug_redacts_secrets() {
        let c = Credentials {
            access_key_id: "AKID".into(),
            secret_access_key: "SECRETKEY".into(),
            session_token: Some("SESSIONTOKEN".into()),
        };
        let d = format!("{c:?}");
        assert!(d.contains("AKID") && !d.contains("SECRETKEY") && !d.contains("SESSIONTOKEN"));
    }

    #[test]
    fn normalizes() {
        assert_eq!(normalize_path("//example//"), "/example/");
        assert_eq!(normalize_path("/a/./b/../c"), "/a/c");
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("/.."), "/");
    }

    #[test]
    fn plain_paths_are_taken_as_given() {
        let credentials = Credentials { access_key_id: "AKID".into(), secret_access_key: "S".into(), session_token: None };
        let params = SigningParams::new(&credentials, "us-east-1", "eks-auth", SystemTime::UNIX_EPOCH);
        let paths = ["/", "/a", "/a/", "/a/b.c/~d_-e", "//", "/a//b", "/.", "/..", "/a/.", "/a/..", "/./a", "/a/../b/", "/.a/b..", "/a b", "/%41", "/é", "a"];
        for path in paths {
            let slow = percent_encoding::utf8_percent_encode(&normalize_path(path), UNRESERVED_AND_SLASH).to_string();
            assert_eq!(canonical_path(path, &params), slow, "{path:?}");
            if plain_segments(path) {
                assert_eq!(normalize_path(path), path, "{path:?}");
            }
        }
        assert!(matches!(canonical_path("/clusters/c-1/assume-role-for-pod-identity", &params), Cow::Borrowed(_)));
    }

    #[cfg(feature = "sigv4-suite")]
    #[test]
    fn query_components_as_the_percent_encoding_crate_does() {
        let crate_form = |s: &str| {
            let decoded = percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
            percent_encoding::utf8_percent_encode(&decoded, UNRESERVED).to_string()
        };
        let raw = ["", "a", "A-Z_a.z~0", "a+b", "%2B", "%2b%41", "%", "%4", "%zz", "%%41", "a%20b", "%C3%A9", "é", "%FF", "%C3", "ü+%FC", "=&?/", "a%2", "%E2%82%AC%"];
        for r in raw {
            assert_eq!(query_component(r), crate_form(r), "{r:?}");
        }
        assert_eq!(canonical_query("b=2&a=1&&a=0&c").unwrap(), "a=0&a=1&b=2&c=");
    }
}
