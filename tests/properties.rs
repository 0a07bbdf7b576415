//! Properties over generated inputs (proptest):
//!
//! - any valid input — region of any partition or any host label, cluster name matching the
//!   model's pattern, token, credentials with or without a session token, any time up to 9999,
//!   FIPS or not, a custom endpoint or not, optional body members of any text — builds a request,
//!   and its signature is the one `aws-sigv4`'s full HTTP signer (`http_request::sign`) computes for
//!   the same URL, headers, body and time; the body is JSON holding exactly the input's members;
//! - any bytes, status and headers given to the response parser yield a result or a typed error
//!   (and the fuzz harness's properties hold: no secret in error or `Debug` text);
//! - a well-formed 200 answer of any values reads back to exactly those values;
//! - any text, and any JWT around generated claims, gives claims or a typed error on `token`.
//!
//! `npm run fuzz` searches the same entry points with coverage guidance; these run in every
//! `cargo test` with a fixed number of cases.

#[path = "../fuzz/harness.rs"]
mod harness;
#[path = "support/reference_signer.rs"]
mod reference_signer;

use eks_auth_wasm::request::{build_assume_role_request, AssumeRoleRequest, SIGNING_NAME};
use eks_auth_wasm::response::{parse_assume_role_response, HttpResponse};
use eks_auth_wasm::sign::{Credentials, HttpRequest, SigningParams};
use eks_auth_wasm::{credentials, time, token};
use proptest::prelude::*;
use reference_signer::reference_sign;
use serde_json::{json, Value};
use std::time::{Duration, UNIX_EPOCH};

/// Regions of every partition, and any DNS host label (which falls to the `aws` partition).
fn region() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "us-east-1", "us-west-2", "eu-central-1", "ap-southeast-5", "cn-north-1", "us-gov-west-1",
            "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1", "eusc-de-east-1", "mx-central-1",
        ])
        .prop_map(String::from),
        "[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?",
    ]
}

/// The model's pattern, `[0-9A-Za-z][A-Za-z0-9\-_]*`, 1 to 100 characters.
fn cluster_name() -> impl Strategy<Value = String> {
    "[0-9A-Za-z][A-Za-z0-9_-]{0,99}"
}

/// Three non-empty base64url parts (`=` allowed), as the model's token pattern.
fn token() -> impl Strategy<Value = String> {
    ("[A-Za-z0-9_=-]{1,60}", "[A-Za-z0-9_=-]{1,400}", "[A-Za-z0-9_=-]{1,350}").prop_map(|(a, b, c)| format!("{a}.{b}.{c}"))
}

/// Key ids and session tokens travel in headers: visible ASCII. The secret never leaves the
/// signer: any text.
fn credentials() -> impl Strategy<Value = Credentials> {
    (
        prop_oneof!["(AKIA|ASIA)[A-Z0-9]{16}", "[!-~]{1,40}"],
        prop_oneof!["[A-Za-z0-9/+]{40}", "\\PC{1,64}", any::<String>().prop_filter("non-empty", |s| !s.is_empty())],
        prop::option::of(prop_oneof!["[A-Za-z0-9/+=]{100,800}", "[!-~]{1,200}"]),
    )
        .prop_map(|(access_key_id, secret_access_key, session_token)| Credentials { access_key_id, secret_access_key, session_token })
}

/// Custom endpoints the core accepts: https anywhere, http on loopback, a port, a path prefix of
/// RFC 3986 path characters and `%XX` escapes (a lone `%` is refused: fetch would send it as is).
fn endpoint() -> impl Strategy<Value = String> {
    let host = prop_oneof![
        "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?){0,3}".prop_map(|h| ("https", h)),
        prop::sample::select(vec!["127.0.0.1", "localhost", "[::1]", "127.1.2.3"]).prop_map(|h| ("http", h.to_string())),
    ];
    let port = prop::option::of(1u32..=65535);
    let prefix = prop::collection::vec(
        prop_oneof![3 => "[A-Za-z0-9._~-]{1,10}", 1 => Just(".".to_string()), 1 => Just("..".to_string()), 1 => "[A-Za-z0-9!$&'()*+,;=:@-]{0,8}", 1 => "%[0-9A-Fa-f]{2}"],
        0..4,
    );
    (host, port, prefix, any::<bool>()).prop_map(|((scheme, host), port, prefix, slash)| {
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let path: String = prefix.iter().map(|s| format!("/{s}")).collect();
        format!("{scheme}://{host}{port}{path}{}", if slash { "/" } else { "" })
    })
}

/// Optional body members: any non-empty text (the body escapes it as botocore does).
fn member() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        "[a-z0-9.-]{1,40}",
        "i-[0-9a-f]{17}",
        "[a-z]{3,4}[0-9]-az[0-9]",
        any::<String>().prop_filter("non-empty", |s| !s.is_empty()),
    ])
}

/// Any instant from 1970 to the end of 9999, with sub-seconds (which SigV4 truncates).
fn now() -> impl Strategy<Value = std::time::SystemTime> {
    (0..=time::MAX_EPOCH_SECONDS as u64, 0u32..1_000_000_000).prop_map(|(s, n)| UNIX_EPOCH + Duration::new(s, n))
}

