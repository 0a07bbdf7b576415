//! The console's explanations (`src/inspect.rs`): token checks pass and fail on the right tokens,
//! and the explained signature is the one the signed request carries — on every botocore vector.

use eks_auth_wasm::inspect::{explain_signature, inspect_token, CheckStatus, TokenInspection, CHECKS};
use eks_auth_wasm::request::build_assume_role_request;
use eks_auth_wasm::time;
use serde_json::{json, Value};
use std::time::SystemTime;

#[path = "support/reference_signer.rs"]
mod reference_signer;
#[path = "support/vectors.rs"]
mod vectors;
use vectors::{input_of, load};
use reference_signer::reference_sign_built;

// ---- tokens ---------------------------------------------------------------------------------

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

const SIGNATURE_SEGMENT: &str = "c2lnbmF0dXJlLW5vdC12ZXJpZmllZC1oZXJl";
/// 2025-11-28T15:00:00Z
const IAT: i64 = 1_764_342_000;

fn jwt(claims: &Value) -> String {
    let header = json!({ "alg": "RS256", "kid": "0123456789abcdef0123456789abcdef01234567" });
    format!("{}.{}.{SIGNATURE_SEGMENT}", base64url(header.to_string().as_bytes()), base64url(claims.to_string().as_bytes()))
}

/// A projected EKS Pod Identity token as the kubelet writes it (the facts file's shape).
fn claims() -> Value {
    json!({
        "aud": ["pods.eks.amazonaws.com"],
        "exp": IAT + 86_400,
        "iat": IAT,
        "iss": "https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF",
        "jti": "7d1a3c5e-0000-4000-8000-000000000001",
        "kubernetes.io": {
            "namespace": "default",
            "node": { "name": "ip-10-0-0-1.us-west-2.compute.internal", "uid": "node-uid" },
            "pod": { "name": "my-pod", "uid": "pod-uid" },
            "serviceaccount": { "name": "my-sa", "uid": "sa-uid" }
        },
        "nbf": IAT,
        "sub": "system:serviceaccount:default:my-sa"
    })
}

fn at(seconds: i64) -> SystemTime {
    time::from_epoch_millis(seconds as f64 * 1000.0).unwrap()
}

fn status(inspection: &TokenInspection, name: &str) -> CheckStatus {
    inspection.checks.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no check {name}")).status
}

fn failing(inspection: &TokenInspection) -> Vec<&'static str> {
    inspection.checks.iter().filter(|c| c.status == CheckStatus::Fail).map(|c| c.name).collect()
}

#[test]
fn a_projected_token_passes_every_check_and_reads_whole() {
    let token = jwt(&claims());
    let i = inspect_token(&token, at(IAT + 3_600));
    assert_eq!(i.checks.iter().map(|c| c.name).collect::<Vec<_>>(), CHECKS);
    assert_eq!(failing(&i), Vec::<&str>::new(), "{:?}", i.checks);
    assert!(i.valid);
    let json = |value: &Option<Value>| value.clone().unwrap();
    assert_eq!(json(&i.header)["alg"], "RS256");
    assert_eq!(json(&i.claims)["jti"], "7d1a3c5e-0000-4000-8000-000000000001");
    assert_eq!(i.namespace.as_deref(), Some("default"));
    assert_eq!(i.service_account.as_deref(), Some("my-sa"));
    assert_eq!(i.pod_name.as_deref(), Some("my-pod"));
    assert_eq!(i.pod_uid.as_deref(), Some("pod-uid"));
    assert_eq!(i.node_name.as_deref(), Some("ip-10-0-0-1.us-west-2.compute.internal"));
    assert_eq!(i.audience, ["pods.eks.amazonaws.com"]);
    // Times relative to the instant given, not to any clock.
    assert_eq!(i.now, (IAT + 3_600) as f64);
    assert_eq!(i.expires_in, Some(23.0 * 3_600.0));
    assert_eq!(i.age, Some(3_600.0));
    let expiry = i.checks.iter().find(|c| c.name == "not-expired").unwrap();
    assert_eq!(expiry.detail, "expires at 2025-11-29T15:00:00Z, in 23 h by the clock used (2025-11-28T16:00:00Z)");
    // Nothing of the signature segment comes back, in any form.
    let out = serde_json::to_string(&i).unwrap() + &format!("{i:?}");
    assert!(!out.contains(SIGNATURE_SEGMENT) && !out.contains(&token));
}

