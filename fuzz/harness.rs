//! The fuzz properties, one function per target, shared by the cargo-fuzz targets
//! (`fuzz/fuzz_targets/*.rs`, nightly, `npm run fuzz`) and the replay of the kept corpus through the
//! stable build (`tests/corpus.rs`, `cargo test`). Each takes the fuzzer's bytes, drives one entry
//! point of the core and checks what it answered; a broken property panics, which libFuzzer reports
//! as a crash and `cargo test` as a failure naming the corpus file.
//!
//! Every target answers `Ok(())` or the core's typed [`Error`], after checking the error is
//! well-formed (a code, a message, a field for `InvalidInput`) and carries no secret of the input.
#![allow(dead_code)]

use eks_auth_wasm::credentials::{to_container_credentials, to_credential_process, to_shell_exports};
use eks_auth_wasm::error::Error;
use eks_auth_wasm::request::{assume_role_signing_stages, build_assume_role_request, AssumeRoleRequest};
use eks_auth_wasm::response::{parse_assume_role_response, HttpResponse};
use eks_auth_wasm::sign::Credentials;
use eks_auth_wasm::{agent, boundary as exports, endpoint, inspect, redact, retry, time, token};
use std::time::{Duration, UNIX_EPOCH};

/// A target: the fuzzer's bytes in, the core's answer out.
pub type Target = fn(&[u8]) -> Result<(), Error>;

/// Every target by the name of its corpus folder (`fuzz/corpus/<name>`).
pub const TARGETS: &[(&str, Target)] = &[
    ("build_request", build_request),
    ("parse_response", parse_response),
    ("parse_token", parse_token),
    ("parse_text", parse_text),
    ("boundary", boundary),
];

/// Secrets shorter than this are not searched for: a one-letter token is in every sentence.
const MIN_SECRET_LEN: usize = 8;

/// Letters and digits shifted by one within their class: the same shape to every validation rule
/// (alphanumeric, base64url, visible ASCII, lengths), a different value.
fn rotate(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            'a'..='y' | 'A'..='Y' | '0'..='8' => char::from(c as u8 + 1),
            c => c,
        })
        .collect()
}

/// Whether `shown` (a rendering of an input holding `secret`) shows the secret. A text can hold
/// a secret's characters by chance — fixed wording, or another field's value; a fuzzer finds such
/// coincidences quickly — so a hit counts only when it follows the value: `render`ing the same
/// input with the secret rotated makes it disappear.
fn leaks(secret: &str, shown: &str, render: impl Fn(&str) -> String) -> bool {
    if secret.len() < MIN_SECRET_LEN || !shown.contains(secret) {
        return false;
    }
    let other = rotate(secret);
    other != secret && !render(&other).contains(secret)
}

/// The shape every error must have, whatever the input.
fn check_error(e: &Error) {
    assert!(!e.code().is_empty(), "error without a code: {e:?}");
    assert!(!e.to_string().is_empty(), "error without text: {e:?}");
    if e.code() == "InvalidInput" {
        assert!(e.field().is_some_and(|f| !f.is_empty()), "InvalidInput without a field: {e:?}");
    }
}

/// Splits the fuzzer's text into fields on NUL.
fn fields(data: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(data).split('\u{0}').map(String::from).collect()
}

