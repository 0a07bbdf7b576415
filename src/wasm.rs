//! The JavaScript boundary: the only file that knows about wasm-bindgen. It reads JS values into
//! the core's types (naming the property at fault), calls the core, and turns results back into
//! plain objects with the wire's camelCase names. Errors are thrown as `Error`s named
//! `EksAuthError` that carry `code`, `field`, `status`, `requestId`, `retryable`, `irrecoverable`
//! and `fault`; `pkg/` re-wraps them as its `EksAuthError` class.

use crate::agent;
use crate::credentials;
use crate::endpoint::{resolve_endpoint as resolve, EndpointParams};
use crate::error::Error;
use crate::redact;
use crate::request::{self, AssumeRoleRequest};
use crate::response::{self, AssumeRoleResult, HttpResponse};
use crate::retry;
use crate::sign::Credentials;
use crate::time;
use js_sys::{Array, Date, Object, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

fn to_js_error(error: &Error) -> JsValue {
    // A service error's message is the service's own (botocore's `Error.Message`); the code is
    // beside it. Every other kind reads best with the field or rule in front.
    let message = match error {
        Error::Service(e) => e.message.clone(),
        other => other.to_string(),
    };
    let e = js_sys::Error::new(&message);
    e.set_name("EksAuthError");
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&e, &JsValue::from_str(k), &v);
    };
    set("code", error.code().into());
    if let Some(field) = error.field() {
        set("field", field.into());
    }
    if let Some(status) = error.status() {
        set("status", status.into());
    }
    if let Some(id) = error.request_id() {
        set("requestId", id.into());
    }
    set("retryable", error.retryable().into());
    set("irrecoverable", error.irrecoverable().into());
    set("fault", error.fault().as_str().into());
    e.into()
}

type JsResult<T> = Result<T, JsValue>;

fn fail<T>(error: Error) -> JsResult<T> {
    Err(to_js_error(&error))
}

fn input_error(field: &str, message: &str) -> JsValue {
    to_js_error(&Error::input(field, message))
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() {
        Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn object_arg(value: &JsValue, name: &str) -> JsResult<()> {
    if value.is_object() {
        Ok(())
    } else {
        Err(input_error(name, "must be an object"))
    }
}

/// A string property; `undefined`/`null` is absent.
fn string_prop(obj: &JsValue, key: &str, path: &str) -> JsResult<Option<String>> {
    let v = get(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| input_error(path, "must be a string"))
}

fn required_string(obj: &JsValue, key: &str, path: &str) -> JsResult<String> {
    string_prop(obj, key, path)?.ok_or_else(|| input_error(path, "is required"))
}

fn bool_prop(obj: &JsValue, key: &str) -> JsResult<bool> {
    let v = get(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(false);
    }
    v.as_bool().ok_or_else(|| input_error(key, "must be a boolean"))
}

fn credentials_prop(obj: &JsValue) -> JsResult<Option<Credentials>> {
    let c = get(obj, "credentials");
    if c.is_undefined() || c.is_null() {
        return Ok(None);
    }
    object_arg(&c, "credentials")?;
    Ok(Some(Credentials {
        access_key_id: required_string(&c, "accessKeyId", "credentials.accessKeyId")?,
        secret_access_key: required_string(&c, "secretAccessKey", "credentials.secretAccessKey")?,
        // An empty session token is how unset environment variables often arrive: treat it as absent.
        session_token: string_prop(&c, "sessionToken", "credentials.sessionToken")?.filter(|t| !t.is_empty()),
    }))
}

/// `now`: epoch milliseconds or a `Date`.
fn now_prop(obj: &JsValue) -> JsResult<std::time::SystemTime> {
    let v = get(obj, "now");
    let millis = if let Some(d) = v.dyn_ref::<Date>() {
        d.get_time()
    } else if let Some(n) = v.as_f64() {
        n
    } else if v.is_undefined() || v.is_null() {
        return Err(input_error("now", "is required: the core has no clock (pass Date.now() or a Date)"));
    } else {
        return Err(input_error("now", "must be epoch milliseconds (a number) or a Date"));
    };
    time::from_epoch_millis(millis)
        .ok_or_else(|| input_error("now", "must be a valid time between 1970 and 9999"))
}

fn assume_role_input(input: &JsValue) -> JsResult<AssumeRoleRequest> {
    object_arg(input, "input")?;
    Ok(AssumeRoleRequest {
        cluster_name: required_string(input, "clusterName", "clusterName")?,
        token: required_string(input, "token", "token")?,
        region: string_prop(input, "region", "region")?,
        credentials: credentials_prop(input)?,
        now: now_prop(input)?,
        use_fips: bool_prop(input, "useFips")?,
        endpoint: string_prop(input, "endpoint", "endpoint")?,
        eks_node_name: string_prop(input, "eksNodeName", "eksNodeName")?,
        instance_id: string_prop(input, "instanceId", "instanceId")?,
        zone: string_prop(input, "zone", "zone")?,
    })
}

fn to_js<T: Serialize>(value: &T) -> JsResult<JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
        .map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))
}

