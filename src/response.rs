//! Reading EKS Auth's answers: a 200 body into [`AssumeRoleResult`], anything else into a typed
//! [`ServiceError`] by the restJson1 rules botocore applies.

use crate::error::{Error, Fault, ServiceError};
use crate::retry;
use crate::time;
use crate::json::{self, ObjectWriter, ToJson, Value};
use std::borrow::Cow;
use std::cell::Cell;
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

/// The 200 answer, members named and ordered as on the wire. Every member is optional because
/// botocore tolerates their absence; hosts that need one check for it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AssumeRoleResult {
    /// Namespace and service account of the pod.
    pub subject: Option<Subject>,
    /// Always `pods.eks.amazonaws.com`.
    pub audience: Option<String>,
    /// The association that granted the role.
    pub pod_identity_association: Option<PodIdentityAssociation>,
    /// The assumed role session.
    pub assumed_role_user: Option<AssumedRoleUser>,
    /// The pod's temporary credentials.
    pub credentials: Option<PodCredentials>,
    /// Present in newer models only.
    pub workload_identity_provider_arn: Option<String>,
}

/// `subject`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subject {
    /// Kubernetes namespace.
    pub namespace: Option<String>,
    /// Kubernetes service account.
    pub service_account: Option<String>,
}

/// `podIdentityAssociation`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodIdentityAssociation {
    /// Association ARN.
    pub association_arn: Option<String>,
    /// Association id.
    pub association_id: Option<String>,
}

/// `assumedRoleUser`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AssumedRoleUser {
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub arn: Option<String>,
    /// `<RoleId>:<session>`.
    pub assume_role_id: Option<String>,
}

/// `credentials`: the pod's temporary AWS credentials. `Debug` hides the secrets.
#[derive(Clone, PartialEq, Default)]
pub struct PodCredentials {
    /// Session token; secret.
    pub session_token: Option<String>,
    /// Secret access key; secret.
    pub secret_access_key: Option<String>,
    /// Access key id.
    pub access_key_id: Option<String>,
    /// Expiry, epoch seconds (as on the wire; may have a fraction).
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
    let mut result = None;
    read_members(response, &mut |members| result = Some(members.to_result()))?;
    Ok(result.unwrap_or_default())
}

/// The 200 answer's members as read, borrowed from the body (or from its parse where a string
/// had escapes): the result without copying its strings, for the JavaScript boundary's reading.
/// No `Debug`: it holds the secret access key and session token.
#[derive(Clone, Default)]
pub(crate) struct Members<'v> {
    /// Present: `subject`, `podIdentityAssociation`, `assumedRoleUser`, `credentials`.
    pub objects: [bool; 4],
    /// `subject.{namespace,serviceAccount}`, `audience`, `podIdentityAssociation.{associationArn,
    /// associationId}`, `assumedRoleUser.{arn,assumeRoleId}`, `credentials.{sessionToken,
    /// secretAccessKey,accessKeyId}`, `workloadIdentityProviderArn`: wire order.
    pub strings: [Option<&'v str>; 11],
    /// `credentials.expiration`, epoch seconds.
    pub expiration: Option<f64>,
    /// Some string had escapes in the body: it is not the body's text, so it has no place there
    /// for the boundary to point at.
    pub escaped: bool,
}

impl Members<'_> {
    pub(crate) fn to_result(&self) -> AssumeRoleResult {
        let [subject, association, user, credentials] = self.objects;
        let s = |i: usize| self.strings[i].map(String::from);
        AssumeRoleResult {
            subject: subject.then(|| Subject { namespace: s(0), service_account: s(1) }),
            audience: s(2),
            pod_identity_association: association
                .then(|| PodIdentityAssociation { association_arn: s(3), association_id: s(4) }),
            assumed_role_user: user.then(|| AssumedRoleUser { arn: s(5), assume_role_id: s(6) }),
            credentials: credentials.then(|| PodCredentials {
                session_token: s(7),
                secret_access_key: s(8),
                access_key_id: s(9),
                expiration: self.expiration,
            }),
            workload_identity_provider_arn: s(10),
        }
    }
}

/// Reads a response as [`parse_assume_role_response`] does and hands its members to `then`
/// (a `dyn` callback: one copy of the reader in the wasm for both of its users).
pub(crate) fn read_members(response: &HttpResponse<'_>, then: &mut dyn FnMut(&Members<'_>)) -> Result<(), Error> {
    if !(200..300).contains(&response.status) {
        return Err(Error::Service(parse_error(response)));
    }
    let malformed = |message: String| Error::MalformedResponse {
        message,
        status: response.status,
        request_id: response.request_id(),
    };
    let text = std::str::from_utf8(response.body).map_err(|_| malformed("body is not UTF-8".into()))?;
    let root = json::parse(text).map_err(|e| {
        malformed(if e.eof {
            format!("body is truncated JSON ({} bytes)", text.len())
        } else {
            format!("body is not JSON: {e}")
        })
    })?;
    if !root.is_object() {
        return Err(malformed(format!("body is a JSON {}, not an object", root.kind())));
    }
    let r = Reader { malformed: &malformed, escaped: Cell::new(false) };
    let mut m = Members::default();
    // Objects in wire order, each with its string members (and the expiry).
    let objects: [(&str, &[&str]); 4] = [
        ("subject", &["namespace", "serviceAccount"]),
        ("podIdentityAssociation", &["associationArn", "associationId"]),
        ("assumedRoleUser", &["arn", "assumeRoleId"]),
        ("credentials", &["sessionToken", "secretAccessKey", "accessKeyId"]),
    ];
    let mut next = 0;
    for (i, (key, members)) in objects.iter().enumerate() {
        if i == 1 {
            m.strings[next] = r.string(&root, "", "audience")?;
            next += 1;
        }
        let object = r.object(&root, key)?;
        m.objects[i] = object.is_some();
        for member in *members {
            if let Some(o) = object {
                m.strings[next] = r.string(o, key, member)?;
            }
            next += 1;
        }
        if let (Some(c), 3) = (object, i) {
            m.expiration = r.timestamp(c, "credentials", "expiration")?;
        }
    }
    m.strings[next] = r.string(&root, "", "workloadIdentityProviderArn")?;
    m.escaped = r.escaped.get();
    then(&m);
    Ok(())
}

