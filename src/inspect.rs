//! Explanations for the debugging console (`www/`), as pure functions of their inputs: what a
//! pod's service-account token says and whether EKS Auth would accept it on its face
//! ([`inspect_token`]), and every SigV4 stage of the request the core signs
//! ([`explain_signature`]). Like the rest of the core they read no clock: the caller passes the
//! instant to judge by, so a page can answer "would this token have been valid at 09:14?".
//!
//! Neither verifies the token's signature (only EKS Auth holds the issuer's keys) and neither
//! returns the token or its signature segment.

use crate::error::Error;
use crate::request::{assume_role_signing_stages, build_assume_role_request, AssumeRoleRequest};
use crate::sign::SigningStages;
use crate::time;
use crate::token::{self, AUDIENCE};
use crate::validate;
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use std::time::SystemTime;

/// Names of the token checks, in the order they are reported. Stable: the console puts them in
/// `data-check` for users' own automation.
pub const CHECKS: [&str; 6] = ["three-segments", "audience", "not-expired", "not-before", "subject", "pod-binding"];

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// EKS Auth would not refuse the token for this reason.
    Pass,
    /// EKS Auth refuses such a token (`InvalidTokenException` or `ExpiredTokenException`).
    Fail,
}

/// One check on a token: its stable name (one of [`CHECKS`]), the verdict and why, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenCheck {
    /// One of [`CHECKS`].
    pub name: &'static str,
    /// The verdict.
    pub status: CheckStatus,
    /// The plain-language reason, with the values it was judged on (never the token).
    pub detail: String,
}

/// What a token says, judged at `now`. Claims are unverified: they say what the token claims.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenInspection {
    /// The decoded JOSE header (`alg`, `kid`), when the first segment is base64url JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<Value>,
    /// Every decoded claim, when the second segment is base64url JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<Value>,
    /// `iss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// `sub`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// `aud`, always as a list.
    pub audience: Vec<String>,
    /// `kubernetes.io.namespace`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `kubernetes.io.serviceaccount.name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    /// `kubernetes.io.pod.name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_name: Option<String>,
    /// `kubernetes.io.pod.uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_uid: Option<String>,
    /// `kubernetes.io.node.name` (absent on older Kubernetes versions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_name: Option<String>,
    /// `iat`, epoch seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<f64>,
    /// `exp`, epoch seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<f64>,
    /// `nbf`, epoch seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<f64>,
    /// The instant judged at, whole epoch seconds (JWT times are whole seconds).
    pub now: f64,
    /// `exp - now` in seconds: the time left, negative once expired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<f64>,
    /// `now - iat` in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<f64>,
    /// Every check of [`CHECKS`], in that order.
    pub checks: Vec<TokenCheck>,
    /// Every check passes.
    pub valid: bool,
}