fn pairs_to_object(pairs: &[(String, String)]) -> Object {
    let obj = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&obj, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    obj
}

/// `resolveEndpoint({ region, useFips?, endpoint? })` → URL string.
#[wasm_bindgen(js_name = resolveEndpoint)]
pub fn resolve_endpoint(params: JsValue) -> JsResult<String> {
    object_arg(&params, "params")?;
    let region = string_prop(&params, "region", "region")?;
    let endpoint = string_prop(&params, "endpoint", "endpoint")?;
    let use_fips = bool_prop(&params, "useFips")?;
    resolve(&EndpointParams { region: region.as_deref(), use_fips, endpoint: endpoint.as_deref() })
        .map(|e| e.url())
        .or_else(fail)
}

/// `buildAssumeRoleRequest(input)` → `{ method, url, headers, body }`.
#[wasm_bindgen(js_name = buildAssumeRoleRequest)]
pub fn build_assume_role_request(input: JsValue) -> JsResult<JsValue> {
    let input = assume_role_input(&input)?;
    let request = request::build_assume_role_request(&input).or_else(fail)?;
    let out = Object::new();
    let set = |k: &str, v: &JsValue| {
        let _ = Reflect::set(&out, &JsValue::from_str(k), v);
    };
    set("method", &request.method.as_str().into());
    set("url", &request.url.as_str().into());
    set("headers", &pairs_to_object(&request.headers).into());
    set("body", &request.body.as_str().into());
    Ok(out.into())
}

/// `signingStages(input)` → the SigV4 stages of the request `buildAssumeRoleRequest` builds, with
/// the session token redacted from the canonical request; `null` when unsigned.
#[wasm_bindgen(js_name = signingStages)]
pub fn signing_stages(input: JsValue) -> JsResult<JsValue> {
    let input = assume_role_input(&input)?;
    let Some(stages) = request::assume_role_signing_stages(&input).or_else(fail)? else {
        return Ok(JsValue::NULL);
    };
    let token = input.credentials.as_ref().and_then(|c| c.session_token.as_deref());
    let out = Object::new();
    let set = |k: &str, v: &str| {
        let _ = Reflect::set(&out, &JsValue::from_str(k), &JsValue::from_str(v));
    };
    set("canonicalRequest", &redact::redact(&stages.canonical_request, &token.into_iter().collect::<Vec<_>>()));
    set("signedHeaders", &stages.signed_headers);
    set("credentialScope", &stages.credential_scope);
    set("stringToSign", &stages.string_to_sign);
    set("signature", &stages.signature);
    set("authorization", &stages.authorization);
    Ok(out.into())
}