/// Any text in every input field, any time: building validates or fails with a typed error naming
/// the field, never panics; no secret appears in the error, the `Debug` of the input or the request;
/// a built request carries a model-valid cluster name, an ASCII body, and a signature equal to the
/// one the signing stages compute.
pub fn build_request(data: &[u8]) -> Result<(), Error> {
    // First 5 bytes: the time (up to ~35 000 years after 1970, past what the wasm boundary admits)
    // and two flags; the rest: fields separated by NUL.
    let (head, rest) = data.split_at(data.len().min(5));
    let mut h = [0u8; 5];
    h[..head.len()].copy_from_slice(head);
    let seconds = u64::from(u32::from_le_bytes([h[0], h[1], h[2], h[3]])) << (h[4] & 0x7);
    let (use_fips, signed) = (h[4] & 0x40 != 0, h[4] & 0x80 == 0);
    let mut f = fields(rest).into_iter();
    let mut next = || f.next();
    let (region, cluster, token, key, secret, session, endpoint, node, instance, zone) =
        (next(), next(), next(), next(), next(), next(), next(), next(), next(), next());
    let input = AssumeRoleRequest {
        region,
        cluster_name: cluster.unwrap_or_default(),
        token: token.unwrap_or_default(),
        credentials: signed.then(|| Credentials {
            access_key_id: key.unwrap_or_default(),
            secret_access_key: secret.unwrap_or_default(),
            session_token: session.filter(|s| !s.is_empty()),
        }),
        now: UNIX_EPOCH + Duration::from_secs(seconds),
        use_fips,
        endpoint: endpoint.filter(|e| !e.is_empty()),
        eks_node_name: node,
        instance_id: instance,
        zone,
    };
    check_request(&input)
}