/// Decodes and judges a token at `now`. Infallible: a token that does not even split into three
/// segments is still reported, with the checks it fails.
pub fn inspect_token(token: &str, now: SystemTime) -> TokenInspection {
    let now = time::epoch_seconds(now) as f64;
    let token = token.trim();
    let parts: Vec<&str> = token.split('.').collect();
    let segments = validate::token(token);
    let header = parts.first().and_then(|p| token::decode_part(p, "").ok()).map(as_javascript_reads);
    let claims = parts.get(1).and_then(|p| token::decode_part(p, "").ok()).map(as_javascript_reads);

    let parsed = claims.clone().unwrap_or(Value::Null);
    let c = &parsed;
    let string = |v: Option<&Value>| v.and_then(Value::as_str).map(String::from);
    let k8s = |path: &[&str]| token::kubernetes_claim(c, path);
    let number = |k: &str| c.get(k).and_then(Value::as_f64).filter(|n| n.is_finite());
    let audience = token::audience(c);
    let mut inspection = TokenInspection {
        issuer: string(c.get("iss")),
        subject: string(c.get("sub")),
        audience,
        namespace: k8s(&["namespace"]),
        service_account: k8s(&["serviceaccount", "name"]),
        pod_name: k8s(&["pod", "name"]),
        pod_uid: k8s(&["pod", "uid"]),
        node_name: k8s(&["node", "name"]),
        issued_at: number("iat"),
        expires_at: number("exp"),
        not_before: number("nbf"),
        now,
        expires_in: number("exp").map(|exp| exp - now),
        age: number("iat").map(|iat| now - iat),
        checks: Vec::new(),
        valid: false,
        header,
        claims: None,
    };

    let mut checks = Vec::with_capacity(CHECKS.len());
    let mut check = |name: &'static str, pass: bool, detail: String| {
        let status = if pass { CheckStatus::Pass } else { CheckStatus::Fail };
        checks.push(TokenCheck { name, status, detail });
    };
    check(
        "three-segments",
        segments.is_ok(),
        match &segments {
            Ok(()) => "three base64url segments: header.claims.signature".into(),
            Err(e) => format!("the token {}", e.message()),
        },
    );
    let Some(_) = &claims else {
        let why = if parts.len() < 2 {
            "no claims segment to read"
        } else {
            "the claims segment (the second) is not base64url-encoded JSON: not a JWT, or cut short when copied"
        };
        for name in &CHECKS[1..] {
            check(name, false, why.into());
        }
        inspection.checks = checks;
        return inspection;
    };
    let i = &inspection;

    check(
        "audience",
        i.audience.iter().any(|a| a == AUDIENCE),
        if i.audience.iter().any(|a| a == AUDIENCE) {
            format!("aud contains {AUDIENCE}")
        } else if i.audience.is_empty() {
            format!("no aud claim: EKS Auth requires {AUDIENCE}")
        } else {
            let audience = i.audience.join(", ");
            format!(
                "aud is {audience}, not {AUDIENCE}: not the token projected for EKS Pod Identity \
                 (use /var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token)"
            )
        },
    );

    let (expires_at, not_before) = (i.expires_at, i.not_before);
    check(
        "not-expired",
        expires_at.is_some_and(|exp| exp > now),
        match expires_at {
            None => "no exp claim: EKS Auth requires an expiry".into(),
            Some(exp) if exp > now => {
                format!("expires at {}, in {} by the clock used ({})", time::rfc3339(exp), duration(exp - now), time::rfc3339(now))
            }
            Some(exp) => format!(
                "expired at {}, {} before the clock used ({}): the kubelet rotates the projected token, read the file again",
                time::rfc3339(exp),
                duration(now - exp),
                time::rfc3339(now)
            ),
        },
    );
    check(
        "not-before",
        not_before.is_none_or(|nbf| nbf <= now),
        match not_before {
            None => "no nbf claim: valid from issue".into(),
            Some(nbf) if nbf <= now => format!("valid since {} (nbf), by the clock used ({})", time::rfc3339(nbf), time::rfc3339(now)),
            Some(nbf) => format!(
                "not valid yet: nbf is {}, {} after the clock used ({}); a clock is off, here or on the issuer",
                time::rfc3339(nbf),
                duration(nbf - now),
                time::rfc3339(now)
            ),
        },
    );

    let expected_subject = match (&i.namespace, &i.service_account) {
        (Some(ns), Some(sa)) => Some(format!("system:serviceaccount:{ns}:{sa}")),
        _ => None,
    };
    let subject_ok = expected_subject.is_some() && expected_subject == i.subject;
    check(
        "subject",
        subject_ok,
        match (&i.subject, &expected_subject) {
            (Some(sub), Some(_)) if subject_ok => format!("sub {sub} names the kubernetes.io namespace and service account"),
            (None, _) => "no sub claim".into(),
            (Some(sub), None) => {
                format!("sub is {sub}, but kubernetes.io has no namespace and service account name to match it against")
            }
            (Some(sub), Some(expected)) => format!("sub is {sub}, but kubernetes.io says {expected}"),
        },
    );

    let (pod, uid) = (&i.pod_name, &i.pod_uid);
    check(
        "pod-binding",
        pod.is_some() && uid.is_some(),
        match (pod, uid) {
            (Some(pod), Some(uid)) => format!("bound to pod {pod} (uid {uid})"),
            _ => "no kubernetes.io pod name and uid: the token is not bound to a pod; EKS Auth takes only the \
                  pod-bound token the kubelet projects"
                .into(),
        },
    );
    inspection.valid = checks.iter().all(|c| c.status == CheckStatus::Pass);
    inspection.checks = checks;
    inspection.claims = claims;
    inspection
}