/// Header pairs from a plain object, a `Headers` (anything iterable of pairs) or an array of pairs.
fn header_pairs(headers: &JsValue) -> JsResult<Vec<(String, String)>> {
    if headers.is_undefined() || headers.is_null() {
        return Ok(Vec::new());
    }
    let pair = |entry: JsValue| -> JsResult<(String, String)> {
        let arr: Array = entry.dyn_into().map_err(|_| input_error("headers", "entries must be [name, value] pairs"))?;
        let name = arr.get(0).as_string().ok_or_else(|| input_error("headers", "header names must be strings"))?;
        let value = arr.get(1);
        let value = value
            .as_string()
            .or_else(|| value.as_f64().map(|n| n.to_string()))
            .ok_or_else(|| input_error("headers", "header values must be strings"))?;
        Ok((name, value))
    };
    let is_iterable = headers.is_object()
        && Reflect::get(headers, &js_sys::Symbol::iterator()).map(|f| f.is_function()).unwrap_or(false);
    if is_iterable {
        let iter = js_sys::try_iter(headers)
            .map_err(|_| input_error("headers", "is not iterable"))?
            .ok_or_else(|| input_error("headers", "is not iterable"))?;
        iter.map(|entry| entry.map_err(|_| input_error("headers", "iteration failed")).and_then(pair)).collect()
    } else if headers.is_object() {
        Object::entries(headers.unchecked_ref()).iter().map(pair).collect()
    } else {
        Err(input_error("headers", "must be an object, a Headers or an array of [name, value] pairs"))
    }
}

fn body_bytes(body: &JsValue) -> JsResult<Vec<u8>> {
    if let Some(s) = body.as_string() {
        Ok(s.into_bytes())
    } else if let Some(u) = body.dyn_ref::<Uint8Array>() {
        Ok(u.to_vec())
    } else if let Some(b) = body.dyn_ref::<js_sys::ArrayBuffer>() {
        Ok(Uint8Array::new(b).to_vec())
    } else if body.is_undefined() || body.is_null() {
        Ok(Vec::new())
    } else {
        Err(input_error("body", "must be a string, a Uint8Array or an ArrayBuffer"))
    }
}

/// `parseAssumeRoleResponse({ status, headers, body })` → the result, or throws the service error.
#[wasm_bindgen(js_name = parseAssumeRoleResponse)]
pub fn parse_assume_role_response(http: JsValue) -> JsResult<JsValue> {
    object_arg(&http, "response")?;
    let status = get(&http, "status")
        .as_f64()
        .filter(|s| s.fract() == 0.0 && (100.0..=599.0).contains(s))
        .ok_or_else(|| input_error("status", "must be an HTTP status code (100-599)"))? as u16;
    let headers = header_pairs(&get(&http, "headers"))?;
    let body = body_bytes(&get(&http, "body"))?;
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let result = response::parse_assume_role_response(&HttpResponse { status, headers: &pairs, body: &body })
        .or_else(fail)?;
    to_js(&result)
}

fn result_arg(result: JsValue) -> JsResult<AssumeRoleResult> {
    object_arg(&result, "result")?;
    serde_wasm_bindgen::from_value(result).map_err(|e| input_error("result", &e.to_string()))
}

/// `toContainerCredentials(result)` → the EKS Pod Identity Agent's JSON object.
#[wasm_bindgen(js_name = toContainerCredentials)]
pub fn to_container_credentials(result: JsValue) -> JsResult<JsValue> {
    to_js(&credentials::to_container_credentials(&result_arg(result)?).or_else(fail)?)
}

/// `toCredentialProcess(result)` → the `credential_process` JSON object.
#[wasm_bindgen(js_name = toCredentialProcess)]
pub fn to_credential_process(result: JsValue) -> JsResult<JsValue> {
    to_js(&credentials::to_credential_process(&result_arg(result)?).or_else(fail)?)
}

/// `toShellExports(result)` → `export` lines.
#[wasm_bindgen(js_name = toShellExports)]
pub fn to_shell_exports(result: JsValue) -> JsResult<String> {
    credentials::to_shell_exports(&result_arg(result)?).or_else(fail)
}

