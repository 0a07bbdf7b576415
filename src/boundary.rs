//! What each JavaScript export does, as ordinary Rust: every argument is read from a serde
//! `Deserializer` (serde-wasm-bindgen's in the wasm, serde_json's in tests and fuzzing) into its
//! shape, and every answer is a shape that serializes. `wasm.rs` holds only the shims that hand
//! JavaScript values to these functions and their answers back.
//!
//! A shape that does not read is an `InvalidInput` naming the member at fault by its path
//! (`credentials.accessKeyId`), or the argument itself (`input`, `params`, `result`, `error`).

use crate::agent::{self, Freshness};
use crate::credentials::{self, ContainerCredentials, CredentialProcess};
use crate::endpoint::{resolve_endpoint as resolve, EndpointParams};
use crate::error::{Error, ErrorFields, Fault};
use crate::redact;
use crate::request::{self, AssumeRoleRequest, SignedRequest};
use crate::response::{self, AssumeRoleResult, HttpResponse};
use crate::retry;
use crate::shape::{self, HeaderPairs};
use crate::sign::SigningStages;
use crate::token::{self, TokenClaims};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Reads the argument `name` as `T`, naming the member at fault.
fn read<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D, name: &str) -> Result<T, Error>
where
    D::Error: fmt::Display,
{
    shape::read_with(d).map_err(|(path, rule)| Error::input(if path.is_empty() { name.to_string() } else { path }, rule))
}

/// `buildAssumeRoleRequest`'s (and `signingStages`') argument: JavaScript's `AssumeRoleInput`.
///
/// # Errors
/// `InvalidInput` naming the member at fault.
pub fn assume_role_input<'de, D: Deserializer<'de>>(d: D) -> Result<AssumeRoleRequest, Error>
where
    D::Error: fmt::Display,
{
    read(d, "input")
}

/// `buildAssumeRoleRequest(input)` → the signed request. `input` makes a deserializer of the
/// argument: it is read once without tracking where a member lies (every request the sidecar and
/// the client send passes here), and again with it only to name the member at fault.
///
/// # Errors
/// As [`request::build_assume_role_request`], and [`assume_role_input`]'s.
pub fn build_assume_role_request<'de, D: Deserializer<'de>>(input: impl Fn() -> D) -> Result<SignedRequest, Error>
where
    D::Error: fmt::Display,
{
    let request = match AssumeRoleRequest::deserialize(input()) {
        Ok(request) => request,
        Err(_) => assume_role_input(input())?,
    };
    request::build_assume_role_request(&request)
}

/// The session token of `input`'s credentials, to redact from what is shown.
fn session_token(input: &AssumeRoleRequest) -> Vec<&str> {
    input.credentials.as_ref().and_then(|c| c.session_token.as_deref()).into_iter().collect()
}

/// `signingStages(input)` → the SigV4 stages of the request `buildAssumeRoleRequest` builds, with
/// the session token redacted from the canonical request; `None` when unsigned.
///
/// # Errors
/// As [`build_assume_role_request`].
pub fn signing_stages<'de, D: Deserializer<'de>>(input: D) -> Result<Option<SigningStages>, Error>
where
    D::Error: fmt::Display,
{
    let input = assume_role_input(input)?;
    Ok(request::assume_role_signing_stages(&input)?.map(|mut s| {
        s.canonical_request = redact::redact(&s.canonical_request, &session_token(&input));
        s
    }))
}

/// `explainSignature(input)` → every SigV4 stage and whether they lead to the request's
/// `Authorization`; the session token redacted from the canonical request; `None` when unsigned.
///
/// # Errors
/// As [`build_assume_role_request`].
pub fn explain_signature<'de, D: Deserializer<'de>>(input: D) -> Result<Option<crate::inspect::SignatureExplanation>, Error>
where
    D::Error: fmt::Display,
{
    let input = assume_role_input(input)?;
    Ok(crate::inspect::explain_signature(&input)?.map(|mut e| {
        e.canonical_request = redact::redact(&e.canonical_request, &session_token(&input));
        e
    }))
}