/// `value` as `JSON.parse` reads it: an integer past 2^53 as the nearest double (serde_json keeps
/// it exact, which JavaScript cannot show).
fn as_javascript_reads(value: Value) -> Value {
    const SAFE: u64 = (1 << 53) - 1;
    match value {
        Value::Number(n) if n.as_u64().is_some_and(|u| u > SAFE) || n.as_i64().is_some_and(|i| i.unsigned_abs() > SAFE) => {
            n.as_f64().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(as_javascript_reads).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, as_javascript_reads(v))).collect()),
        other => other,
    }
}

/// `90061` → `1 d 1 h 1 min 1 s`; whole seconds.
fn duration(seconds: f64) -> String {
    let mut s = seconds.abs().round() as u64;
    let mut parts = Vec::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("min", 60)] {
        if s >= size {
            parts.push(format!("{} {unit}", s / size));
            s %= size;
        }
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    parts.join(" ")
}

/// Every SigV4 stage of the request [`build_assume_role_request`] signs, beside the
/// `Authorization` header that request carries. `canonical_request` holds the session token: the
/// JavaScript boundary redacts it, and `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureExplanation {
    /// The canonical request, exactly as hashed.
    pub canonical_request: String,
    /// Its SHA-256, hex: the last line of the string to sign.
    pub canonical_request_hash: String,
    /// The body's SHA-256, hex: the last line of the canonical request.
    pub payload_hash: String,
    /// `content-type;host;x-amz-date[;x-amz-security-token]`.
    pub signed_headers: String,
    /// `<yyyymmdd>/<region>/eks-auth/aws4_request`.
    pub credential_scope: String,
    /// `X-Amz-Date`, the signing time.
    pub amz_date: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The hex signature the stages lead to.
    pub signature: String,
    /// The `Authorization` header of the signed request itself (tests hold it to aws-sigv4's full signer).
    pub authorization: String,
    /// Whether the stages lead to exactly that header: what is shown is what is sent.
    pub matches_request: bool,
}

impl fmt::Debug for SignatureExplanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureExplanation")
            .field("signed_headers", &self.signed_headers)
            .field("credential_scope", &self.credential_scope)
            .field("signature", &self.signature)
            .field("matches_request", &self.matches_request)
            .finish_non_exhaustive()
    }
}

/// Explains the signature of the request [`build_assume_role_request`] builds for `input`:
/// `None` when it is unsigned (no credentials).
///
/// # Errors
/// As [`build_assume_role_request`]: `InvalidInput` naming the field, or `InvalidConfiguration`.
pub fn explain_signature(input: &AssumeRoleRequest) -> Result<Option<SignatureExplanation>, Error> {
    let Some(SigningStages { canonical_request, signed_headers, credential_scope, string_to_sign, signature, authorization: staged }) =
        assume_role_signing_stages(input)?
    else {
        return Ok(None);
    };
    let request = build_assume_role_request(input)?;
    let header = |name: &str| request.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let authorization = header("authorization");
    let last_line = |text: &str| text.rsplit('\n').next().unwrap_or_default().to_string();
    Ok(Some(SignatureExplanation {
        canonical_request_hash: last_line(&string_to_sign),
        payload_hash: last_line(&canonical_request),
        amz_date: header("x-amz-date"),
        matches_request: staged == authorization,
        canonical_request,
        signed_headers,
        credential_scope,
        string_to_sign,
        signature,
        authorization,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_past_2_53_read_as_javascript_reads_them() {
        let v = as_javascript_reads(serde_json::json!({"exp": u64::MAX, "iat": -9_007_199_254_740_993i64, "n": [1]}));
        assert!(v["exp"].is_f64() && v["iat"].is_f64());
        assert_eq!(v["n"], serde_json::json!([1]));
    }

    #[test]
    fn durations() {
        assert_eq!(duration(90_061.0), "1 d 1 h 1 min 1 s");
        assert_eq!(duration(-600.0), "10 min");
        assert_eq!(duration(0.0), "0 s");
    }
}