/// `backoffDelay(attempt, random)` → milliseconds to wait after `attempt` failed attempts.
#[wasm_bindgen(js_name = backoffDelay)]
pub fn backoff_delay(attempt: u32, random: f64) -> f64 {
    retry::backoff_delay_ms(attempt, random)
}

/// `clockSkew({ now, date?, code?, message? })` → the offset in ms to add to the host clock, or `null`.
#[wasm_bindgen(js_name = clockSkew)]
pub fn clock_skew(params: JsValue) -> JsResult<Option<f64>> {
    object_arg(&params, "params")?;
    let now = get(&params, "now").as_f64().ok_or_else(|| input_error("now", "must be epoch milliseconds"))?;
    let date = string_prop(&params, "date", "date")?;
    let code = string_prop(&params, "code", "code")?;
    let message = string_prop(&params, "message", "message")?;
    Ok(retry::clock_skew_ms(now, date.as_deref(), code.as_deref(), message.as_deref()))
}

/// `redact(text, secrets)` → text with each secret and any `x-amz-security-token:` value redacted.
#[wasm_bindgen]
pub fn redact(text: &str, secrets: Vec<String>) -> String {
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    redact::redact(text, &secrets)
}

fn status_and_body(status: u16, body: String) -> JsValue {
    let out = Object::new();
    let _ = Reflect::set(&out, &"status".into(), &status.into());
    let _ = Reflect::set(&out, &"body".into(), &body.into());
    out.into()
}

/// `agentErrorResponse(error)` → `{ status, body }`: what the EKS Pod Identity Agent answers SDKs,
/// for an `EksAuthError`-shaped object (code, message, status, requestId, field, irrecoverable).
#[wasm_bindgen(js_name = agentErrorResponse)]
pub fn agent_error_response(error: JsValue) -> JsResult<JsValue> {
    object_arg(&error, "error")?;
    let code = string_prop(&error, "code", "error.code")?.unwrap_or_else(|| "NetworkError".into());
    let message = string_prop(&error, "message", "error.message")?.unwrap_or_default();
    let status = get(&error, "status").as_f64().filter(|s| (100.0..=599.0).contains(s)).map(|s| s as u16);
    let request_id = string_prop(&error, "requestId", "error.requestId")?;
    let error = match (code.as_str(), status) {
        ("InvalidInput", _) => Error::input(string_prop(&error, "field", "error.field")?.unwrap_or_default(), message),
        ("InvalidConfiguration", _) => Error::configuration(message),
        ("MalformedResponse", Some(status)) => Error::MalformedResponse { message, status, request_id },
        (_, Some(status)) => Error::Service(crate::error::ServiceError {
            retryable: retry::is_retryable(status, &code),
            irrecoverable: get(&error, "irrecoverable").as_bool().unwrap_or(false),
            fault: if status >= 500 { crate::error::Fault::Server } else { crate::error::Fault::Client },
            code,
            message,
            status,
            request_id,
        }),
        // No HTTP status (network, timeout): the agent answers 500, fault on the server side.
        _ => {
            let body = agent::error_body(None, &code, &message, crate::error::Fault::Server);
            return Ok(status_and_body(500, body));
        }
    };
    let (status, body) = agent::error_response(&error);
    Ok(status_and_body(status, body))
}

fn number_prop(obj: &JsValue, key: &str) -> JsResult<f64> {
    get(obj, key).as_f64().filter(|n| n.is_finite()).ok_or_else(|| input_error(key, "must be a finite number"))
}