#[test]
fn expiry_and_not_before_are_judged_by_the_instant_given() {
    let token = jwt(&claims());
    let expired = inspect_token(&token, at(IAT + 86_400));
    assert_eq!(failing(&expired), ["not-expired"], "exp == now is expired, as jose and EKS Auth judge it");
    assert_eq!(expired.expires_in, Some(0.0));
    let later = inspect_token(&token, at(IAT + 2 * 86_400));
    assert_eq!(later.expires_in, Some(-86_400.0));
    assert!(later.checks[2].detail.starts_with("expired at 2025-11-29T15:00:00Z, 1 d before the clock used"), "{}", later.checks[2].detail);
    assert!(!later.valid);

    let early = inspect_token(&token, at(IAT - 600));
    assert_eq!(failing(&early), ["not-before"]);
    assert!(early.checks[3].detail.contains("10 min after the clock used"), "{}", early.checks[3].detail);
    // Sub-second instants judge by whole seconds, as JWT times are.
    assert_eq!(status(&inspect_token(&token, time::from_epoch_millis(IAT as f64 * 1000.0 + 999.0).unwrap()), "not-before"), CheckStatus::Pass);

    let mut no_exp = claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_eq!(failing(&inspect_token(&jwt(&no_exp), at(IAT))), ["not-expired"]);
    let mut no_nbf = claims();
    no_nbf.as_object_mut().unwrap().remove("nbf");
    assert_eq!(failing(&inspect_token(&jwt(&no_nbf), at(IAT))), Vec::<&str>::new());
}

#[test]
fn each_face_check_fails_on_its_own_fault() {
    let now = at(IAT + 60);
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut c = claims();
        edit(&mut c);
        inspect_token(&jwt(&c), now)
    };
    let sts = with(&|c| c["aud"] = json!("sts.amazonaws.com"));
    assert_eq!(failing(&sts), ["audience"]);
    assert!(sts.checks[1].detail.starts_with("aud is sts.amazonaws.com, not pods.eks.amazonaws.com"));
    assert_eq!(failing(&with(&|c| c["aud"] = json!(["sts.amazonaws.com", "pods.eks.amazonaws.com"]))), Vec::<&str>::new());
    assert_eq!(failing(&with(&|c| c["aud"] = json!([]))), ["audience"]);

    let other = with(&|c| c["sub"] = json!("system:serviceaccount:default:other"));
    assert_eq!(failing(&other), ["subject"]);
    assert_eq!(other.checks[4].detail, "sub is system:serviceaccount:default:other, but kubernetes.io says system:serviceaccount:default:my-sa");
    assert_eq!(failing(&with(&|c| c["kubernetes.io"]["namespace"] = json!("kube-system"))), ["subject"]);
    assert_eq!(failing(&with(&|c| {
        c.as_object_mut().unwrap().remove("sub");
    })), ["subject"]);

    // A legacy or non-pod-bound token: no kubernetes.io pod.
    let unbound = with(&|c| {
        c["kubernetes.io"].as_object_mut().unwrap().remove("pod");
    });
    assert_eq!(failing(&unbound), ["pod-binding"]);
    assert_eq!(failing(&with(&|c| {
        c["kubernetes.io"]["pod"].as_object_mut().unwrap().remove("uid");
    })), ["pod-binding"]);
    let no_k8s = with(&|c| {
        c.as_object_mut().unwrap().remove("kubernetes.io");
    });
    assert_eq!(failing(&no_k8s), ["subject", "pod-binding"]);
}

