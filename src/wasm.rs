//! The JavaScript boundary: the only file that knows about wasm-bindgen.
//!
//! Every export takes its arguments as one JSON text and answers JSON text: `{"ok": value}` or
//! `{"error": {code, message, field?, status?, requestId?, retryable, irrecoverable, fault}}`.
//! One string each way costs less than a property read per field across the boundary, needs no
//! JS-object code in the wasm (`js-sys`, `serde-wasm-bindgen`), and turns a thrown exception into
//! a value. `pkg/core.js` writes the JSON (a `Date` as epoch ms, `Headers` as pairs) and throws
//! `EksAuthError` for an `error` answer. Inputs are read here, naming the property at fault.
//!
//! The two calls on every exchange pass typed values: `buildAssumeRoleRequestFrom` (the strings as
//! one buffer after their lengths, the request back as HTTP message text; beside a JSON form, taken when
//! the input lacks its types) and `readAssumeRoleResult` (a 2xx body; where its members lie in
//! it, left in the module's memory; beside `readAssumeRoleResponse`, which takes the headers and
//! answers JSON, for errors and rare bodies). Their errors are the same JSON answers.
//!
//! The helpers the exports share are `#[inline(never)]`: at `opt-level = 2` LLVM would inline a
//! copy into each export.

use crate::agent;
use crate::credentials;
use crate::endpoint::{resolve_endpoint as resolve, EndpointParams};
use crate::error::{Error, Fault, ServiceError};
#[cfg(feature = "console")]
use crate::inspect;
use crate::json::{self, ObjectWriter, ToJson, Value};
use crate::redact;
use crate::request::{self, AssumeRoleRequest};
use crate::response::{self, AssumeRoleResult, HttpResponse};
use crate::retry;
use crate::sign::Credentials;
use crate::time;
use crate::token;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::SystemTime;
use wasm_bindgen::prelude::*;

/// talc rather than std's dlmalloc: smaller and faster in wasm. Safe to construct: it checks for
/// single-threaded wasm itself.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[inline(never)]
fn error_text(error: &Error) -> String {
    // A service error's message is the service's own (botocore's `Error.Message`); the code is
    // beside it. Every other kind reads best with the field or rule in front.
    let message = match error {
        Error::Service(e) => e.message.clone(),
        other => other.text(),
    };
    let mut out = String::with_capacity(message.len() + 128);
    out.push_str("{\"error\":");
    let mut o = ObjectWriter::new(&mut out);
    o.str("code", error.code()).str("message", &message).opt_str("field", error.field());
    o.opt_num("status", error.status().map(f64::from)).opt_str("requestId", error.request_id());
    o.bool("retryable", error.retryable()).bool("irrecoverable", error.irrecoverable()).str("fault", error.fault().as_str());
    o.finish();
    out.push('}');
    out
}

fn answer<T: ToJson>(result: Result<T, Error>) -> String {
    match result {
        Ok(value) => {
            let mut out = String::from("{\"ok\":");
            value.write_json(&mut out);
            out.push('}');
            out
        }
        Err(error) => error_text(&error),
    }
}

/// An argument object, parsed from the JSON text JavaScript passed.
#[inline(never)]
fn args<'a>(text: &'a str, name: &str) -> Result<Value<'a>, Error> {
    match json::parse(text) {
        Ok(v) if v.is_object() => Ok(v),
        _ => Err(Error::input(name, "must be an object")),
    }
}

/// A string property; absent or `null` is `None`.
#[inline(never)]
fn string_prop(obj: &Value<'_>, key: &str, path: &str) -> Result<Option<String>, Error> {
    match obj.present(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.to_string())),
        Some(_) => Err(Error::input(path, "must be a string")),
    }
}

#[inline(never)]
fn required_string(obj: &Value<'_>, key: &str, path: &str) -> Result<String, Error> {
    string_prop(obj, key, path)?.ok_or_else(|| Error::input(path, "is required"))
}

#[inline(never)]
fn bool_prop(obj: &Value<'_>, key: &str) -> Result<bool, Error> {
    match obj.present(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(Error::input(key, "must be a boolean")),
    }
}