/// `resolveEndpoint`'s argument: JavaScript's `EndpointParams`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EndpointInput {
    #[serde(default)]
    region: Option<String>,
    #[serde(default, deserialize_with = "shape::null_as_false")]
    use_fips: bool,
    #[serde(default)]
    endpoint: Option<String>,
}

/// `resolveEndpoint(params)` → the endpoint URL.
///
/// # Errors
/// `InvalidInput` naming the member; `InvalidConfiguration` from the rule set.
pub fn resolve_endpoint<'de, D: Deserializer<'de>>(params: D) -> Result<String, Error>
where
    D::Error: fmt::Display,
{
    let p: EndpointInput = read(params, "params")?;
    resolve(&EndpointParams { region: p.region.as_deref(), use_fips: p.use_fips, endpoint: p.endpoint.as_deref() }).map(|e| e.url())
}

/// A status as JavaScript gives it: a number, an HTTP status code.
fn http_status(status: Option<f64>) -> Result<u16, Error> {
    match status {
        Some(s) if s.fract() == 0.0 && (100.0..=599.0).contains(&s) => Ok(s as u16),
        _ => Err(Error::input("status", "must be an HTTP status code (100-599)")),
    }
}

/// Response headers as a caller gives them (`[name, value]` pairs or an object of strings or
/// numbers; `null` for none).
///
/// # Errors
/// `InvalidInput` on `headers`.
pub fn header_pairs<'de, D: Deserializer<'de>>(headers: D) -> Result<Vec<(String, String)>, Error>
where
    D::Error: fmt::Display,
{
    shape::read_with::<HeaderPairs, _>(headers)
        .map(|pairs| pairs.0)
        .map_err(|(_, rule)| Error::input("headers", ["must be [name, value] pairs or an object of strings: ", &rule].concat()))
}

/// `parseAssumeRoleResponse(response)` → the result. `headers` is asked for only when the body
/// alone does not make the answer (an error, which names the request): a caller whose headers
/// may be malformed reads them first, with [`header_pairs`].
///
/// # Errors
/// `InvalidInput` on `status`; as [`response::parse_assume_role_response`] otherwise.
pub fn parse_assume_role_response(
    status: Option<f64>,
    body: &[u8],
    headers: impl FnOnce() -> Result<Vec<(String, String)>, Error>,
) -> Result<AssumeRoleResult, Error> {
    let status = http_status(status)?;
    if (200..300).contains(&status) {
        if let Ok(result) = response::parse_assume_role_response(&HttpResponse { status, headers: &[], body }) {
            return Ok(result);
        }
    }
    let headers = headers()?;
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    response::parse_assume_role_response(&HttpResponse { status, headers: &pairs, body })
}

/// A result as `parseAssumeRoleResponse` gives it, back as an argument: its complaints are about
/// `result`.
fn result_arg<'de, D: Deserializer<'de>>(result: D) -> Result<AssumeRoleResult, Error>
where
    D::Error: fmt::Display,
{
    shape::read_with(result).map_err(|(path, rule)| {
        Error::input("result", if path.is_empty() { ["must be an object: ", &rule].concat() } else { [path.as_str(), " ", &rule].concat() })
    })
}

/// `toContainerCredentials(result)` → the EKS Pod Identity Agent's answer.
///
/// # Errors
/// `InvalidInput` on `result`, or naming the credentials member it lacks.
pub fn to_container_credentials<'de, D: Deserializer<'de>>(result: D) -> Result<ContainerCredentials, Error>
where
    D::Error: fmt::Display,
{
    credentials::to_container_credentials(&result_arg(result)?)
}

/// `toCredentialProcess(result)` → the `credential_process` output.
///
/// # Errors
/// As [`to_container_credentials`].
pub fn to_credential_process<'de, D: Deserializer<'de>>(result: D) -> Result<CredentialProcess, Error>
where
    D::Error: fmt::Display,
{
    credentials::to_credential_process(&result_arg(result)?)
}