impl ToJson for AssumeRoleResult {
    /// The wire's shape: absent members left out.
    fn write_json(&self, out: &mut String) {
        let pair = |o: &mut ObjectWriter<'_>, key: &str, (k1, v1): (&str, &Option<String>), (k2, v2): (&str, &Option<String>)| {
            o.with(key, |out| ObjectWriter::new(out).opt_str(k1, v1.as_deref()).opt_str(k2, v2.as_deref()).finish());
        };
        let mut o = ObjectWriter::new(out);
        if let Some(s) = &self.subject {
            pair(&mut o, "subject", ("namespace", &s.namespace), ("serviceAccount", &s.service_account));
        }
        o.opt_str("audience", self.audience.as_deref());
        if let Some(a) = &self.pod_identity_association {
            pair(&mut o, "podIdentityAssociation", ("associationArn", &a.association_arn), ("associationId", &a.association_id));
        }
        if let Some(u) = &self.assumed_role_user {
            pair(&mut o, "assumedRoleUser", ("arn", &u.arn), ("assumeRoleId", &u.assume_role_id));
        }
        if let Some(c) = &self.credentials {
            o.with("credentials", |out| {
                ObjectWriter::new(out)
                    .opt_str("sessionToken", c.session_token.as_deref())
                    .opt_str("secretAccessKey", c.secret_access_key.as_deref())
                    .opt_str("accessKeyId", c.access_key_id.as_deref())
                    .opt_num("expiration", c.expiration)
                    .finish();
            });
        }
        o.opt_str("workloadIdentityProviderArn", self.workload_identity_provider_arn.as_deref());
        o.finish();
    }
}

/// Epoch seconds a timestamp can be: 1970 to 9999.
fn valid_timestamp(seconds: f64) -> bool {
    seconds.is_finite() && (0.0..=time::MAX_EPOCH_SECONDS as f64).contains(&seconds)
}

/// Typed member access; `null` counts as absent, as botocore treats it.
struct Reader<'m> {
    malformed: &'m dyn Fn(String) -> Error,
    /// A string read had escapes (it is owned, not borrowed from the body).
    escaped: Cell<bool>,
}

impl Reader<'_> {
    /// `parent.key`, for messages only: the members read on every response name no path.
    fn path(parent: &str, key: &str) -> String {
        if parent.is_empty() { key.to_string() } else { format!("{parent}.{key}") }
    }

    fn wrong(&self, parent: &str, key: &str, want: &str, got: &Value<'_>) -> Error {
        (self.malformed)(format!("{} must be a {want}, got a {}", Self::path(parent, key), got.kind()))
    }

    fn object<'v, 'a>(&self, obj: &'v Value<'a>, key: &str) -> Result<Option<&'v Value<'a>>, Error> {
        match obj.present(key) {
            None => Ok(None),
            Some(o) if o.is_object() => Ok(Some(o)),
            Some(other) => Err(self.wrong("", key, "JSON object", other)),
        }
    }

    fn string<'v>(&self, obj: &'v Value<'_>, parent: &str, key: &str) -> Result<Option<&'v str>, Error> {
        match obj.present(key) {
            None => Ok(None),
            Some(Value::String(s)) => {
                self.escaped.set(self.escaped.get() | matches!(s, Cow::Owned(_)));
                Ok(Some(s))
            }
            Some(other) => Err(self.wrong(parent, key, "string", other)),
        }
    }

    /// Epoch seconds (integer, fraction, exponent) or an ISO 8601 string, as botocore accepts.
    fn timestamp(&self, obj: &Value<'_>, parent: &str, key: &str) -> Result<Option<f64>, Error> {
        let seconds = match obj.present(key) {
            None => return Ok(None),
            Some(n @ Value::Number(_)) => n.as_f64(),
            Some(Value::String(s)) => time::parse_iso8601(s).or_else(|| json::parse_number(s.trim())),
            Some(other) => return Err(self.wrong(parent, key, "timestamp (epoch seconds or ISO 8601 string)", other)),
        };
        match seconds {
            Some(s) if valid_timestamp(s) => Ok(Some(s)),
            _ => Err((self.malformed)(format!(
                "{} is not a timestamp between 1970 and 9999 (epoch seconds or ISO 8601)",
                Self::path(parent, key)
            ))),
        }
    }
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
    let body: Option<Value<'_>> =
        std::str::from_utf8(response.body).ok().and_then(|t| json::parse(t).ok()).filter(Value::is_object);
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
        None => {
            let mut code = String::new();
            json::write_u64(&mut code, u64::from(response.status));
            (code, reason_phrase(response.status).to_string())
        }
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
    fn reason_phrases() {
        assert_eq!(reason_phrase(100), "Continue");
        assert_eq!(reason_phrase(404), "Not Found");
        assert_eq!(reason_phrase(511), "Network Authentication Required");
        for unknown in [0, 99, 418, 599, 1404, u16::MAX] {
            assert_eq!(reason_phrase(unknown), "", "{unknown}");
        }
    }
}