#[inline(never)]
fn number_prop(obj: &Value<'_>, key: &str) -> Result<f64, Error> {
    obj.present(key).and_then(Value::as_f64).filter(|n| n.is_finite()).ok_or_else(|| Error::input(key, "must be a finite number"))
}

#[inline(never)]
fn credentials_prop(obj: &Value<'_>) -> Result<Option<Credentials>, Error> {
    let c = match obj.present("credentials") {
        None => return Ok(None),
        Some(c) if c.is_object() => c,
        Some(_) => return Err(Error::input("credentials", "must be an object")),
    };
    Ok(Some(caller_credentials(
        required_string(c, "accessKeyId", "credentials.accessKeyId")?,
        required_string(c, "secretAccessKey", "credentials.secretAccessKey")?,
        string_prop(c, "sessionToken", "credentials.sessionToken")?,
    )))
}

fn caller_credentials(access_key_id: String, secret_access_key: String, session_token: Option<String>) -> Credentials {
    // An empty session token is how unset environment variables often arrive: treat it as absent.
    Credentials { access_key_id, secret_access_key, session_token: session_token.filter(|t| !t.is_empty()) }
}

/// Epoch milliseconds as the signing time, naming `key` when out of range.
#[inline(never)]
fn instant(key: &str, millis: f64) -> Result<SystemTime, Error> {
    time::from_epoch_millis(millis).ok_or_else(|| Error::input(key, "must be a valid time between 1970 and 9999"))
}

/// An instant: epoch milliseconds (`pkg/core.js` passes a `Date` as its time).
#[inline(never)]
fn instant_prop(obj: &Value<'_>, key: &str) -> Result<SystemTime, Error> {
    let millis = match obj.present(key) {
        Some(n @ Value::Number(_)) => n.as_f64().unwrap_or(f64::NAN),
        None => return Err(Error::input(key, "is required: the core has no clock (pass Date.now() or a Date)")),
        Some(_) => return Err(Error::input(key, "must be epoch milliseconds (a number) or a Date")),
    };
    instant(key, millis)
}

#[inline(never)]
fn assume_role_input(text: &str) -> Result<AssumeRoleRequest, Error> {
    let input = args(text, "input")?;
    Ok(AssumeRoleRequest {
        cluster_name: required_string(&input, "clusterName", "clusterName")?,
        token: required_string(&input, "token", "token")?,
        region: string_prop(&input, "region", "region")?,
        credentials: credentials_prop(&input)?,
        now: instant_prop(&input, "now")?,
        use_fips: bool_prop(&input, "useFips")?,
        endpoint: string_prop(&input, "endpoint", "endpoint")?,
        eks_node_name: string_prop(&input, "eksNodeName", "eksNodeName")?,
        instance_id: string_prop(&input, "instanceId", "instanceId")?,
        zone: string_prop(&input, "zone", "zone")?,
    })
}

/// `resolveEndpoint({ region, useFips?, endpoint? })` → the endpoint URL.
#[wasm_bindgen(js_name = resolveEndpoint)]
pub fn resolve_endpoint(params: &str) -> String {
    answer((|| {
        let params = args(params, "params")?;
        let region = string_prop(&params, "region", "region")?;
        let endpoint = string_prop(&params, "endpoint", "endpoint")?;
        let use_fips = bool_prop(&params, "useFips")?;
        resolve(&EndpointParams { region: region.as_deref(), use_fips, endpoint: endpoint.as_deref() }).map(|e| e.url())
    })())
}

/// `buildAssumeRoleRequest(input)` → the signed request as HTTP message text: `POST <url>`, one
/// `<name>: <value>` line per header, a blank line, the body. Every request the sidecar and the
/// client send passes here: message text needs no JSON escaping of the body or parse on the way
/// out, and cannot be ambiguous (the URL and header values are validated visible ASCII). An error
/// is the usual JSON answer, which starts with `{` where a request starts with its method.
#[wasm_bindgen(js_name = buildAssumeRoleRequest)]
pub fn build_assume_role_request(input: &str) -> String {
    request_text(assume_role_input(input))
}

