//! The core runs as wasm, where a panic kills the instance: every entry point answers any input
//! with a value or a typed error. A deterministic, bounded version of `npm run fuzz`.

use eks_auth_wasm::request::{assume_role_signing_stages, build_assume_role_request, AssumeRoleRequest};
use eks_auth_wasm::response::{parse_assume_role_response, HttpResponse};
use eks_auth_wasm::sign::Credentials;
use eks_auth_wasm::{agent, credentials, endpoint, retry, time, token};
use std::time::{Duration, UNIX_EPOCH};

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    /// Text built from fragments that matter to the parsers, plus random characters.
    fn text(&mut self) -> String {
        const FRAGMENTS: &[&str] = &[
            "{", "}", "[", "]", "\"", ":", ",", "credentials", "expiration", "accessKeyId", "1e400", "-1", "1764342000.5",
            "\"2025-11-28T15:00:00Z\"", "null", "true", "__type", "#", "x-amz-security-token:", "\n", "'", "\\", "a.b.c", ".",
            "eyJ", "=", "-", "_", "é", "\u{1f600}", "[::1]", "127.0.0.1", ":80", "http://", "https://", "/", "?", "%", "\0",
            "Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (", "20240101T001000Z", " - 5 min.)",
            "Mon, 01 Jan 2024 00:10:00 GMT", "us-east-1", "eusc-de-east-1", "my-cluster",
        ];
        let n = self.next() % 12;
        let mut s = String::new();
        for _ in 0..n {
            if self.next() % 4 == 0 {
                s.push(char::from_u32((self.next() % 0x3000) as u32).unwrap_or('?'));
            } else {
                s.push_str(self.pick(FRAGMENTS));
            }
        }
        s
    }
    fn maybe(&mut self) -> Option<String> {
        (self.next() % 3 != 0).then(|| self.text())
    }
}

#[test]
fn responses_of_any_shape() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let status = [200, 201, 400, 403, 404, 429, 500, 502, 503, 599][(rng.next() % 10) as usize];
        let (n1, v1, body) = (rng.text(), rng.text(), rng.text());
        let headers = [(n1.as_str(), v1.as_str()), ("x-amzn-ErrorType", rng.pick(&["", "a#b:c", ":", "#"]))];
        match parse_assume_role_response(&HttpResponse { status, headers: &headers, body: body.as_bytes() }) {
            Ok(result) => {
                let _ = credentials::to_container_credentials(&result);
                let _ = credentials::to_shell_exports(&result);
            }
            Err(e) => {
                let _ = (e.to_string(), e.retryable(), agent::error_response(&e));
            }
        }
    }
}

#[test]
fn requests_from_any_input() {
    let mut rng = Rng(42);
    for _ in 0..20_000 {
        let input = AssumeRoleRequest {
            region: rng.maybe(),
            cluster_name: rng.text(),
            token: rng.text(),
            credentials: (rng.next() % 2 == 0).then(|| Credentials {
                access_key_id: rng.text(),
                secret_access_key: rng.text(),
                session_token: rng.maybe(),
            }),
            now: UNIX_EPOCH + Duration::from_secs(rng.next() % 253_402_300_799),
            use_fips: rng.next() % 2 == 0,
            endpoint: rng.maybe(),
            eks_node_name: rng.maybe(),
            instance_id: rng.maybe(),
            zone: rng.maybe(),
        };
        if let Ok(request) = build_assume_role_request(&input) {
            assert!(request.body.is_ascii());
            let _ = assume_role_signing_stages(&input).unwrap();
        }
    }
}

#[test]
fn text_parsers() {
    let mut rng = Rng(7);
    for _ in 0..20_000 {
        let text = rng.text();
        let _ = token::parse_token(&text);
        let _ = agent::host_allowed(&text, &["127.0.0.1", "::", "localhost"]);
        let _ = time::parse_iso8601(&text);
        let _ = retry::clock_skew_ms(0.0, Some(&text), Some("InvalidSignatureException"), Some(&text));
        let _ = endpoint::resolve_endpoint(&endpoint::EndpointParams { region: Some(&text), use_fips: true, endpoint: None });
        let _ = endpoint::resolve_endpoint(&endpoint::EndpointParams { region: Some("us-east-1"), use_fips: false, endpoint: Some(&text) });
        let _ = eks_auth_wasm::redact::redact(&text, &[&text]);
    }
}

/// Found by `npm run fuzz` (parse_text): a `Signature expired` message — text from the network —
/// whose stamp in parentheses holds a multibyte character panics on a byte slice in
/// `retry::server_time_from_expired` (src/retry.rs). Through the wasm (`clockSkew`) that aborted the
/// instance; an ASCII check now comes first.
#[test]
fn skew_message_with_multibyte_stamp() {
    for stamp in ["20020141T0\u{7c8}000Z", "2024010\u{e9}T00000Z", "\u{1f600}40101T00000Z"] {
        assert_eq!(stamp.len(), 16);
        let message = format!("Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z ({stamp} - 5 min.)");
        assert_eq!(retry::clock_skew_ms(0.0, None, Some("InvalidSignatureException"), Some(&message)), None);
    }
}

/// Found by `npm run fuzz` (build_request): a `now` after 9999-12-31 panics inside aws-sigv4's date
/// formatting (the `time` crate overflows) instead of failing as `InvalidInput` on `now`; the
/// request's validation refuses such times now.
#[test]
fn far_future_now_is_refused() {
    for seconds in [time::MAX_EPOCH_SECONDS as u64 + 1, u64::from(u32::MAX) << 7] {
        let input = AssumeRoleRequest {
            region: Some("us-west-2".into()),
            cluster_name: "my-cluster".into(),
            token: "a.b.c".into(),
            credentials: Some(Credentials {
                access_key_id: "AKIDEXAMPLE".into(),
                secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
                session_token: None,
            }),
            now: UNIX_EPOCH + Duration::from_secs(seconds),
            use_fips: false,
            endpoint: None,
            eks_node_name: None,
            instance_id: None,
            zone: None,
        };
        let error = build_assume_role_request(&input).expect_err("a time past 9999 is refused");
        assert_eq!(error.field(), Some("now"));
    }
}

/// Found by tests/properties.rs: an error type that cuts to nothing by the restJson1 rules (`:x`
/// before the first `:`, `a#` after the last `#`) gives a service error whose code is "", which no
/// host can switch on and which the agent's error body then carries. A type that names nothing
/// should fall back to the status, as a response without a type does.
#[test]
fn error_type_cut_to_nothing() {
    for (header, body) in [(":x", "{}"), ("a#", "{}"), ("", r#"{"__type": ":"}"#), ("", r#"{"code": "ns#"}"#)] {
        let headers = [("x-amzn-ErrorType", header)];
        let e = parse_assume_role_response(&HttpResponse { status: 400, headers: &headers, body: body.as_bytes() }).unwrap_err();
        assert_eq!(e.code(), "400", "{header:?} {body}");
    }
}
