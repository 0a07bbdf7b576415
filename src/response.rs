//! Reading EKS Auth's answers: a 200 body into [`AssumeRoleResult`], anything else into a typed
//! [`ServiceError`] by the restJson1 rules botocore applies.

use crate::error::{Error, Fault, ServiceError};
use crate::retry;
use crate::shape;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// An HTTP response as the host received it.
#[derive(Debug, Clone, Copy)]
pub struct HttpResponse<'a> {
    /// Status code.
    pub status: u16,
    /// Header pairs, any name case.
    pub headers: &'a [(&'a str, &'a str)],
    /// Body bytes.
    pub body: &'a [u8],
}

impl HttpResponse<'_> {
    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    }

    fn request_id(&self) -> Option<String> {
        self.header("x-amzn-requestid").map(String::from)
    }
}

/// The 200 answer, members named and ordered as on the wire: the body's shape, and JavaScript's
/// `AssumeRoleResult`. Every member is optional because botocore tolerates their absence; hosts
/// that need one check for it. `null` reads as absent, unknown members are ignored, and an absent
/// member is no property.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AssumeRoleResult {
    /// Namespace and service account of the pod.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    /// Always `pods.eks.amazonaws.com`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// The association that granted the role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_identity_association: Option<PodIdentityAssociation>,
    /// The assumed role session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumed_role_user: Option<AssumedRoleUser>,
    /// The pod's temporary credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<PodCredentials>,
    /// Present in newer models only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload_identity_provider_arn: Option<String>,
}

/// `subject`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Subject {
    /// Kubernetes namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Kubernetes service account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
}

/// `podIdentityAssociation`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodIdentityAssociation {
    /// Association ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub association_arn: Option<String>,
    /// Association id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub association_id: Option<String>,
}

/// `assumedRoleUser`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AssumedRoleUser {
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// `<RoleId>:<session>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assume_role_id: Option<String>,
}

/// `credentials`: the pod's temporary AWS credentials. `Debug` hides the secrets.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodCredentials {
    /// Session token; secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
    /// Secret access key; secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_access_key: Option<String>,
    /// Access key id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// Expiry, epoch seconds (as on the wire; may have a fraction). Read from epoch seconds
    /// (integer, fraction, exponent) or an ISO 8601 string, as botocore reads it.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "shape::timestamp")]
    pub expiration: Option<f64>,
}

impl fmt::Debug for PodCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "** redacted **");
        f.debug_struct("PodCredentials")
            .field("session_token", &hidden(&self.session_token))
            .field("secret_access_key", &hidden(&self.secret_access_key))
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// Reads a response: 2xx → the result; anything else → [`Error::Service`].
///
/// # Errors
/// `Service` for error statuses; `MalformedResponse` for a 2xx body that is not the shape.
pub fn parse_assume_role_response(response: &HttpResponse<'_>) -> Result<AssumeRoleResult, Error> {
    if !(200..300).contains(&response.status) {
        return Err(Error::Service(parse_error(response)));
    }
    let malformed = |message: String| Error::MalformedResponse {
        message,
        status: response.status,
        request_id: response.request_id(),
    };
    // EKS Auth's answer read in one pass into the result. A derived reader refuses a duplicate
    // member, and takes an array for an object (its elements as the members in order): a body that
    // holds a `[` or does not read so is read again below, through a `Value`.
    if !response.body.contains(&b'[') {
        let mut reader = serde_json::Deserializer::from_slice(response.body);
        if let Ok(result) = AssumeRoleResult::deserialize(&mut reader) {
            if reader.end().is_ok() {
                return Ok(result);
            }
        }
    }
    if std::str::from_utf8(response.body).is_err() {
        return Err(malformed("body is not UTF-8".into()));
    }
    // Through a `Value`: a duplicate member's last value wins there, as in botocore and
    // `JSON.parse` (a derived reader refuses duplicates).
    let root: Value = serde_json::from_slice(response.body).map_err(|e| {
        malformed(if e.is_eof() {
            format!("body is truncated JSON ({} bytes)", response.body.len())
        } else {
            format!("body is not JSON: {e}")
        })
    })?;
    if !root.is_object() {
        return Err(malformed(format!("body is a JSON {}, not an object", shape::kind(&root))));
    }
    // A derived reader would take an array for an object, its elements as the members in order.
    for member in ["subject", "podIdentityAssociation", "assumedRoleUser", "credentials"] {
        if let Some(value) = root.get(member).filter(|v| !v.is_null() && !v.is_object()) {
            return Err(malformed(format!("{member} must be a JSON object, got a {}", shape::kind(value))));
        }
    }
    shape::read(&root).map_err(|(path, rule)| malformed(format!("{path} {rule}")))
}

/// Reads a response a Rust HTTP client received (hyper, reqwest): its status and headers from
/// `parts`, and its body. Header values that are not text are left out.
///
/// # Errors
/// As [`parse_assume_role_response`].
pub fn parse_http_response(parts: &http::response::Parts, body: &[u8]) -> Result<AssumeRoleResult, Error> {
    let headers: Vec<(&str, &str)> =
        parts.headers.iter().filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?))).collect();
    parse_assume_role_response(&HttpResponse { status: parts.status.as_u16(), headers: &headers, body })
}

/// Error types the EKS Pod Identity Agent treats as final for a token (it evicts and stops retrying).
const IRRECOVERABLE: &[&str] = &[
    "AccessDeniedException",
    "ExpiredTokenException",
    "InvalidTokenException",
    "ResourceNotFoundException",
];

