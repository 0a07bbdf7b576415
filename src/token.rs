//! The pod's service-account token: its claims, read without verifying the signature (only EKS
//! Auth can). Enough to refuse what is not a JWT before a round trip, and to show or log who a
//! token is for without showing the token.

use crate::error::Error;
use crate::validate;
use serde::Serialize;
use serde_json::Value;

/// The claims a projected service-account token carries (Kubernetes docs; the facts file).
/// Absent claims are no property in JavaScript.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenClaims {
    /// `iss`: the cluster's OIDC issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// `sub`: `system:serviceaccount:<namespace>:<name>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// `aud`, always as a list.
    pub audience: Vec<String>,
    /// `exp`, epoch seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<f64>,
    /// `iat`, epoch seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<f64>,
    /// `nbf`, epoch seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<f64>,
    /// `kubernetes.io.namespace`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `kubernetes.io.serviceaccount.name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    /// `kubernetes.io.pod.name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_name: Option<String>,
    /// `kid` from the header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// `alg` from the header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
}

/// The audience EKS Auth requires.
pub const AUDIENCE: &str = "pods.eks.amazonaws.com";

fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in input.bytes().take_while(|c| *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A JWT segment's JSON object. A duplicate member's last value wins, as in `JSON.parse`.
pub(crate) fn decode_part(part: &str, what: &str) -> Result<Value, Error> {
    let bad = || Error::input("token", format!("{what} is not base64url-encoded JSON"));
    let bytes = base64url_decode(part).ok_or_else(bad)?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(v) if v.is_object() => Ok(v),
        _ => Err(bad()),
    }
}

/// The member at `path` under `kubernetes.io`, when a string.
pub(crate) fn kubernetes_claim(claims: &Value, path: &[&str]) -> Option<String> {
    path.iter().try_fold(claims.get("kubernetes.io")?, |v, k| v.get(k)).and_then(Value::as_str).map(String::from)
}

/// `aud`, a string or a list of strings, always as a list.
pub(crate) fn audience(claims: &Value) -> Vec<String> {
    match claims.get("aud") {
        Some(Value::String(a)) => vec![a.to_string()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).map(String::from).collect(),
        _ => Vec::new(),
    }
}

/// Reads a token's claims. The error never quotes the token.
///
/// # Errors
/// `InvalidInput` on `token` when it is not a JWT with JSON header and claims.
pub fn parse_token(token: &str) -> Result<TokenClaims, Error> {
    validate::token(token)?;
    let mut parts = token.split('.');
    let header = decode_part(parts.next().unwrap_or_default(), "the JWT header")?;
    let claims = decode_part(parts.next().unwrap_or_default(), "the JWT claims part")?;
    let s = |m: &Value, k: &str| m.get(k).and_then(Value::as_str).map(String::from);
    let n = |k: &str| claims.get(k).and_then(Value::as_f64);
    Ok(TokenClaims {
        issuer: s(&claims, "iss"),
        subject: s(&claims, "sub"),
        audience: audience(&claims),
        expires_at: n("exp"),
        issued_at: n("iat"),
        not_before: n("nbf"),
        namespace: kubernetes_claim(&claims, &["namespace"]),
        service_account: kubernetes_claim(&claims, &["serviceaccount", "name"]),
        pod_name: kubernetes_claim(&claims, &["pod", "name"]),
        key_id: s(&header, "kid"),
        algorithm: s(&header, "alg"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_claims() {
        // {"alg":"RS256","kid":"abc"} . {"sub":"system:serviceaccount:default:my-sa"} . signature
        let t = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImFiYyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpteS1zYSJ9.c2lnbmF0dXJl";
        let c = parse_token(t).unwrap();
        assert_eq!(c.subject.as_deref(), Some("system:serviceaccount:default:my-sa"));
        assert_eq!(c.key_id.as_deref(), Some("abc"));
        assert_eq!(parse_token("a.b.c").unwrap_err().field(), Some("token"));
    }
}
