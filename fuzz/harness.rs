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
    ("exchange_machine", exchange_machine),
    ("agent_machine", agent_machine),
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

/// Reads the fuzzer's bytes one at a time; zeros once they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        let Some((first, rest)) = self.0.split_first() else { return 0 };
        self.0 = rest;
        *first
    }

    fn more(&self) -> bool {
        !self.0.is_empty()
    }

    /// A time step: mostly small, sometimes hours, sometimes back.
    fn step(&mut self, now: u64) -> u64 {
        let n = u64::from(self.next());
        match self.next() % 8 {
            0 => now.saturating_sub(n * 1000),
            1..=3 => now + n,
            4 | 5 => now + n * 1000,
            6 => now + n * 60_000,
            _ => now + n * 3_600_000,
        }
    }
}

/// 2027-01-15T08:00:00Z, where the machine targets start.
const MACHINE_T0: u64 = 1_800_000_000_000;

/// A token for the machine targets with `exp` and `nbf` (host ms), or none.
fn machine_token(pod: u8, exp: Option<u64>, nbf: Option<u64>) -> String {
    let mut claims = format!(r#"{{"sub":"system:serviceaccount:default:p{pod}""#);
    if let Some(e) = exp {
        claims.push_str(&format!(r#","exp":{}"#, e / 1000));
    }
    if let Some(n) = nbf {
        claims.push_str(&format!(r#","nbf":{}"#, n / 1000));
    }
    claims.push('}');
    format!("{}.{}.c2lnbmF0dXJlX29mX3RoZV90b2tlbg", base64url(br#"{"alg":"RS256"}"#), base64url(claims.as_bytes()))
}

fn machine_request(token: &str) -> AssumeRoleRequest {
    AssumeRoleRequest {
        region: Some("us-west-2".into()),
        cluster_name: "fuzz".into(),
        token: token.into(),
        credentials: Some(Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: Some("session-token-of-the-caller".into()),
        }),
        now: UNIX_EPOCH,
        use_fips: false,
        endpoint: None,
        eks_node_name: None,
        instance_id: None,
        zone: None,
    }
}

/// The exchange machine under any sequence of inputs: responses of any status, headers (dates,
/// skew messages) and body, to the current or a stale attempt; failures; timeouts; time going
/// back and jumping; aborts. It never panics; it ends once, with one result; it never has more
/// than `max_attempts` attempts counted plus one re-sign; the quota stays within its capacity;
/// a transmit's attempt is the one awaited; neither the token nor a secret shows in `Debug`.
pub fn exchange_machine(data: &[u8]) -> Result<(), Error> {
    use eks_auth_wasm::exchange::{AttemptId, ClientState, Exchange, ExchangeConfig, ExchangeError, Failure};
    let mut b = Bytes(data);
    let config = ExchangeConfig {
        max_attempts: u32::from(b.next() % 6),
        connect_timeout_ms: u64::from(b.next()) * 10,
        attempt_timeout_ms: u64::from(b.next()) * 20,
    };
    let token = machine_token(0, Some(MACHINE_T0 + 3_600_000), None);
    let mut exchange = Exchange::new(machine_request(&token), config, u64::from(b.next()))?;
    let mut shared = ClientState::new();
    let mut now = MACHINE_T0;
    let (mut last, mut results, mut sent, mut events) = (None, 0, 0u32, 0u32);
    let mut outcome = Ok(());
    let dates = ["", "Fri, 15 Jan 2027 08:00:00 GMT", "Fri, 15 Jan 2027 08:30:00 GMT", "Fri, 15 Jan 2027 07:00:00 GMT", "garbage"];
    let messages = [
        "Signature expired: 20270115T080000Z is now earlier than 20270115T082500Z (20270115T083000Z - 5 min.)",
        "Signature expired: x (y)",
        "no",
    ];
    while b.more() {
        match b.next() % 7 {
            0 => {
                if let Some(t) = exchange.poll_transmit(now, &shared) {
                    sent += 1;
                    assert_eq!(exchange.current_attempt(), Some(t.attempt));
                    assert_eq!(t.attempt, AttemptId(sent), "attempts are numbered in order");
                    let shown = format!("{t:?}");
                    assert!(!shown.contains(&token) && !shown.contains("session-token-of-the-caller"), "{shown}");
                    last = Some(t.attempt);
                }
            }
            1 => {
                let attempt = if b.next() % 4 == 0 { AttemptId(u32::from(b.next())) } else { last.unwrap_or(AttemptId(0)) };
                let status = [200, 400, 403, 404, 429, 500, 503, 504][usize::from(b.next() % 8)];
                let date = dates[usize::from(b.next()) % dates.len()];
                let code = ["", "InvalidSignatureException", "ThrottlingException", "ExpiredTokenException"][usize::from(b.next() % 4)];
                let body = match b.next() % 4 {
                    0 => format!(r#"{{"message":"{}"}}"#, messages[usize::from(b.next()) % messages.len()]),
                    1 => format!(r#"{{"credentials":{{"accessKeyId":"A","secretAccessKey":"s","sessionToken":"t","expiration":{}}}}}"#, u32::from(b.next()) << 24),
                    2 => "{}".to_string(),
                    _ => String::from_utf8_lossy(b.0).into_owned(),
                };
                let headers = [("date", date), ("x-amzn-errortype", code)];
                exchange.handle_response(now, &mut shared, attempt, &HttpResponse { status, headers: &headers, body: body.as_bytes() });
            }
            2 => {
                let failure = [Failure::Network, Failure::ConnectTimeout, Failure::Timeout][usize::from(b.next() % 3)];
                exchange.handle_failure(now, &mut shared, last.unwrap_or(AttemptId(0)), failure);
            }
            3 => exchange.handle_timeout(now, &mut shared),
            4 | 5 => now = b.step(now),
            _ => exchange.abort(),
        }
        if let Some(result) = exchange.poll_result() {
            results += 1;
            match result {
                Ok(o) => assert!(o.attempts == sent && o.attempts >= 1),
                Err(f) => {
                    assert_eq!(f.attempts, sent);
                    if let ExchangeError::Invalid(e) | ExchangeError::Service(e) = &f.error {
                        check_error(e);
                        outcome = Err(e.clone());
                    }
                }
            }
        }
        while let Some(event) = exchange.poll_event() {
            events += 1;
            let shown = format!("{event:?}");
            assert!(!shown.contains(&token), "{shown}");
        }
        assert!(events <= 2 * sent + 1, "{events} events for {sent} attempts");
        assert!(results <= 1, "one result");
        assert_eq!(exchange.is_done(), results == 1 && exchange.poll_timeout().is_none());
        assert!(sent <= config.max_attempts + 1, "{sent} sent for {} attempts", config.max_attempts);
        assert!(shared.quota.available() <= shared.quota.capacity());
        let shown = format!("{exchange:?}");
        assert!(!shown.contains(&token) && !shown.contains("EXAMPLEKEY") && !shown.contains("session-token-of-the-caller"), "{shown}");
    }
    outcome
}

/// The agent machine under any sequence of requests (any path, Host, token, listener), exchange
/// results (credentials expiring at any time, any failure, for orders or for no order), timeouts,
/// time going back and jumping, and close. It never panics; each parked request is answered at
/// most once, and only parked ones; no exchange is ordered for a token whose `exp` has passed; a
/// 200 may be replayed no later than the token's `exp`; the cache stays within its size; the
/// response counter counts every answer but 404 and 429; no token shows in `Debug`.
pub fn agent_machine(data: &[u8]) -> Result<(), Error> {
    use eks_auth_wasm::agent::machine::{AgentConfig, AgentMachine, CacheKey, Decision, Replay, Request, RequestId, CREDENTIALS_PATH};
    use eks_auth_wasm::error::{Fault, ServiceError};
    use eks_auth_wasm::exchange::{ExchangeError, Failed, Failure, Outcome};
    use eks_auth_wasm::response::{AssumeRoleResult, PodCredentials};
    use std::collections::{BTreeSet, HashMap};

    const H: u64 = 3_600_000;
    let mut b = Bytes(data);
    let config = AgentConfig {
        hosts: vec!["169.254.170.23".into(), "fd00:ec2::23".into()],
        max_cache_size: usize::from(b.next() % 5),
        max_retention_ms: [0, 60_000, 3 * H][usize::from(b.next() % 3)],
        rate_limit: f64::from(b.next() % 4),
        burst: u32::from(b.next() % 4),
        refresh_rate_limit: u32::from(b.next() % 4),
        sweep_interval_ms: u64::from(b.next()) * 1000,
        answer_within_ms: [0, 900][usize::from(b.next() % 2)],
        max_flights: usize::from(b.next() % 3),
    };
    let mut agent = AgentMachine::new(config.clone(), u64::from(b.next()))?;
    let tokens: Vec<(String, Option<u64>)> = [
        (Some(MACHINE_T0 + 6 * H), None),
        (Some(MACHINE_T0 + H), None),
        (Some(MACHINE_T0 + 48 * H), Some(MACHINE_T0 + 60_000)),
        (None, None),
        (Some(MACHINE_T0 - 1000), None),
    ]
    .iter()
    .enumerate()
    .map(|(i, (exp, nbf))| (machine_token(i as u8, *exp, *nbf), *exp))
    .collect();
    let exp_of: HashMap<CacheKey, Option<u64>> = tokens.iter().map(|(t, e)| (CacheKey::of(t), *e)).collect();
    let mut now = MACHINE_T0;
    let mut parked = BTreeSet::new();
    let mut orders: Vec<CacheKey> = Vec::new();
    let mut counted = 0u64;
    let check_answer = |a: &eks_auth_wasm::agent::machine::Answer, key: Option<&CacheKey>, now: u64| {
        if a.status == 200 {
            serde_json::from_str::<serde_json::Value>(&a.body).expect("a 200 is JSON");
            if let (Some(until), Some(Some(exp))) = (a.serve_until_ms, key.and_then(|k| exp_of.get(k))) {
                assert!(until <= *exp, "replayable past the token's exp");
            }
            if let Some(until) = a.serve_until_ms {
                assert!(until > now, "serve_until in the past");
            }
        } else {
            assert!(a.body.ends_with('\n'), "{a:?}");
        }
    };
    let mut waiting_key: HashMap<RequestId, CacheKey> = HashMap::new();
    // Answers a host may replay: (entry, serve until).
    let mut replayable: Vec<(u64, u64)> = Vec::new();
    let keep = |a: &eks_auth_wasm::agent::machine::Answer, replayable: &mut Vec<(u64, u64)>| {
        if let (200, Some(entry), Some(until)) = (a.status, a.entry, a.serve_until_ms) {
            replayable.push((entry, until));
        }
    };
    while b.more() {
        match b.next() % 8 {
            0 | 1 => {
                let which = b.next();
                let raw;
                let token = match which % 8 {
                    i @ 0..=4 => tokens[usize::from(i)].0.as_str(),
                    5 => "",
                    6 => "Bearer x.y.z",
                    _ => {
                        raw = String::from_utf8_lossy(&b.0[..b.0.len().min(usize::from(b.next()))]).into_owned();
                        raw.as_str()
                    }
                };
                let path = if b.next() % 8 == 0 { "/v1/credentials/" } else { CREDENTIALS_PATH };
                let host = [Some("169.254.170.23"), Some("[fd00:ec2::23]:80"), Some("evil.example"), None][usize::from(b.next() % 4)];
                let listener = usize::from(b.next());
                let request = Request { path, host, token, listener };
                let shown = format!("{request:?}");
                assert!(token.len() < 8 || !shown.contains(token), "{shown}");
                match agent.handle_request(now, &request) {
                    Decision::Answer(a) => {
                        check_answer(&a, Some(&CacheKey::of(token)), now);
                        keep(&a, &mut replayable);
                        if a.status != 404 && a.status != 429 {
                            counted += 1;
                        }
                    }
                    Decision::Wait(id) => {
                        assert!(parked.insert(id), "a fresh id");
                        waiting_key.insert(id, CacheKey::of(token));
                    }
                }
            }
            2 => {
                let key = if b.next() % 4 == 0 || orders.is_empty() {
                    CacheKey::of(&tokens[usize::from(b.next() % 5)].0)
                } else {
                    orders.remove(usize::from(b.next()) % orders.len())
                };
                let result = match b.next() % 6 {
                    0..=2 => {
                        let expiration = [now.saturating_sub(H), now, now + 10_000, now + 16_000, now + H, now + 6 * H][usize::from(b.next() % 6)];
                        let credentials = (b.next() % 8 != 0).then(|| PodCredentials {
                            session_token: Some("session-token-of-the-pod".into()),
                            secret_access_key: Some("secret-access-key-of-the-pod".into()),
                            access_key_id: Some("ASIA".into()),
                            expiration: Some(expiration as f64 / 1000.0),
                        });
                        let offset = [0, 600_000, -600_000, i64::MAX, i64::MIN][usize::from(b.next() % 5)];
                        Ok(Outcome { result: AssumeRoleResult { credentials, ..Default::default() }, attempts: 1, clock_offset_ms: offset })
                    }
                    3 => {
                        let (code, status, irrecoverable) = [("AccessDeniedException", 400, true), ("ServiceUnavailableException", 503, false), ("ThrottlingException", 429, false)][usize::from(b.next() % 3)];
                        let error = Error::Service(ServiceError { code: code.into(), message: "m".into(), status, request_id: None, retryable: !irrecoverable, irrecoverable, fault: Fault::Server });
                        Err(Failed { error: ExchangeError::Service(error), attempts: 3, quota_exhausted: false })
                    }
                    4 => Err(Failed { error: ExchangeError::Transport(Failure::Timeout), attempts: 3, quota_exhausted: true }),
                    _ => Err(Failed { error: ExchangeError::Aborted, attempts: 1, quota_exhausted: false }),
                };
                agent.handle_exchange_result(now, key, result);
            }
            3 => agent.handle_timeout(now),
            4 | 5 => now = b.step(now),
            6 => {
                if let Some(at) = agent.poll_timeout() {
                    if b.next() % 2 == 0 && at >= now {
                        now = at;
                        agent.handle_timeout(now);
                    }
                }
            }
            _ => {
                let pick = b.next();
                if pick % 16 == 0 {
                    agent.close();
                } else if let Some(&(entry, until)) = replayable.get(usize::from(pick) % replayable.len().max(1)) {
                    // A host replays only before the answer's serve_until.
                    if now < until {
                        match agent.replay(now, usize::from(b.next()), entry) {
                            Replay::Served => counted += 1,
                            Replay::Limited | Replay::Ask => {}
                        }
                    }
                }
            }
        }
        while let Some(order) = agent.poll_exchange() {
            let shown = format!("{order:?}");
            assert!(!shown.contains(&order.token), "{shown}");
            assert_eq!(CacheKey::of(&order.token), order.key);
            if let Some(Some(exp)) = exp_of.get(&order.key) {
                assert!(now < *exp, "an exchange ordered for an expired token");
            }
            orders.push(order.key);
        }
        while let Some((id, answer)) = agent.poll_answer() {
            assert!(parked.remove(&id), "an answer to a request not parked, or twice");
            check_answer(&answer, waiting_key.get(&id), now);
            keep(&answer, &mut replayable);
            counted += 1;
        }
        assert!(agent.cache_len() <= config.max_cache_size);
        assert_eq!(agent.waiting_len(), parked.len());
        assert_eq!(agent.metrics().http_response.values().sum::<u64>(), counted);
        let shown = format!("{agent:?}");
        assert!(tokens.iter().all(|(t, _)| !shown.contains(t.as_str())) && !shown.contains("secret-access-key-of-the-pod"));
    }
    Ok(())
}