/// Reads an error response by restJson1's rules: type from `x-amzn-ErrorType`, else body
/// `code`/`Code`, else `__type`; cut at the first `:`, keep what follows the last `#`. No type at all
/// → the status as the code and its reason phrase as the message (botocore's fallback).
pub fn parse_error(response: &HttpResponse<'_>) -> ServiceError {
    let body: Option<Value> = serde_json::from_slice(response.body).ok().filter(Value::is_object);
    let body_str = |k: &str| body.as_ref().and_then(|b| b.get(k)).and_then(Value::as_str);
    let raw_type = response
        .header("x-amzn-errortype")
        .filter(|t| !t.is_empty())
        .or_else(|| body_str("code").or_else(|| body_str("Code")))
        .or_else(|| body_str("__type"))
        .filter(|t| !t.is_empty());
    // restJson1: the type before the first `:`, after the last `#`. A type that cuts to nothing
    // names no error: it falls back to the status, as a response without a type does.
    let error_type = raw_type
        .map(|t| t.split(':').next().unwrap_or(t))
        .map(|t| t.rsplit('#').next().unwrap_or(t))
        .filter(|t| !t.is_empty());
    let (code, message) = match error_type {
        Some(t) => {
            let message = body_str("message").or_else(|| body_str("Message")).unwrap_or_default();
            // A signature mismatch echoes the canonical request, session token included.
            (t.to_string(), crate::redact::redact(message, &[]))
        }
        None => (response.status.to_string(), reason_phrase(response.status).to_string()),
    };
    let status = response.status;
    let irrecoverable = IRRECOVERABLE.contains(&code.as_str()) && matches!(status, 400 | 404);
    ServiceError {
        retryable: retry::is_retryable(status, &code),
        irrecoverable,
        fault: if status >= 500 { Fault::Server } else { Fault::Client },
        request_id: response.request_id(),
        code,
        message,
        status,
    }
}

/// Standard reason phrases (Python's `http.HTTPStatus`, which botocore uses).
pub fn reason_phrase(status: u16) -> &'static str {
    // One text rather than a `match`: the match compiled to a jump table over 100-511 (1 KB of code).
    const PHRASES: &str = "\
100 Continue\n\
101 Switching Protocols\n\
200 OK\n\
201 Created\n\
202 Accepted\n\
204 No Content\n\
301 Moved Permanently\n\
302 Found\n\
303 See Other\n\
304 Not Modified\n\
307 Temporary Redirect\n\
308 Permanent Redirect\n\
400 Bad Request\n\
401 Unauthorized\n\
402 Payment Required\n\
403 Forbidden\n\
404 Not Found\n\
405 Method Not Allowed\n\
406 Not Acceptable\n\
407 Proxy Authentication Required\n\
408 Request Timeout\n\
409 Conflict\n\
410 Gone\n\
411 Length Required\n\
412 Precondition Failed\n\
413 Request Entity Too Large\n\
414 Request-URI Too Long\n\
415 Unsupported Media Type\n\
416 Requested Range Not Satisfiable\n\
417 Expectation Failed\n\
421 Misdirected Request\n\
422 Unprocessable Entity\n\
423 Locked\n\
424 Failed Dependency\n\
425 Too Early\n\
426 Upgrade Required\n\
428 Precondition Required\n\
429 Too Many Requests\n\
431 Request Header Fields Too Large\n\
451 Unavailable For Legal Reasons\n\
500 Internal Server Error\n\
501 Not Implemented\n\
502 Bad Gateway\n\
503 Service Unavailable\n\
504 Gateway Timeout\n\
505 HTTP Version Not Supported\n\
506 Variant Also Negotiates\n\
507 Insufficient Storage\n\
508 Loop Detected\n\
510 Not Extended\n\
511 Network Authentication Required\n\
";
    if !(100..=999).contains(&status) {
        return "";
    }
    let code = [status / 100, status / 10 % 10, status % 10].map(|d| b'0' + d as u8);
    PHRASES.lines().find_map(|line| line.as_bytes().starts_with(&code).then(|| line.get(4..)).flatten()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_from_http_parts() {
        let response = http::Response::builder()
            .status(403)
            .header("x-amzn-RequestId", "r-1")
            .header("x-amzn-ErrorType", "AccessDeniedException")
            .body(br#"{"message":"no"}"#.to_vec())
            .unwrap();
        let (parts, body) = response.into_parts();
        let e = parse_http_response(&parts, &body).unwrap_err();
        assert_eq!((e.code(), e.message(), e.request_id()), ("AccessDeniedException", "no", Some("r-1")));
    }

    #[test]
    fn a_duplicate_member_reads_as_its_last_value() {
        let body = br#"{"audience":"a","credentials":{"accessKeyId":"A1","accessKeyId":"A2"},"audience":"b"}"#;
        let r = parse_assume_role_response(&HttpResponse { status: 200, headers: &[], body }).unwrap();
        assert_eq!(r.audience.as_deref(), Some("b"));
        assert_eq!(r.credentials.unwrap().access_key_id.as_deref(), Some("A2"));
    }

    #[test]
    fn reason_phrases() {
        assert_eq!(reason_phrase(100), "Continue");
        assert_eq!(reason_phrase(404), "Not Found");
        assert_eq!(reason_phrase(511), "Network Authentication Required");
        for unknown in [0, 99, 418, 599, 1404, u16::MAX] {
            assert_eq!(reason_phrase(unknown), "", "{unknown}");
        }
    }
}