/// The same, with the input's members already typed: what `pkg/core.js` calls when each has its
/// type (every request the sidecar and the client send). The strings come as one buffer: the
/// UTF-8 length of each of the ten [`FIELDS`] (little-endian `u32`), then their bytes, bit `i` of
/// `present` set when field `i` was given. One copy across the boundary instead of one per string
/// (wasm-bindgen copies an ASCII string with a JavaScript loop per character; `TextEncoder` is
/// native), and the lengths spare the core a search for separators through the token. A buffer
/// that does not hold its lengths answers `""` (`core.js` then sends the input as JSON).
#[wasm_bindgen(js_name = buildAssumeRoleRequestFrom)]
pub fn build_assume_role_request_from(fields: &[u8], present: u32, now: f64, use_fips: bool) -> String {
    let Some((lengths, mut rest)) = fields.split_at_checked(4 * FIELDS.len()) else { return String::new() };
    let mut parts = [""; FIELDS.len()];
    for ((part, length), name) in parts.iter_mut().zip(lengths.chunks_exact(4)).zip(FIELDS) {
        let length = <[u8; 4]>::try_from(length).map_or(usize::MAX, |b| u32::from_le_bytes(b) as usize);
        let Some((bytes, tail)) = rest.split_at_checked(length) else { return String::new() };
        match std::str::from_utf8(bytes) {
            Ok(text) => *part = text,
            Err(_) => return error_text(&Error::input(name, "must be UTF-8 text")),
        }
        rest = tail;
    }
    if !rest.is_empty() {
        return String::new();
    }
    let field = |i: usize| (present & (1 << i) != 0).then(|| parts[i].to_string());
    request_text((|| {
        let credentials = match (field(3), field(4)) {
            (Some(access_key_id), Some(secret_access_key)) => Some(caller_credentials(access_key_id, secret_access_key, field(5))),
            (None, None) => None,
            (None, Some(_)) => return Err(Error::input("credentials.accessKeyId", "is required")),
            (Some(_), None) => return Err(Error::input("credentials.secretAccessKey", "is required")),
        };
        Ok(AssumeRoleRequest {
            cluster_name: parts[0].to_string(),
            token: parts[1].to_string(),
            region: field(2),
            credentials,
            now: instant("now", now)?,
            use_fips,
            endpoint: field(6),
            eks_node_name: field(7),
            instance_id: field(8),
            zone: field(9),
        })
    })())
}

/// The fields of `buildAssumeRoleRequestFrom`'s buffer, by the names errors give them.
const FIELDS: [&str; 10] = [
    "clusterName",
    "token",
    "region",
    "credentials.accessKeyId",
    "credentials.secretAccessKey",
    "credentials.sessionToken",
    "endpoint",
    "eksNodeName",
    "instanceId",
    "zone",
];

#[inline(never)]
fn request_text(input: Result<AssumeRoleRequest, Error>) -> String {
    match input.and_then(|input| request::build_assume_role_request(&input)) {
        Ok(r) => {
            let headers: usize = r.headers.iter().map(|(n, v)| n.len() + v.len() + 3).sum();
            let mut text = String::with_capacity(r.method.len() + r.url.len() + headers + r.body.len() + 3);
            text.push_str(&r.method);
            text.push(' ');
            text.push_str(&r.url);
            text.push('\n');
            for (name, value) in &r.headers {
                text.push_str(name);
                text.push_str(": ");
                text.push_str(value);
                text.push('\n');
            }
            text.push('\n');
            text.push_str(&r.body);
            text
        }
        Err(e) => error_text(&e),
    }
}

/// The session token of `input`'s credentials, to redact from what is shown.
fn session_token(input: &AssumeRoleRequest) -> Vec<&str> {
    input.credentials.as_ref().and_then(|c| c.session_token.as_deref()).into_iter().collect()
}

/// `signingStages(input)` → the SigV4 stages of the request `buildAssumeRoleRequest` builds, with
/// the session token redacted from the canonical request; `null` when unsigned.
#[wasm_bindgen(js_name = signingStages)]
pub fn signing_stages(input: &str) -> String {
    answer(assume_role_input(input).and_then(|input| {
        Ok(request::assume_role_signing_stages(&input)?.map(|mut s| {
            s.canonical_request = redact::redact(&s.canonical_request, &session_token(&input));
            s
        }))
    }))
}