/// `toShellExports(result)` → `export` lines.
///
/// # Errors
/// As [`to_container_credentials`].
pub fn to_shell_exports<'de, D: Deserializer<'de>>(result: D) -> Result<String, Error>
where
    D::Error: fmt::Display,
{
    credentials::to_shell_exports(&result_arg(result)?)
}

/// `clockSkew`'s argument.
#[derive(Deserialize)]
struct ClockSkewParams {
    now: f64,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// `clockSkew({ now, date?, code?, message? })` → the offset in ms to add to the host clock.
///
/// # Errors
/// `InvalidInput` naming the member.
pub fn clock_skew<'de, D: Deserializer<'de>>(params: D) -> Result<Option<f64>, Error>
where
    D::Error: fmt::Display,
{
    let p: ClockSkewParams = read(params, "params")?;
    if !p.now.is_finite() {
        return Err(Error::input("now", "must be epoch milliseconds"));
    }
    Ok(retry::clock_skew_ms(p.now, p.date.as_deref(), p.code.as_deref(), p.message.as_deref()))
}

/// What the EKS Pod Identity Agent answers SDKs for a failed exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentAnswer {
    /// HTTP status.
    pub status: u16,
    /// Text body.
    pub body: String,
}

/// `agentErrorResponse(error)` → `{ status, body }`, for an `EksAuthError`-shaped object.
///
/// # Errors
/// `InvalidInput` naming the member of `error` that is not of its type.
pub fn agent_error_response<'de, D: Deserializer<'de>>(error: D) -> Result<AgentAnswer, Error>
where
    D::Error: fmt::Display,
{
    let e: ErrorFields = shape::read_with(error)
        .map_err(|(path, rule)| Error::input(if path.is_empty() { "error".to_string() } else { ["error.", &path].concat() }, rule))?;
    let code = if e.code.is_empty() { "NetworkError".to_string() } else { e.code };
    let error = match (ErrorFields { code, ..e }).into_error() {
        Ok(error) => error,
        // No HTTP status (network, timeout): the agent answers 500, fault on the server side.
        Err(e) => return Ok(AgentAnswer { status: 500, body: agent::error_body(None, &e.code, &e.message, Fault::Server) }),
    };
    let (status, body) = agent::error_response(&error);
    Ok(AgentAnswer { status, body })
}

/// `credentialsFreshness`'s argument (all epoch or duration ms).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FreshnessParams {
    now: f64,
    fetched_at: f64,
    expiration: f64,
    #[serde(default)]
    max_retention: Option<f64>,
}

/// Where cached credentials stand.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FreshnessAnswer {
    /// Serve, serve and renew, or fetch anew.
    pub state: Freshness,
    /// When to renew, epoch ms.
    pub renew_at: f64,
}

/// `credentialsFreshness({ now, fetchedAt, expiration, maxRetention? })` → `{ state, renewAt }`.
///
/// # Errors
/// `InvalidInput` naming the member that is not a finite number.
pub fn credentials_freshness<'de, D: Deserializer<'de>>(params: D) -> Result<FreshnessAnswer, Error>
where
    D::Error: fmt::Display,
{
    let p: FreshnessParams = read(params, "params")?;
    let finite = |name: &str, n: f64| if n.is_finite() { Ok(n) } else { Err(Error::input(name, "must be a finite number")) };
    let (now, fetched_at, expiration) = (finite("now", p.now)?, finite("fetchedAt", p.fetched_at)?, finite("expiration", p.expiration)?);
    let max_retention = match p.max_retention {
        None => agent::DEFAULT_MAX_RETENTION_MS,
        Some(n) => finite("maxRetention", n)?,
    };
    Ok(FreshnessAnswer {
        state: agent::freshness(now, fetched_at, expiration, max_retention),
        renew_at: agent::renew_at_ms(fetched_at, expiration, max_retention),
    })
}