/// The properties of [`build_request`] for one input (also used by `tests/properties.rs`).
pub fn check_request(input: &AssumeRoleRequest) -> Result<(), Error> {
    let built = build_assume_role_request(input);
    // The secrets, each with a way to render the input again with that secret replaced.
    type Replace = fn(&mut AssumeRoleRequest, &str);
    let mut secrets: Vec<(&str, Replace)> = vec![(&input.token, |i, v| i.token = v.into())];
    if let Some(c) = &input.credentials {
        secrets.push((&c.secret_access_key, |i, v| i.credentials.as_mut().unwrap().secret_access_key = v.into()));
        if let Some(s) = &c.session_token {
            secrets.push((s, |i, v| i.credentials.as_mut().unwrap().session_token = Some(v.into())));
        }
    }
    let with = |replace: Replace, value: &str| {
        let mut other = input.clone();
        replace(&mut other, value);
        other
    };
    let debug = format!("{input:?}");
    for (secret, replace) in &secrets {
        assert!(!leaks(secret, &debug, |v| format!("{:?}", with(*replace, v))), "Debug of the input shows a secret: {debug}");
    }
    if time::epoch_seconds(input.now) > time::MAX_EPOCH_SECONDS {
        // Past 9999-12-31 (once a panic in the date formatting): refused, whatever else is wrong.
        let e = built.expect_err("a time past 9999 is refused");
        check_error(&e);
        return Err(e);
    }
    let request = match built {
        Err(e) => {
            check_error(&e);
            let shown = format!("{e} {e:?}");
            for (secret, replace) in &secrets {
                let render = |v: &str| match build_assume_role_request(&with(*replace, v)) {
                    Err(e) => format!("{e} {e:?}"),
                    Ok(_) => String::new(),
                };
                assert!(!leaks(secret, &shown, render), "error shows a secret: {e:?}");
            }
            return Err(e);
        }
        Ok(request) => request,
    };
    assert_eq!(request.method, "POST");
    assert!(input.cluster_name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert!(request.url.ends_with(&format!("/clusters/{}/assume-role-for-pod-identity", input.cluster_name)));
    assert!(request.body.is_ascii(), "botocore's body is ASCII (\\uXXXX escapes)");
    assert!(request.headers.iter().all(|(n, v)| n.is_ascii() && v.bytes().all(|b| b.is_ascii_graphic() || b == b' ')));
    let debug = format!("{request:?}");
    for (secret, replace) in &secrets {
        let render = |v: &str| build_assume_role_request(&with(*replace, v)).map(|r| format!("{r:?}")).unwrap_or_default();
        assert!(!leaks(secret, &debug, render), "Debug of the request shows a secret: {debug}");
    }
    let authorization = request.headers.iter().find(|(n, _)| n == "authorization").map(|(_, v)| v);
    match assume_role_signing_stages(input).expect("what builds has signing stages") {
        Some(stages) => {
            assert_eq!(Some(&stages.authorization), authorization, "stages agree with the signature sent");
            assert!(stages.canonical_request.ends_with(&sha256_hex_of_stage(&stages.canonical_request)));
        }
        None => assert!(authorization.is_none(), "unsigned request without Authorization"),
    }
    // The console's explanation: what it shows is what is sent, and its Debug shows no secret.
    match inspect::explain_signature(input).expect("what builds can be explained") {
        Some(explanation) => {
            assert!(explanation.matches_request, "the explained stages lead to the Authorization sent");
            assert_eq!(Some(&explanation.authorization), authorization);
            let debug = format!("{explanation:?}");
            for (secret, replace) in &secrets {
                let render = |v: &str| {
                    inspect::explain_signature(&with(*replace, v)).ok().flatten().map(|e| format!("{e:?}")).unwrap_or_default()
                };
                assert!(!leaks(secret, &debug, render), "Debug of the explanation shows a secret: {debug}");
            }
        }
        None => assert!(authorization.is_none()),
    }
    Ok(())
}

/// The last line of a canonical request is the payload hash: 64 lowercase hex digits.
fn sha256_hex_of_stage(canonical_request: &str) -> String {
    let last = canonical_request.rsplit('\n').next().unwrap_or_default();
    assert!(last.len() == 64 && last.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    last.to_string()
}

/// Any status, headers and body: parsing returns a result or a typed error, never panics; every
/// credential format of a result either formats or fails typed; no error text carries an
/// `x-amz-security-token` value, and `Debug` of a result shows no secret.
pub fn parse_response(data: &[u8]) -> Result<(), Error> {
    let [a, b, split, rest @ ..] = data else { return Ok(()) };
    let status = u16::from_le_bytes([*a, *b]) % 600;
    let (head, body) = rest.split_at(usize::from(*split).min(rest.len()));
    let head = String::from_utf8_lossy(head);
    let headers: Vec<(&str, &str)> = head.lines().filter_map(|l| l.split_once(':')).collect();
    check_response(status, &headers, body)
}

/// The properties of [`parse_response`] for one response (also used by `tests/properties.rs`).
pub fn check_response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Result<(), Error> {
    match parse_assume_role_response(&HttpResponse { status, headers, body }) {
        Ok(result) => {
            assert!((200..300).contains(&status), "a result only from a 2xx");
            for formatted in [
                to_container_credentials(&result).map(|c| format!("{c:?}")),
                to_credential_process(&result).map(|c| format!("{c:?}")),
                to_shell_exports(&result).map(|_| String::new()),
            ] {
                if let Err(e) = formatted {
                    check_error(&e);
                }
            }
            if let Some(c) = &result.credentials {
                let render = |session: Option<&str>, secret: Option<&str>| {
                    let mut r = result.clone();
                    let c = r.credentials.as_mut().unwrap();
                    if let Some(s) = session {
                        c.session_token = Some(s.into());
                    }
                    if let Some(s) = secret {
                        c.secret_access_key = Some(s.into());
                    }
                    let formats = [
                        to_container_credentials(&r).map(|c| format!("{c:?}")).unwrap_or_default(),
                        to_credential_process(&r).map(|c| format!("{c:?}")).unwrap_or_default(),
                    ];
                    format!("{r:?} {:?} {formats:?}", r.credentials)
                };
                let shown = render(None, None);
                if let Some(s) = &c.session_token {
                    assert!(!leaks(s, &shown, |v| render(Some(v), None)), "Debug shows the session token: {shown}");
                }
                if let Some(s) = &c.secret_access_key {
                    assert!(!leaks(s, &shown, |v| render(None, Some(v))), "Debug shows the secret access key: {shown}");
                }
            }
            Ok(())
        }
        Err(e) => {
            check_error(&e);
            assert!(
                !(200..300).contains(&status) || e.code() == "MalformedResponse",
                "a 2xx fails only as MalformedResponse: {e:?}"
            );
            if !(200..300).contains(&status) {
                assert_eq!(e.status(), Some(status));
            }
            let _ = (e.retryable(), e.irrecoverable(), e.fault(), e.request_id(), agent::error_response(&e));
            let text = format!("{e} {e:?}");
            let marker = "x-amz-security-token:";
            let lower = text.to_ascii_lowercase();
            for (i, _) in lower.match_indices(marker) {
                let value = &text[i + marker.len()..];
                assert!(
                    value.is_empty() || value.starts_with(redact::REDACTED) || value.starts_with(['\n', '\'', '"', '\\']),
                    "an echoed session token survives: {e:?}"
                );
            }
            Err(e)
        }
    }
}

/// Base64url without padding, as JWTs are written.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 3);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// Token inspection (`token::parse_token`, and `inspect::inspect_token` the console shows): raw
/// text (first byte even), or — so the fuzzer reaches the JSON layer — a JWT made of two fuzzed
/// JSON texts, base64url-encoded (first byte odd); the first byte also picks the instant the token
/// is judged at. Claims or a typed error on `token` that never quotes the token.
pub fn parse_token(data: &[u8]) -> Result<(), Error> {
    let [mode, rest @ ..] = data else { return Ok(()) };
    let text = if mode % 2 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        let cut = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
        let (header, claims) = (&rest[..cut], rest.get(cut + 1..).unwrap_or_default());
        format!("{}.{}.c2lnbmF0dXJlX29mX3RoZV90b2tlbg", base64url(header), base64url(claims))
    };
    let now = [0, 1_764_340_000, time::MAX_EPOCH_SECONDS as u64, u64::from(u32::MAX) << 8][usize::from(mode >> 1) % 4];
    check_token(&text, UNIX_EPOCH + Duration::from_secs(now))
}

/// The properties of [`parse_token`] for one token (also used by `tests/properties.rs`).
pub fn check_token(text: &str, now: std::time::SystemTime) -> Result<(), Error> {
    // The inspection: every check reported once, in order; valid only when all pass; neither the
    // token nor its signature segment in what it returns.
    let inspection = inspect::inspect_token(text, now);
    let names: Vec<&str> = inspection.checks.iter().map(|c| c.name).collect();
    assert_eq!(names, inspect::CHECKS, "every check, in order");
    assert_eq!(inspection.valid, inspection.checks.iter().all(|c| c.status == inspect::CheckStatus::Pass));
    let render = |i: &inspect::TokenInspection| {
        let json = serde_json::to_string(&i).unwrap();
        serde_json::from_str::<serde_json::Value>(&json).expect("an inspection is JSON");
        format!("{json} {i:?}")
    };
    let shown = |t: &str| render(&inspect::inspect_token(t, now));
    let first = render(&inspection);
    assert!(!leaks(text, &first, shown), "the inspection shows the token: {first}");
    let trimmed = text.trim();
    if let Some((head, signature)) = trimmed.rsplit_once('.') {
        let with_signature = |v: &str| shown(&format!("{head}.{v}"));
        assert!(!leaks(signature, &first, with_signature), "the inspection shows the signature segment: {first}");
    }
    match token::parse_token(text) {
        Ok(claims) => {
            let json = serde_json::to_string(&claims).unwrap();
            serde_json::from_str::<serde_json::Value>(&json).expect("claims are JSON");
            assert!(!json.contains(text) || text.len() < MIN_SECRET_LEN, "claims hold the token");
            Ok(())
        }
        Err(e) => {
            check_error(&e);
            assert_eq!(e.field(), Some("token"), "{e:?}");
            let render = |v: &str| token::parse_token(v).err().map(|e| format!("{e} {e:?}")).unwrap_or_default();
            assert!(!leaks(text, &format!("{e} {e:?}"), render), "the error quotes the token: {e:?}");
            Err(e)
        }
    }
}

/// The small text parsers hosts feed with untrusted input: Host headers, dates, skew messages,
/// regions and endpoints, redaction. Each answers a value; none panics.
pub fn parse_text(data: &[u8]) -> Result<(), Error> {
    let text = String::from_utf8_lossy(data);
    let _ = agent::host_allowed(&text, &["127.0.0.1", "::", "localhost", "169.254.170.23"]);
    if let Some(s) = time::parse_iso8601(&text) {
        assert!(s.is_finite(), "{text:?} → {s}");
        let _ = time::rfc3339(s);
    }
    let _ = retry::parse_http_date(&text);
    // A `Signature expired` message comes from the network: any text (a multibyte stamp once
    // panicked here; tests/no_panic.rs::skew_message_with_multibyte_stamp).
    let _ = retry::clock_skew_ms(0.0, Some(&text), Some("InvalidSignatureException"), Some(&text));
    let _ = retry::clock_skew_ms(1.7e12, Some(&text), Some("SignatureDoesNotMatch"), Some("Signature expired"));
    let redacted = redact::redact(&text, &[&text]);
    if text.len() >= 8 && !text.to_ascii_lowercase().contains("x-amz-security-token") {
        assert_eq!(redacted, redact::REDACTED, "a secret of 8 characters or more is replaced whole");
    }
    let _ = endpoint::is_loopback(&text);
    // The answer is the custom endpoint's: a URL, or why the text is not one.
    let mut answer = Ok(());
    for params in [
        endpoint::EndpointParams { region: Some(&text), use_fips: true, endpoint: None },
        endpoint::EndpointParams { region: Some(&text), use_fips: false, endpoint: None },
        endpoint::EndpointParams { region: Some("us-east-1"), use_fips: false, endpoint: Some(&text) },
    ] {
        answer = match endpoint::resolve_endpoint(&params) {
            Ok(e) => {
                let url = e.url();
                assert!(url.starts_with("https://") || url.starts_with("http://"), "{url}");
                Ok(())
            }
            Err(e) => {
                check_error(&e);
                Err(e)
            }
        };
    }
    answer
}

/// One export of `src/boundary.rs` (picked by `which`) on `value`: what it shows (the answer's
/// `Debug`, which hides secrets), or its error.
fn export(which: u8, value: &serde_json::Value) -> Result<String, Error> {
    match which % 8 {
        0 => exports::build_assume_role_request(|| value).map(|r| format!("{r:?}")),
        1 => exports::signing_stages(value).map(|s| format!("{s:?}")),
        2 => exports::resolve_endpoint(value),
        3 => exports::to_container_credentials(value).map(|c| format!("{c:?}")),
        4 => exports::to_shell_exports(value).map(|_| String::new()),
        5 => exports::clock_skew(value).map(|s| format!("{s:?}")),
        6 => exports::credentials_freshness(value).map(|f| format!("{f:?}")),
        _ => exports::agent_error_response(value).map(|a| format!("{a:?}")),
    }
}

/// The JavaScript boundary's conversions (`src/boundary.rs`, what every wasm export does) on any
/// JSON value: the first byte picks the export, the rest is the argument. Each answers its shape or
/// a typed error naming the argument or member at fault, never panics, and shows no secret of the
/// argument (the token, a secret key, a session token) in its error or its answer's `Debug`.
pub fn boundary(data: &[u8]) -> Result<(), Error> {
    let Some((&which, rest)) = data.split_first() else { return Ok(()) };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(rest) else { return Ok(()) };
    let answer = export(which, &value);
    let shown = match &answer {
        Ok(shown) => shown.clone(),
        Err(e) => {
            check_error(e);
            format!("{e} {e:?}")
        }
    };
    let text = String::from_utf8_lossy(rest);
    for secret in ["secretAccessKey", "sessionToken", "token"].iter().filter_map(|k| find_string(&value, k)) {
        let render = |other: &str| {
            let changed = serde_json::from_str(&text.replace(&secret, other)).unwrap_or_default();
            match export(which, &changed) {
                Ok(shown) => shown,
                Err(e) => format!("{e} {e:?}"),
            }
        };
        assert!(!leaks(&secret, &shown, render), "the boundary shows a secret: {shown}");
    }
    answer.map(|_| ())
}

/// The string at `key` anywhere in `value` (the first found, depth first).
fn find_string(value: &serde_json::Value, key: &str) -> Option<String> {
    match value {
        serde_json::Value::Object(map) => map
            .get(key)
            .and_then(|v| v.as_str().map(String::from))
            .or_else(|| map.values().find_map(|v| find_string(v, key))),
        serde_json::Value::Array(items) => items.iter().find_map(|v| find_string(v, key)),
        _ => None,
    }
}