/// `explainSignature(input)` → every SigV4 stage of the request `buildAssumeRoleRequest` builds
/// for `input`, the `Authorization` it carries and whether they agree; the session token redacted
/// from the canonical request; `null` when unsigned.
#[cfg(feature = "console")]
#[wasm_bindgen(js_name = explainSignature)]
pub fn explain_signature(input: &str) -> String {
    answer(assume_role_input(input).and_then(|input| {
        Ok(inspect::explain_signature(&input)?.map(|mut e| {
            e.canonical_request = redact::redact(&e.canonical_request, &session_token(&input));
            e
        }))
    }))
}

fn http_status(status: f64) -> Result<u16, Error> {
    if status.fract() == 0.0 && (100.0..=599.0).contains(&status) {
        Ok(status as u16)
    } else {
        Err(Error::input("status", "must be an HTTP status code (100-599)"))
    }
}

/// Where [`read_assume_role_result`] writes a result: its presence mask (bits 0-3 the objects
/// `subject`, `podIdentityAssociation`, `assumedRoleUser`, `credentials`; 4-14 the strings in
/// wire order; 15 the expiry), then each string's start and end as offsets into the body's text.
/// JavaScript reads them in the module's memory, at [`result_spans`]: an array handed across per
/// call cost a fifth of a read.
static SPANS: [AtomicU32; 23] = [const { AtomicU32::new(0) }; 23];

/// `resultSpans()` → the address of [`SPANS`] in the module's memory.
#[wasm_bindgen(js_name = resultSpans)]
pub fn result_spans() -> u32 {
    SPANS.as_ptr() as u32
}

/// `readAssumeRoleResult(body)` → a 2xx body's expiry in epoch seconds (0 when absent), its
/// members' places in [`SPANS`] as byte offsets; -1 when the body is not read this way.
/// JavaScript slices the strings out of its own copy of the text: no string is built, copied or
/// decoded twice, and a slice is the cheapest string V8 makes (`pkg/core.js` `resultFrom`). Only
/// unescaped strings lie in the body: a body with others, and any body that is not a result, is
/// -1, and JavaScript asks [`read_assume_role_response`] for the answer or the error (as it does
/// when the text is not ASCII, where byte offsets are not its offsets: it knows by the lengths).
#[wasm_bindgen(js_name = readAssumeRoleResult)]
pub fn read_assume_role_result(body: &[u8]) -> f64 {
    let mut expiry = -1.0;
    let base = body.as_ptr() as usize;
    let _ = response::read_members(&HttpResponse { status: 200, headers: &[], body }, &mut |m| {
        if m.escaped {
            return;
        }
        let mut mask = 0;
        for (bit, present) in m.objects.iter().enumerate() {
            mask |= u32::from(*present) << bit;
        }
        for (i, string) in m.strings.iter().enumerate() {
            let start = string.map_or(0, |s| s.as_ptr() as usize - base);
            mask |= u32::from(string.is_some()) << (4 + i);
            SPANS[1 + 2 * i].store(start as u32, Relaxed);
            SPANS[2 + 2 * i].store((start + string.map_or(0, str::len)) as u32, Relaxed);
        }
        mask |= u32::from(m.expiration.is_some()) << 15;
        SPANS[0].store(mask, Relaxed);
        expiry = m.expiration.unwrap_or(0.0);
    });
    expiry
}

/// `readAssumeRoleResponse(status, message, headersLength)` → what `parseAssumeRoleResponse`
/// answers as JSON, from one buffer: the headers as UTF-8 `name\0value\0...` (the first
/// `headersLength` bytes), then the body. Headers that were not `[name, value]` pairs of strings
/// without NUL arrive as a `headersLength` past the buffer, a status that was not a number as
/// NaN: both are named here. Asked when [`read_assume_role_result`] answers nothing: an error,
/// or a result with escaped or non-ASCII strings.
#[wasm_bindgen(js_name = readAssumeRoleResponse)]
pub fn read_assume_role_response(status: f64, message: &[u8], headers_length: u32) -> String {
    let read = || {
        let status = http_status(status)?;
        let not_pairs = || Error::input("headers", "must be [name, value] pairs of strings without NUL");
        let (headers, body) = message.split_at_checked(headers_length as usize).ok_or_else(not_pairs)?;
        let headers = std::str::from_utf8(headers).map_err(|_| not_pairs())?;
        let mut parts = headers.split('\0');
        let mut pairs = Vec::new();
        while let Some(name) = parts.next().filter(|n| !n.is_empty() || !headers.is_empty()) {
            let value = parts.next().ok_or_else(not_pairs)?;
            pairs.push((name, value));
        }
        response::parse_assume_role_response(&HttpResponse { status, headers: &pairs, body })
    };
    answer(read())
}