/// `parseToken(token)` → the token's claims (unverified).
///
/// # Errors
/// `InvalidInput` on `token`.
pub fn parse_token(token: Option<&str>) -> Result<TokenClaims, Error> {
    token::parse_token(token.ok_or_else(|| Error::input("token", "must be a string"))?)
}

/// `inspectToken`'s argument.
#[derive(Deserialize)]
struct InspectParams {
    token: String,
    #[serde(deserialize_with = "shape::epoch_millis")]
    now: std::time::SystemTime,
}

/// `inspectToken({ token, now })` → what the token says and the checks EKS Auth applies.
///
/// # Errors
/// `InvalidInput` naming the member.
pub fn inspect_token<'de, D: Deserializer<'de>>(params: D) -> Result<crate::inspect::TokenInspection, Error>
where
    D::Error: fmt::Display,
{
    let p: InspectParams = read(params, "params")?;
    Ok(crate::inspect::inspect_token(&p.token, p.now))
}

/// `parseIso8601`'s argument.
#[derive(Deserialize)]
struct Iso8601Params {
    #[serde(default)]
    text: Option<String>,
}

/// `parseIso8601({ text })` → epoch milliseconds, `None` when `text` is not an ISO 8601 date-time.
///
/// # Errors
/// `InvalidInput` naming the member.
pub fn parse_iso8601<'de, D: Deserializer<'de>>(params: D) -> Result<Option<f64>, Error>
where
    D::Error: fmt::Display,
{
    let p: Iso8601Params = read(params, "params")?;
    Ok(crate::time::parse_iso8601(&p.text.unwrap_or_default()).map(|s| s * 1000.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn errors_name_the_argument_or_the_member() {
        let e = build_assume_role_request(|| &Value::Null).unwrap_err();
        assert_eq!((e.code(), e.field()), ("InvalidInput", Some("input")));
        let input = json!({"clusterName": "c", "token": "a.b.c", "now": 0, "credentials": {"accessKeyId": "A"}});
        let e = build_assume_role_request(|| &input).unwrap_err();
        assert_eq!(e.field(), Some("credentials.secretAccessKey"));
        assert_eq!(resolve_endpoint(&json!({"region": 5})).unwrap_err().field(), Some("region"));
        assert_eq!(clock_skew(&json!({})).unwrap_err().field(), Some("now"));
        assert_eq!(to_container_credentials(&json!({"credentials": 5})).unwrap_err().field(), Some("result"));
        assert_eq!(to_container_credentials(&json!({"audience": "x"})).unwrap_err().field(), Some("credentials"));
    }

    #[test]
    fn a_2xx_reads_its_headers_only_for_an_error() {
        let ok = br#"{"credentials":{"accessKeyId":"A","expiration":1764342000}}"#;
        let r = parse_assume_role_response(Some(200.0), ok, || panic!("headers read")).unwrap();
        assert_eq!(r.credentials.unwrap().expiration, Some(1_764_342_000.0));
        let e = parse_assume_role_response(Some(200.0), b"[", || Ok(vec![("X-Amzn-RequestId".into(), "r-1".into())])).unwrap_err();
        assert_eq!((e.code(), e.request_id()), ("MalformedResponse", Some("r-1")));
        assert_eq!(parse_assume_role_response(Some(99.0), ok, || Ok(vec![])).unwrap_err().field(), Some("status"));
        assert_eq!(parse_assume_role_response(None, ok, || Ok(vec![])).unwrap_err().field(), Some("status"));
    }

    #[test]
    fn the_agent_answer_for_an_error_object() {
        let a = agent_error_response(&json!({"code": "ThrottlingException", "message": "Rate exceeded", "status": 429, "requestId": "r-9"})).unwrap();
        assert_eq!(a, AgentAnswer { status: 429, body: "[r-9]: (ThrottlingException): Rate exceeded, fault: client".into() });
        let a = agent_error_response(&json!({"message": "down"})).unwrap();
        assert_eq!(a, AgentAnswer { status: 500, body: "[]: (NetworkError): down, fault: server".into() });
    }
}