#[test]
fn malformed_tokens_are_reported_not_refused() {
    let now = at(IAT);
    let token = jwt(&claims());
    let (header, rest) = token.split_once('.').unwrap();
    let (claims_part, _) = rest.split_once('.').unwrap();

    // Two segments: the claims still read, the shape check fails.
    let two = inspect_token(&format!("{header}.{claims_part}"), now);
    assert_eq!(failing(&two), ["three-segments"]);
    assert!(two.checks[0].detail.contains("got 2 part(s)"), "{}", two.checks[0].detail);
    assert_eq!(two.service_account.as_deref(), Some("my-sa"));

    // Surrounding whitespace (a file read with its newline) is not the token's fault.
    assert!(inspect_token(&format!("  {token}\n"), at(IAT + 1)).valid);

    for garbage in ["", "a.b.c", "not a token", "....", "eyJhbGciOiJSUzI1NiJ9.%%%.sig"] {
        let i = inspect_token(garbage, now);
        assert_eq!(i.checks.len(), CHECKS.len(), "{garbage:?}");
        assert!(!i.valid, "{garbage:?}");
        assert!(i.claims.is_none(), "{garbage:?}");
        for check in &i.checks[1..] {
            assert_eq!(check.status, CheckStatus::Fail, "{garbage:?} {}", check.name);
        }
    }
    assert_eq!(status(&inspect_token("a.b.c", now), "three-segments"), CheckStatus::Pass);
    assert_eq!(status(&inspect_token("a.b", now), "three-segments"), CheckStatus::Fail);

    // A claim past f64's range: serde_json refuses the segment (JSON.parse would read Infinity),
    // so the claims are not shown and every check on them fails; the inspection is still JSON.
    let (header, _) = token.split_once('.').unwrap();
    let huge = format!("{header}.{}.{SIGNATURE_SEGMENT}", base64url(br#"{"aud":"pods.eks.amazonaws.com","exp":5e400,"iat":1}"#));
    let i = inspect_token(&huge, now);
    let shown: Value = serde_json::from_str(&serde_json::to_string(&i).unwrap()).expect("the inspection is JSON to serde_json");
    assert!(shown.get("claims").is_none());
    assert_eq!(i.expires_at, None);
    assert_eq!(status(&i, "not-expired"), CheckStatus::Fail);
}

// ---- signatures ------------------------------------------------------------------------------


#[test]
fn explained_signature_is_the_signed_requests_on_every_botocore_vector() {
    let mut count = 0;
    for file in ["request-vectors.json", "extra-request-vectors.json"] {
        for vector in load(file)["vectors"].as_array().unwrap() {
            let id = vector["id"].as_str().unwrap();
            let expected = &vector["expected"];
            let input = input_of(&vector["input"]);
            let explained = explain_signature(&input).unwrap().unwrap_or_else(|| panic!("{id}: signed"));
            let request = build_assume_role_request(&input).unwrap();
            let authorization = &request.headers.iter().find(|(n, _)| n == "authorization").unwrap().1;
            // The Authorization sent ends with the explained signature...
            assert!(authorization.ends_with(&format!("Signature={}", explained.signature)), "{id}");
            // ... which aws-sigv4's full HTTP signer produces for the same request.
            assert_eq!(reference_sign_built(&input, &request).signature, explained.signature, "{id}: aws-sigv4");
            assert_eq!(&explained.authorization, authorization, "{id}");
            assert!(explained.matches_request, "{id}");
            // And both are botocore's.
            assert_eq!(explained.authorization, expected["authorization"].as_str().unwrap(), "{id}");
            assert_eq!(explained.signature, expected["signature"].as_str().unwrap(), "{id}");
            assert_eq!(explained.string_to_sign, expected["stringToSign"].as_str().unwrap(), "{id}");
            if let Some(creq) = expected["canonicalRequest"].as_str() {
                assert_eq!(explained.canonical_request, creq, "{id}");
            }
            if let Some(scope) = expected["credentialScope"].as_str() {
                assert_eq!(explained.credential_scope, scope, "{id}");
            }
            if let Some(signed) = expected["signedHeaders"].as_str() {
                assert_eq!(explained.signed_headers, signed, "{id}");
            }
            if let Some(hash) = expected["bodySha256"].as_str() {
                assert_eq!(explained.payload_hash, hash, "{id}");
            }
            let date = request.headers.iter().find(|(n, _)| n == "x-amz-date").unwrap();
            assert_eq!(explained.amz_date, date.1, "{id}");
            assert!(explained.string_to_sign.ends_with(&explained.canonical_request_hash));
            assert!(explained.credential_scope.starts_with(&explained.amz_date[..8]));
            // Debug shows neither the canonical request (it holds the session token) nor a secret.
            let debug = format!("{explained:?}");
            assert!(!debug.contains("x-amz-security-token:"), "{id}");
            if let Some(token) = input.credentials.as_ref().and_then(|c| c.session_token.as_deref()) {
                assert!(!debug.contains(token), "{id}");
            }
            count += 1;
        }
    }
    assert!(count >= 17, "{count} vectors");
}

#[test]
fn unsigned_requests_have_no_signature_to_explain_and_bad_input_is_refused_by_field() {
    let vectors = load("request-vectors.json");
    let mut input = input_of(&vectors["vectors"][0]["input"]);
    input.credentials = None;
    assert_eq!(explain_signature(&input).unwrap(), None);
    let mut bad = input_of(&vectors["vectors"][0]["input"]);
    bad.cluster_name = "-bad".into();
    let error = explain_signature(&bad).unwrap_err();
    assert_eq!((error.code(), error.field()), ("InvalidInput", Some("clusterName")));
}