/// A result as `parseAssumeRoleResponse` gives it: it has the wire's shape, so the response reader
/// reads it back (one reader, the same member checks), and its complaints are about `result`.
#[inline(never)]
fn result_arg(result: &str) -> Result<AssumeRoleResult, Error> {
    if !result.trim_start().starts_with('{') {
        return Err(Error::input("result", "must be an object"));
    }
    response::parse_assume_role_response(&HttpResponse { status: 200, headers: &[], body: result.as_bytes() })
        .map_err(|e| Error::input("result", crate::text::replace(e.message(), "body", "result", 1)))
}

/// `toContainerCredentials(result)` → the EKS Pod Identity Agent's JSON object.
#[wasm_bindgen(js_name = toContainerCredentials)]
pub fn to_container_credentials(result: &str) -> String {
    answer(result_arg(result).and_then(|r| credentials::to_container_credentials(&r)))
}

/// `toCredentialProcess(result)` → the `credential_process` JSON object.
#[wasm_bindgen(js_name = toCredentialProcess)]
pub fn to_credential_process(result: &str) -> String {
    answer(result_arg(result).and_then(|r| credentials::to_credential_process(&r)))
}

/// `toShellExports(result)` → `export` lines.
#[wasm_bindgen(js_name = toShellExports)]
pub fn to_shell_exports(result: &str) -> String {
    answer(result_arg(result).and_then(|r| credentials::to_shell_exports(&r)))
}

/// `backoffDelay(attempt, random)` → milliseconds to wait after `attempt` failed attempts.
#[wasm_bindgen(js_name = backoffDelay)]
pub fn backoff_delay(attempt: u32, random: f64) -> f64 {
    retry::backoff_delay_ms(attempt, random)
}

/// `clockSkew({ now, date?, code?, message? })` → the offset in ms to add to the host clock, or `null`.
#[wasm_bindgen(js_name = clockSkew)]
pub fn clock_skew(params: &str) -> String {
    answer((|| {
        let params = args(params, "params")?;
        let now = params.present("now").and_then(Value::as_f64).filter(|n| n.is_finite()).ok_or_else(|| Error::input("now", "must be epoch milliseconds"))?;
        let date = string_prop(&params, "date", "date")?;
        let code = string_prop(&params, "code", "code")?;
        let message = string_prop(&params, "message", "message")?;
        Ok(retry::clock_skew_ms(now, date.as_deref(), code.as_deref(), message.as_deref()))
    })())
}

/// `redact({ text, secrets })` → text with each secret and any `x-amz-security-token:` value redacted.
#[wasm_bindgen]
pub fn redact(params: &str) -> String {
    answer((|| {
        let params = args(params, "params")?;
        let text = required_string(&params, "text", "text")?;
        let secrets: Vec<&str> = match params.present("secrets") {
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        Ok(redact::redact(&text, &secrets))
    })())
}

struct AgentAnswer {
    status: u16,
    body: String,
}

impl ToJson for AgentAnswer {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out).num("status", f64::from(self.status)).str("body", &self.body).finish();
    }
}