/// `credentialsFreshness({ now, fetchedAt, expiration, maxRetention? })` (all epoch/duration ms)
/// → `{ state: 'fresh'|'renew'|'expired', renewAt }`.
#[wasm_bindgen(js_name = credentialsFreshness)]
pub fn credentials_freshness(params: JsValue) -> JsResult<JsValue> {
    object_arg(&params, "params")?;
    let now = number_prop(&params, "now")?;
    let fetched_at = number_prop(&params, "fetchedAt")?;
    let expiration = number_prop(&params, "expiration")?;
    let max_retention = match get(&params, "maxRetention") {
        v if v.is_undefined() || v.is_null() => agent::DEFAULT_MAX_RETENTION_MS,
        _ => number_prop(&params, "maxRetention")?,
    };
    let out = Object::new();
    let state = agent::freshness(now, fetched_at, expiration, max_retention);
    let _ = Reflect::set(&out, &"state".into(), &state.as_str().into());
    let _ = Reflect::set(&out, &"renewAt".into(), &agent::renew_at_ms(fetched_at, expiration, max_retention).into());
    Ok(out.into())
}

/// `errorRetryDelay(random)` → ms before retrying after a recoverable upstream error.
#[wasm_bindgen(js_name = errorRetryDelay)]
pub fn error_retry_delay(random: f64) -> f64 {
    agent::error_retry_delay_ms(random)
}

/// `parseToken(token)` → the token's claims (unverified), or throws `InvalidInput` on `token`.
#[wasm_bindgen(js_name = parseToken)]
pub fn parse_token(token: JsValue) -> JsResult<JsValue> {
    let token = token.as_string().ok_or_else(|| input_error("token", "must be a string"))?;
    to_js(&crate::token::parse_token(&token).or_else(fail)?)
}

/// `hostAllowed(hostHeader, boundHosts)` → whether the `Host` header names an address served (DNS rebinding defence).
#[wasm_bindgen(js_name = hostAllowed)]
pub fn host_allowed(header: &str, bound: Vec<String>) -> bool {
    let bound: Vec<&str> = bound.iter().map(String::as_str).collect();
    agent::host_allowed(header, &bound)
}

/// An instant passed directly: epoch milliseconds or a `Date` (as `now` in the inputs).
fn instant_arg(value: &JsValue, name: &str) -> JsResult<std::time::SystemTime> {
    let millis = match value.dyn_ref::<Date>() {
        Some(d) => d.get_time(),
        None => value.as_f64().ok_or_else(|| input_error(name, "must be epoch milliseconds (a number) or a Date"))?,
    };
    time::from_epoch_millis(millis).ok_or_else(|| input_error(name, "must be a valid time between 1970 and 9999"))
}

/// Through JSON text: decoded claims may hold integers past 2^53, which `to_js` refuses.
fn to_js_via_json<T: Serialize>(value: &T) -> JsResult<JsValue> {
    let text = serde_json::to_string(value).map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))?;
    js_sys::JSON::parse(&text)
}

/// `inspectToken(token, now)` → header and claims decoded, the checks EKS Auth applies on the
/// token's face with a verdict and reason each, and times relative to `now` (epoch ms or `Date`).
/// Never throws for a malformed token: that is what the checks report.
#[wasm_bindgen(js_name = inspectToken)]
pub fn inspect_token(token: JsValue, now: JsValue) -> JsResult<JsValue> {
    let token = token.as_string().ok_or_else(|| input_error("token", "must be a string"))?;
    to_js_via_json(&crate::inspect::inspect_token(&token, instant_arg(&now, "now")?))
}

/// `explainSignature(input)` → every SigV4 stage of the request `buildAssumeRoleRequest` builds
/// for `input`, the `Authorization` it carries and whether they agree; the session token redacted
/// from the canonical request; `null` when unsigned.
#[wasm_bindgen(js_name = explainSignature)]
pub fn explain_signature(input: JsValue) -> JsResult<JsValue> {
    let input = assume_role_input(&input)?;
    let Some(mut explanation) = crate::inspect::explain_signature(&input).or_else(fail)? else {
        return Ok(JsValue::NULL);
    };
    let token = input.credentials.as_ref().and_then(|c| c.session_token.as_deref());
    explanation.canonical_request = redact::redact(&explanation.canonical_request, &token.into_iter().collect::<Vec<_>>());
    to_js(&explanation)
}