prop_compose! {
    fn valid_input()(
        region in region(),
        cluster_name in cluster_name(),
        token in token(),
        credentials in prop::option::weighted(0.9, credentials()),
        now in now(),
        (use_fips, endpoint) in prop_oneof![
            any::<bool>().prop_map(|fips| (fips, None)),
            endpoint().prop_map(|e| (false, Some(e))),
        ],
        eks_node_name in member(),
        instance_id in member(),
        zone in member(),
    ) -> AssumeRoleRequest {
        AssumeRoleRequest {
            region: Some(region), cluster_name, token, credentials, now, use_fips, endpoint,
            eks_node_name, instance_id, zone,
        }
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// Case counts that keep `cargo test` short on a small machine; `PROPTEST_CASES=100000` runs more.
/// The seed is fixed so `npm test` is the same run on every machine (a failure reproduces);
/// `PROPTEST_SEED=<n>` explores other inputs.
fn config(cases: u32) -> ProptestConfig {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
    ProptestConfig {
        cases: env("PROPTEST_CASES").map_or(cases, |n: u64| n as u32),
        rng_seed: proptest::test_runner::RngSeed::Fixed(env("PROPTEST_SEED").unwrap_or(0x6b73_6175_7468)),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn valid_input_is_signed_as_aws_sigv4_signs_it(input in valid_input()) {
        let request = build_assume_role_request(&input).map_err(|e| TestCaseError::fail(format!("valid input refused: {e}")))?;
        // The body: JSON of exactly the input's members, ASCII.
        prop_assert!(request.body.is_ascii());
        let body: Value = serde_json::from_str(&request.body).expect("the body is JSON");
        let mut expected = json!({ "token": input.token });
        for (name, value) in [("eksNodeName", &input.eks_node_name), ("instanceId", &input.instance_id), ("zone", &input.zone)] {
            if let Some(v) = value {
                expected[name] = json!(v);
            }
        }
        prop_assert_eq!(body, expected);
        prop_assert_eq!(header(&request.headers, "content-type"), Some("application/json"));

        let Some(credentials) = &input.credentials else {
            prop_assert_eq!(request.headers.len(), 1, "unsigned: content-type only");
            return Ok(());
        };
        let region = input.region.as_deref().unwrap();
        let reference = reference_sign(
            &HttpRequest { method: "POST", url: &request.url, headers: &[("content-type", "application/json")], body: request.body.as_bytes() },
            &SigningParams::new(credentials, region, SIGNING_NAME, input.now),
        ).map_err(|e| TestCaseError::fail(format!("aws-sigv4 cannot sign {}: {e}", request.url)))?;
        let authorization = header(&request.headers, "authorization").expect("signed");
        prop_assert!(authorization.ends_with(&format!("Signature={}", reference.signature)), "{} vs {}", authorization, reference.signature);
        prop_assert_eq!(Some(authorization), reference.header("authorization"));
        prop_assert_eq!(header(&request.headers, "x-amz-date"), reference.header("x-amz-date"));
        prop_assert_eq!(header(&request.headers, "x-amz-security-token"), reference.header("x-amz-security-token"));
        prop_assert_eq!(header(&request.headers, "x-amz-security-token"), credentials.session_token.as_deref());
        // And the fuzz harness's properties: stages agree, no secret in any error or Debug text.
        prop_assert!(harness::check_request(&input).is_ok());
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_input_builds_or_fails_typed(
        region in prop::option::of(prop_oneof![region(), any::<String>()]),
        cluster_name in prop_oneof![cluster_name(), any::<String>()],
        token in prop_oneof![token(), any::<String>()],
        credentials in prop::option::of(prop_oneof![credentials(), (any::<String>(), any::<String>(), prop::option::of(any::<String>()))
            .prop_map(|(a, s, t)| Credentials { access_key_id: a, secret_access_key: s, session_token: t })]),
        now in (0u64..=time::MAX_EPOCH_SECONDS as u64).prop_map(|s| UNIX_EPOCH + Duration::from_secs(s)),
        use_fips in any::<bool>(),
        endpoint in prop::option::of(prop_oneof![endpoint(), any::<String>()]),
        members in (prop::option::of(any::<String>()), prop::option::of(any::<String>()), prop::option::of(any::<String>())),
    ) {
        let input = AssumeRoleRequest {
            region, cluster_name, token, credentials, now, use_fips, endpoint,
            eks_node_name: members.0, instance_id: members.1, zone: members.2,
        };
        // Panics (a broken property) fail the case; a typed error is an answer.
        let _ = harness::check_request(&input);
    }

    #[test]
    fn any_bytes_parse_to_a_result_or_a_typed_error(
        status in prop_oneof![Just(200u16), 100u16..600, any::<u16>()],
        headers in prop::collection::vec((prop_oneof![
            Just("x-amzn-ErrorType".to_string()), Just("x-amzn-RequestId".to_string()), Just("content-type".to_string()), any::<String>()
        ], any::<String>()), 0..4),
        body in prop_oneof![prop::collection::vec(any::<u8>(), 0..512), any::<String>().prop_map(String::into_bytes), json_body()],
    ) {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        match harness::check_response(status, &headers, &body) {
            Ok(()) => prop_assert!((200..300).contains(&status)),
            Err(e) => {
                let kind = if (200..300).contains(&status) { "MalformedResponse" } else { e.code() };
                prop_assert_eq!(e.code(), kind);
            }
        }
    }

    #[test]
    fn a_well_formed_answer_reads_back_exactly(
        namespace in "\\PC{1,30}", service_account in "\\PC{1,30}",
        account in "[0-9]{12}", role in "[A-Za-z0-9+=,.@_-]{1,64}", session in "eks-[a-z0-9-]{1,40}",
        key in "ASIA[A-Z0-9]{16}", secret in "[A-Za-z0-9/+]{40}", session_token in "[A-Za-z0-9/+=]{100,800}",
        expiration in prop_oneof![
            (0i64..=time::MAX_EPOCH_SECONDS).prop_map(|s| json!(s)),
            (0i64..=time::MAX_EPOCH_SECONDS, 1u32..1000).prop_map(|(s, ms)| json!(s as f64 + f64::from(ms) / 1000.0)),
            (0i64..=time::MAX_EPOCH_SECONDS).prop_map(|s| json!(time::rfc3339(s as f64))),
        ],
    ) {
        let arn = format!("arn:aws:sts::{account}:assumed-role/{role}/{session}");
        let body = json!({
            "subject": { "namespace": namespace, "serviceAccount": service_account },
            "audience": "pods.eks.amazonaws.com",
            "podIdentityAssociation": { "associationArn": format!("arn:aws:eks:us-west-2:{account}:podidentityassociation/c/a-1"), "associationId": "a-1" },
            "assumedRoleUser": { "arn": arn, "assumeRoleId": format!("AROA:{session}") },
            "credentials": { "sessionToken": session_token, "secretAccessKey": secret, "accessKeyId": key, "expiration": expiration },
        });
        let bytes = serde_json::to_vec(&body).unwrap();
        let result = parse_assume_role_response(&HttpResponse { status: 200, headers: &[], body: &bytes }).expect("a well-formed answer");
        prop_assert_eq!(result.subject.as_ref().and_then(|s| s.namespace.as_deref()), Some(namespace.as_str()));
        prop_assert_eq!(result.subject.as_ref().and_then(|s| s.service_account.as_deref()), Some(service_account.as_str()));
        let c = result.credentials.as_ref().unwrap();
        prop_assert_eq!(c.session_token.as_deref(), Some(session_token.as_str()));
        prop_assert_eq!(c.secret_access_key.as_deref(), Some(secret.as_str()));
        let container = credentials::to_container_credentials(&result).expect("formats");
        prop_assert_eq!(&container.access_key_id, &key);
        prop_assert_eq!(&container.token, &session_token);
        prop_assert_eq!(container.account_id.as_deref(), Some(account.as_str()));
        let seconds = match &expiration { Value::String(s) => time::parse_iso8601(s).unwrap(), v => v.as_f64().unwrap() };
        prop_assert_eq!(time::parse_iso8601(&container.expiration), Some((seconds * 1e6).round() / 1e6));
        prop_assert!(harness::check_response(200, &[], &bytes).is_ok());
    }

    #[test]
    fn any_text_or_jwt_gives_claims_or_a_typed_error(
        text in prop_oneof![any::<String>(), token()],
        subject in "\\PC{0,60}", namespace in "[a-z0-9-]{1,20}", exp in any::<u32>(),
        now in (0u64..=time::MAX_EPOCH_SECONDS as u64).prop_map(|s| UNIX_EPOCH + Duration::from_secs(s)),
    ) {
        let _ = harness::check_token(&text, now);
        let claims = json!({ "sub": subject, "aud": ["pods.eks.amazonaws.com"], "exp": exp, "kubernetes.io": { "namespace": namespace } });
        let jwt = format!("{}.{}.c2ln", b64(br#"{"alg":"RS256","kid":"k"}"#), b64(claims.to_string().as_bytes()));
        let parsed = token::parse_token(&jwt).expect("a JWT of JSON parts");
        prop_assert_eq!(parsed.subject.as_deref(), Some(subject.as_str()));
        prop_assert_eq!(parsed.namespace.as_deref(), Some(namespace.as_str()));
        prop_assert_eq!(parsed.expires_at, Some(f64::from(exp)));
        prop_assert!(harness::check_token(&jwt, now).is_ok());
    }
}

/// JSON bodies of the answer's shape with members of any type, so parsing goes past the syntax.
fn json_body() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<i64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        Just(json!("2025-11-28T15:00:00Z")),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec!["credentials", "sessionToken", "secretAccessKey", "accessKeyId", "expiration", "subject", "namespace", "assumedRoleUser", "arn", "message", "__type", "code"]),
                inner,
                0..4,
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    });
    value.prop_map(|v| serde_json::to_vec(&v).unwrap())
}

fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}