/// `agentErrorResponse(error)` → `{ status, body }`: what the EKS Pod Identity Agent answers SDKs,
/// for an `EksAuthError`-shaped object (code, message, status, requestId, field, irrecoverable).
#[wasm_bindgen(js_name = agentErrorResponse)]
pub fn agent_error_response(error: &str) -> String {
    answer((|| {
        let error = args(error, "error")?;
        let code = string_prop(&error, "code", "error.code")?.unwrap_or_else(|| "NetworkError".into());
        let message = string_prop(&error, "message", "error.message")?.unwrap_or_default();
        let status = error.present("status").and_then(Value::as_f64).filter(|s| (100.0..=599.0).contains(s)).map(|s| s as u16);
        let request_id = string_prop(&error, "requestId", "error.requestId")?;
        let error = match (code.as_str(), status) {
            ("InvalidInput", _) => Error::input(string_prop(&error, "field", "error.field")?.unwrap_or_default(), message),
            ("InvalidConfiguration", _) => Error::configuration(message),
            ("MalformedResponse", Some(status)) => Error::MalformedResponse { message, status, request_id },
            (_, Some(status)) => Error::Service(ServiceError {
                retryable: retry::is_retryable(status, &code),
                irrecoverable: error.present("irrecoverable").and_then(Value::as_bool).unwrap_or(false),
                fault: if status >= 500 { Fault::Server } else { Fault::Client },
                code,
                message,
                status,
                request_id,
            }),
            // No HTTP status (network, timeout): the agent answers 500, fault on the server side.
            _ => return Ok(AgentAnswer { status: 500, body: agent::error_body(None, &code, &message, Fault::Server) }),
        };
        let (status, body) = agent::error_response(&error);
        Ok(AgentAnswer { status, body })
    })())
}

struct FreshnessAnswer {
    state: &'static str,
    renew_at: f64,
}

impl ToJson for FreshnessAnswer {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out).str("state", self.state).num("renewAt", self.renew_at).finish();
    }
}

/// `credentialsFreshness({ now, fetchedAt, expiration, maxRetention? })` (all epoch/duration ms)
/// → `{ state: 'fresh'|'renew'|'expired', renewAt }`.
#[wasm_bindgen(js_name = credentialsFreshness)]
pub fn credentials_freshness(params: &str) -> String {
    answer((|| {
        let params = args(params, "params")?;
        let now = number_prop(&params, "now")?;
        let fetched_at = number_prop(&params, "fetchedAt")?;
        let expiration = number_prop(&params, "expiration")?;
        let max_retention = match params.present("maxRetention") {
            None => agent::DEFAULT_MAX_RETENTION_MS,
            Some(_) => number_prop(&params, "maxRetention")?,
        };
        Ok(FreshnessAnswer {
            state: agent::freshness(now, fetched_at, expiration, max_retention).as_str(),
            renew_at: agent::renew_at_ms(fetched_at, expiration, max_retention),
        })
    })())
}

/// `errorRetryDelay(random)` → ms before retrying after a recoverable upstream error.
#[wasm_bindgen(js_name = errorRetryDelay)]
pub fn error_retry_delay(random: f64) -> f64 {
    agent::error_retry_delay_ms(random)
}

/// `parseToken({ token })` → the token's claims (unverified), or `InvalidInput` on `token`.
#[wasm_bindgen(js_name = parseToken)]
pub fn parse_token(params: &str) -> String {
    answer(args(params, "params").and_then(|p| token::parse_token(&required_string(&p, "token", "token")?)))
}

/// `inspectToken({ token, now })` → header and claims decoded, the checks EKS Auth applies on the
/// token's face with a verdict and reason each, and times relative to `now`. A malformed token is
/// not an error: that is what the checks report.
#[cfg(feature = "console")]
#[wasm_bindgen(js_name = inspectToken)]
pub fn inspect_token(params: &str) -> String {
    answer(args(params, "params").and_then(|p| {
        let token = required_string(&p, "token", "token")?;
        Ok(inspect::inspect_token(&token, instant_prop(&p, "now")?))
    }))
}

/// `parseIso8601({ text })` → epoch milliseconds, or `null` when `text` is not an ISO 8601
/// date-time with seconds (`2025-11-28T15:00:00Z`, `...T16:00:00.5+01:00`; no zone means UTC).
#[cfg(feature = "console")]
#[wasm_bindgen(js_name = parseIso8601)]
pub fn parse_iso8601(params: &str) -> String {
    answer(args(params, "params").and_then(|p| {
        Ok(time::parse_iso8601(&string_prop(&p, "text", "text")?.unwrap_or_default()).map(|s| s * 1000.0))
    }))
}

/// `hostAllowed(hostHeader, boundHosts)` → whether the `Host` header names an address served (DNS
/// rebinding defence). Strings only: it runs on every sidecar request.
#[wasm_bindgen(js_name = hostAllowed)]
pub fn host_allowed(header: &str, bound: &str) -> bool {
    let bound: Vec<&str> = bound.split(',').filter(|h| !h.is_empty()).collect();
    agent::host_allowed(header, &bound)
}
