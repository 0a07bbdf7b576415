//! Requests and responses produced by the official AWS clients (`tests/data/eks-auth`):
//! byte-identical requests for botocore's inputs, and botocore's reading of every response.

use eks_auth_wasm::credentials::{to_container_credentials, to_credential_process};
use eks_auth_wasm::request::{assume_role_signing_stages, build_assume_role_request};
use eks_auth_wasm::response::{parse_assume_role_response, HttpResponse};
use eks_auth_wasm::sign::{sign, HttpRequest, SigningParams};
use serde_json::Value;

#[path = "support/reference_signer.rs"]
mod reference_signer;
#[path = "support/vectors.rs"]
mod vectors;
use vectors::{input_of, load};
use reference_signer::{reference_sign, reference_sign_built};


fn check_botocore_vector(vector: &Value) {
    let id = vector["id"].as_str().unwrap();
    let expected = &vector["expected"];
    let input = input_of(&vector["input"]);
    let request = build_assume_role_request(&input).unwrap_or_else(|e| panic!("{id}: {e}"));
    assert_eq!(request.method, expected["method"].as_str().unwrap(), "{id} method");
    assert_eq!(request.url, expected["url"].as_str().unwrap(), "{id} url");
    assert_eq!(request.body, expected["body"].as_str().unwrap(), "{id} body");
    // The headers botocore hands to its HTTP layer, less the client-specific ones, in its order.
    // The extra vectors do not list them: botocore's three are the same in both files.
    let client_specific: Vec<String> = match expected["clientSpecificHeaders"].as_array() {
        Some(list) => list.iter().map(|h| h.as_str().unwrap().to_ascii_lowercase()).collect(),
        None => ["user-agent", "amz-sdk-invocation-id", "amz-sdk-request"].map(String::from).to_vec(),
    };
    let theirs: Vec<(String, String)> = expected["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h[0].as_str().unwrap().to_ascii_lowercase(), h[1].as_str().unwrap().to_string()))
        .filter(|(n, _)| !client_specific.contains(n) && n != "content-length")
        .collect();
    assert_eq!(request.headers, theirs, "{id} headers");
    let auth = request.headers.iter().find(|(n, _)| n == "authorization").unwrap();
    assert_eq!(auth.1, expected["authorization"].as_str().unwrap(), "{id} authorization");
    if let Some(signed) = expected["signedHeaders"].as_str() {
        assert!(auth.1.contains(&format!("SignedHeaders={signed},")), "{id} signed headers");
    }

    let stages = assume_role_signing_stages(&input).unwrap().unwrap();
    if let Some(creq) = expected["canonicalRequest"].as_str() {
        assert_eq!(stages.canonical_request, creq, "{id} canonical request");
    }
    assert_eq!(stages.string_to_sign, expected["stringToSign"].as_str().unwrap(), "{id} string to sign");
    assert_eq!(stages.signature, expected["signature"].as_str().unwrap(), "{id} stage signature = aws-sigv4's");
    assert_eq!(stages.authorization, auth.1);

    // The same request through aws-sigv4's full HTTP signer gives the same signature.
    let reference = reference_sign_built(&input, &request);
    assert_eq!(reference.header("authorization"), Some(auth.1.as_str()), "{id} aws-sigv4's full signer");
}

#[test]
fn botocore_request_vectors() {
    let vectors = load("request-vectors.json");
    let list = vectors["vectors"].as_array().unwrap();
    assert_eq!(list.len(), 13);
    list.iter().for_each(check_botocore_vector);
}

#[test]
fn botocore_extra_request_vectors() {
    let vectors = load("extra-request-vectors.json");
    let list = vectors["vectors"].as_array().unwrap();
    assert!(list.len() >= 4);
    list.iter().for_each(check_botocore_vector);
}

#[test]
fn cluster_names_outside_the_model_pattern_are_refused_before_signing() {
    let vectors = load("request-vectors.json");
    let list = vectors["outsideModelPattern"].as_array().unwrap();
    assert_eq!(list.len(), 6);
    for vector in list {
        let err = build_assume_role_request(&input_of(&vector["input"])).unwrap_err();
        assert_eq!(err.code(), "InvalidInput", "{}", vector["id"]);
        assert_eq!(err.field(), Some("clusterName"), "{}", vector["id"]);
    }
}

/// The Rust SDK sends a different body and signs more headers; the generic signer, given its
/// exact headers and body, reproduces its signature.
#[test]
fn rust_sdk_vectors_through_the_generic_signer() {
    let vectors = load("request-vectors.json");
    for vector in vectors["rustSdkVectors"].as_array().unwrap() {
        let expected = &vector["expected"];
        let input = input_of(&vector["input"]);
        let signed: Vec<&str> = expected["signedHeaders"].as_str().unwrap().split(';').collect();
        let headers: Vec<(&str, &str)> = expected["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_str().unwrap(), h[1].as_str().unwrap()))
            .filter(|(n, _)| signed.contains(n) && *n != "x-amz-date")
            .collect();
        let credentials = input.credentials.clone().unwrap();
        let params = SigningParams::new(&credentials, input.region.as_deref().unwrap(), "eks-auth", input.now);
        let request = HttpRequest {
            method: "POST",
            url: expected["url"].as_str().unwrap(),
            headers: &headers,
            body: expected["body"].as_str().unwrap().as_bytes(),
        };
        let out = sign(&request, &params).unwrap();
        assert_eq!(out.signature, expected["signature"].as_str().unwrap(), "{}", vector["id"]);
        let reference = reference_sign(&request, &params).unwrap();
        assert_eq!(reference.signature, out.signature, "{} aws-sigv4's full signer", vector["id"]);
    }
}

fn response_of(vector: &Value) -> (u16, Vec<(String, String)>, String) {
    let r = &vector["response"];
    let headers = r["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h[0].as_str().unwrap().to_string(), h[1].as_str().unwrap().to_string()))
        .collect();
    (r["status"].as_u64().unwrap() as u16, headers, r["body"].as_str().unwrap().to_string())
}

#[test]
fn response_vectors_read_as_botocore_reads_them() {
    let vectors = load("response-vectors.json");
    let list = vectors["vectors"].as_array().unwrap();
    assert_eq!(list.len(), 12);
    for vector in list {
        let id = vector["id"].as_str().unwrap();
        let (status, headers, body) = response_of(vector);
        let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let header_request_id = pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case("x-amzn-requestid")).map(|(_, v)| *v);
        let parsed = parse_assume_role_response(&HttpResponse { status, headers: &pairs, body: body.as_bytes() });
        let botocore = &vector["botocore"];
        if botocore["result"] == "success" {
            let result = parsed.unwrap_or_else(|e| panic!("{id}: {e}"));
            let mut ours: serde_json::Value = serde_json::from_str(&serde_json::to_string(&result).unwrap()).unwrap();
            let mut theirs = botocore["parsed"].clone();
            let expiration = theirs["credentials"]["expiration"].take();
            let ours_expiration = ours["credentials"]["expiration"].take();
            assert_eq!(ours, theirs, "{id}: every member as botocore parsed it");
            assert_eq!(ours_expiration.as_f64(), expiration["epochSeconds"].as_f64(), "{id} epoch seconds");
            let rfc3339 = to_container_credentials(&result).unwrap().expiration;
            assert_eq!(rfc3339, expiration["iso8601Utc"].as_str().unwrap(), "{id} RFC 3339");
            assert_eq!(to_credential_process(&result).unwrap().expiration, rfc3339);
        } else {
            let err = parsed.unwrap_err();
            assert_eq!(err.code(), botocore["errorCode"].as_str().unwrap(), "{id} code");
            assert_eq!(err.message(), botocore["errorMessage"].as_str().unwrap(), "{id} message");
            assert_eq!(err.status(), Some(botocore["httpStatusCode"].as_u64().unwrap() as u16), "{id} status");
            // Request id as the header gives it (kept even where botocore drops it).
            assert_eq!(err.request_id(), header_request_id, "{id} request id");
            if let Some(theirs) = botocore["requestId"].as_str() {
                assert_eq!(err.request_id(), Some(theirs));
            }
            let retried = botocore["attemptsStandardRetryMode(max3)"].as_u64().unwrap() > 1;
            assert_eq!(err.retryable(), retried, "{id} retryable as botocore's standard mode");
        }
    }
}

#[test]
fn echoed_session_tokens_never_reach_the_error() {
    let body = r#"{"message":"The request signature we calculated does not match the signature you provided.\n\nThe Canonical String for this request should have been\n'POST\n/clusters/c/assume-role-for-pod-identity\n\ncontent-type:application/json\nhost:h\nx-amz-date:20240101T000000Z\nx-amz-security-token:FwoGZXIvYXdzEXAMPLE\n\ncontent-type;host;x-amz-date;x-amz-security-token\nabc'\n"}"#;
    let headers = [("x-amzn-ErrorType", "InvalidSignatureException")];
    let err = parse_assume_role_response(&HttpResponse { status: 403, headers: &headers, body: body.as_bytes() }).unwrap_err();
    assert_eq!(err.code(), "InvalidSignatureException");
    assert!(!err.to_string().contains("FwoGZXIvYXdzEXAMPLE"));
    assert!(!format!("{err:?}").contains("FwoGZXIvYXdzEXAMPLE"));
    assert!(err.message().contains("x-amz-security-token:<redacted>\n"));
    assert!(!err.retryable() && !err.irrecoverable());
}
