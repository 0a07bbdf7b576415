//! The JavaScript boundary's shims, the only code that knows about wasm-bindgen. Each export hands
//! its JavaScript values to [`crate::boundary`] through serde-wasm-bindgen and returns the answer's
//! shape as a JavaScript value (absent members left out, headers as an object in botocore's
//! order, numbers as numbers). A failure is thrown as the error's shape (`ErrorFields`), which
//! `pkg/core.js` makes an `EksAuthError`.

use crate::agent;
use crate::boundary;
use crate::machines;
use crate::error::Error;
use crate::redact as redaction;
use crate::retry;
use serde::Serialize;
use serde_wasm_bindgen::{Deserializer, Serializer};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// talc rather than std's dlmalloc: smaller and faster in wasm. Safe to construct: it checks for
/// single-threaded wasm itself.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// `None` as `null` (`signingStages` of an unsigned request, `clockSkew` with nothing to say):
/// every optional member is skipped where absent, so no `null` appears inside a shape. Maps (the
/// headers) as plain objects.
const JS: Serializer = Serializer::new().serialize_missing_as_null(true).serialize_maps_as_objects(true);

#[wasm_bindgen]
extern "C" {
    /// `Object.prototype.toString.call(value)`: how a fetch `Headers` is known without naming the
    /// global `Headers` (which makes Node load undici in a process that never fetched).
    #[wasm_bindgen(js_namespace = ["Object", "prototype", "toString"], js_name = call)]
    fn object_tag(value: &JsValue) -> String;
}

fn js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value.serialize(&JS).map_err(JsValue::from)
}

/// The answer, or the error's shape thrown. An answer JavaScript cannot hold (a number past 2^53)
/// is an error like any other.
fn answer<T: Serialize>(result: Result<T, Error>) -> Result<JsValue, JsValue> {
    let error = match result.map(|value| js(&value)) {
        Ok(Ok(value)) => return Ok(value),
        Ok(Err(_)) => Error::input("result", "holds a value JavaScript cannot represent"),
        Err(error) => error,
    };
    Err(js(&error)?)
}

fn de(value: JsValue) -> Deserializer {
    Deserializer::from(value)
}

/// `resolveEndpoint({ region, useFips?, endpoint? })` → the endpoint URL.
#[wasm_bindgen(js_name = resolveEndpoint)]
pub fn resolve_endpoint(params: JsValue) -> Result<JsValue, JsValue> {
    answer(boundary::resolve_endpoint(de(params)))
}

/// `buildAssumeRoleRequest(input)` → `{ method, url, headers, body }`.
#[wasm_bindgen(js_name = buildAssumeRoleRequest)]
pub fn build_assume_role_request(input: JsValue) -> Result<JsValue, JsValue> {
    answer(boundary::build_assume_role_request(|| de(input.clone())))
}

/// `signingStages(input)` → the SigV4 stages, or `null` when unsigned.
#[wasm_bindgen(js_name = signingStages)]
pub fn signing_stages(input: JsValue) -> Result<JsValue, JsValue> {
    answer(boundary::signing_stages(de(input)))
}

/// `explainSignature(input)` → every SigV4 stage beside the request's `Authorization`, or `null`.
#[cfg(feature = "console")]
#[wasm_bindgen(js_name = explainSignature)]
pub fn explain_signature(input: JsValue) -> Result<JsValue, JsValue> {
    answer(boundary::explain_signature(de(input)))
}

/// Whether `value` is a fetch `Headers`, known by its tag.
fn is_fetch_headers(value: &JsValue) -> bool {
    value.is_object() && object_tag(value) == "[object Headers]"
}

/// Headers as pairs: a fetch `Headers` through its `entries()`, pairs or an object through serde.
fn header_pairs(headers: &JsValue, fetch_headers: bool) -> Result<Vec<(String, String)>, Error> {
    if fetch_headers {
        let headers: &web_sys::Headers = headers.unchecked_ref();
        let mut pairs = Vec::new();
        let entries = headers.entries();
        while let Ok(entry) = entries.next() {
            if entry.done() {
                break;
            }
            let entry: js_sys::Array = entry.value().unchecked_into();
            pairs.push((entry.get(0).as_string().unwrap_or_default(), entry.get(1).as_string().unwrap_or_default()));
        }
        return Ok(pairs);
    }
    boundary::header_pairs(de(headers.clone()))
}

/// `parseAssumeRoleResponse(status, headers, body)` → the result. The body is bytes; the headers a
/// fetch `Headers` (read only when the answer is an error: it is always well-formed), pairs or an
/// object (checked always).
#[wasm_bindgen(js_name = parseAssumeRoleResponse)]
pub fn parse_assume_role_response(status: JsValue, headers: JsValue, body: &[u8]) -> Result<JsValue, JsValue> {
    let result = if is_fetch_headers(&headers) {
        boundary::parse_assume_role_response(status.as_f64(), body, || header_pairs(&headers, true))
    } else {
        match header_pairs(&headers, false) {
            Ok(pairs) => boundary::parse_assume_role_response(status.as_f64(), body, || Ok(pairs)),
            Err(e) => Err(e),
        }
    };
    answer(result)
}

/// `toContainerCredentials(result)` → the EKS Pod Identity Agent's JSON object.
#[wasm_bindgen(js_name = toContainerCredentials)]
pub fn to_container_credentials(result: JsValue) -> Result<JsValue, JsValue> {
    answer(boundary::to_container_credentials(de(result)))
}

/// `toCredentialProcess(result)` → the `credential_process` JSON object.
#[wasm_bindgen(js_name = toCredentialProcess)]
pub fn to_credential_process(result: JsValue) -> Result<JsValue, JsValue> {
    answer(boundary::to_credential_process(de(result)))
}

/// `toShellExports(result)` → `export` lines.
#[wasm_bindgen(js_name = toShellExports)]
pub fn to_shell_exports(result: JsValue) -> Result<JsValue, JsValue> {
    answer(boundary::to_shell_exports(de(result)))
}

/// `backoffDelay(attempt, random)` → milliseconds to wait after `attempt` failed attempts.
#[wasm_bindgen(js_name = backoffDelay)]
pub fn backoff_delay(attempt: u32, random: f64) -> f64 {
    retry::backoff_delay_ms(attempt, random)
}

/// `clockSkew({ now, date?, code?, message? })` → the offset in ms to add to the host clock, or `null`.
#[wasm_bindgen(js_name = clockSkew)]
pub fn clock_skew(params: JsValue) -> Result<JsValue, JsValue> {
    answer(boundary::clock_skew(de(params)))
}

/// `redact(text, secrets)` → text with each secret and any `x-amz-security-token:` value redacted.
#[wasm_bindgen]
pub fn redact(text: &str, secrets: Vec<String>) -> String {
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    redaction::redact(text, &secrets)
}

/// `agentErrorResponse(error)` → `{ status, body }`: what the EKS Pod Identity Agent answers SDKs.
#[wasm_bindgen(js_name = agentErrorResponse)]
pub fn agent_error_response(error: JsValue) -> Result<JsValue, JsValue> {
    answer(boundary::agent_error_response(de(error)))
}

/// `credentialsFreshness({ now, fetchedAt, expiration, maxRetention? })` → `{ state, renewAt }`.
#[wasm_bindgen(js_name = credentialsFreshness)]
pub fn credentials_freshness(params: JsValue) -> Result<JsValue, JsValue> {
    answer(boundary::credentials_freshness(de(params)))
}

/// `errorRetryDelay(random)` → ms before retrying after a recoverable upstream error.
#[wasm_bindgen(js_name = errorRetryDelay)]
pub fn error_retry_delay(random: f64) -> f64 {
    agent::error_retry_delay_ms(random)
}

/// `parseToken(token)` → the token's claims (unverified), or `InvalidInput` on `token`.
#[wasm_bindgen(js_name = parseToken)]
pub fn parse_token(token: JsValue) -> Result<JsValue, JsValue> {
    answer(boundary::parse_token(token.as_string().as_deref()))
}

/// `inspectToken({ token, now })` → the token decoded and judged on its face at `now`.
#[cfg(feature = "console")]
#[wasm_bindgen(js_name = inspectToken)]
pub fn inspect_token(params: JsValue) -> Result<JsValue, JsValue> {
    answer(boundary::inspect_token(de(params)))
}

/// `parseIso8601({ text })` → epoch milliseconds, or `null`.
#[cfg(feature = "console")]
#[wasm_bindgen(js_name = parseIso8601)]
pub fn parse_iso8601(params: JsValue) -> Result<JsValue, JsValue> {
    answer(boundary::parse_iso8601(de(params)))
}

/// `hostAllowed(hostHeader, boundHosts)` → whether the `Host` header names an address served (DNS
/// rebinding defence).
#[wasm_bindgen(js_name = hostAllowed)]
pub fn host_allowed(header: &str, bound: Vec<String>) -> bool {
    let bound: Vec<&str> = bound.iter().map(String::as_str).filter(|h| !h.is_empty()).collect();
    agent::host_allowed(header, &bound)
}

/// `new ExchangeClient()`: a client's exchanges ([`crate::exchange::Exchange`]) and the retry
/// quota and clock offset they share. The host sends each transmit, feeds back what happened and
/// wakes each exchange at its `pollTimeout`.
#[wasm_bindgen]
pub struct ExchangeClient(machines::ExchangeClient);

#[wasm_bindgen]
impl ExchangeClient {
    /// A full retry quota, no clock offset known.
    #[wasm_bindgen(constructor)]
    pub fn new() -> ExchangeClient {
        ExchangeClient(machines::ExchangeClient::new())
    }

    /// `start(input, config, seed)` → the exchange's id.
    pub fn start(&mut self, input: JsValue, config: JsValue, seed: f64) -> Result<u32, JsValue> {
        self.0.start(de(input), de(config), seed as u64).map_err(|e| js(&e).unwrap_or_else(|e| e))
    }

    /// `pollTransmit(id, now)` → `{ attempt, request, connectTimeoutMs?, deadline? }` or `null`.
    #[wasm_bindgen(js_name = pollTransmit)]
    pub fn poll_transmit(&mut self, id: u32, now: f64) -> Result<JsValue, JsValue> {
        js(&self.0.poll_transmit(id, now as u64))
    }

    /// `handleResponse(id, now, attempt, status, headers, body)`: headers as pairs, an object or a
    /// fetch `Headers`.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, id: u32, now: f64, attempt: u32, status: u16, headers: JsValue, body: &[u8]) -> Result<(), JsValue> {
        let pairs = header_pairs(&headers, is_fetch_headers(&headers)).map_err(|e| js(&e).unwrap_or_else(|e| e))?;
        self.0.handle_response(id, now as u64, attempt, status, &pairs, body);
        Ok(())
    }

    /// `handleFailure(id, now, attempt, kind)`: `kind` is `network`, `connectTimeout` or `timeout`.
    #[wasm_bindgen(js_name = handleFailure)]
    pub fn handle_failure(&mut self, id: u32, now: f64, attempt: u32, kind: &str) -> Result<(), JsValue> {
        self.0.handle_failure(id, now as u64, attempt, kind).map_err(|e| js(&e).unwrap_or_else(|e| e))
    }

    /// `handleTimeout(id, now)`.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, id: u32, now: f64) {
        self.0.handle_timeout(id, now as u64);
    }

    /// `abort(id)`.
    pub fn abort(&mut self, id: u32) {
        self.0.abort(id);
    }

    /// `pollTimeout(id)` → epoch ms, or `undefined`.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self, id: u32) -> Option<f64> {
        self.0.poll_timeout(id).map(|t| t as f64)
    }

    /// `pollEvent(id)` → `{ type: 'retry' | 'skew', ... }` or `null`.
    #[wasm_bindgen(js_name = pollEvent)]
    pub fn poll_event(&mut self, id: u32) -> Result<JsValue, JsValue> {
        js(&self.0.poll_event(id))
    }

    /// `pollResult(id)` → `{ result?, error?, attempts, clockOffsetMs }` once, or `null`.
    #[wasm_bindgen(js_name = pollResult)]
    pub fn poll_result(&mut self, id: u32) -> Result<JsValue, JsValue> {
        js(&self.0.poll_result(id))
    }

    /// Server time minus host time (ms).
    #[wasm_bindgen(getter, js_name = clockOffsetMs)]
    pub fn clock_offset_ms(&self) -> f64 {
        self.0.clock_offset_ms() as f64
    }

    /// Retry quota tokens left.
    #[wasm_bindgen(getter, js_name = quotaAvailable)]
    pub fn quota_available(&self) -> u32 {
        self.0.quota_available()
    }
}

impl Default for ExchangeClient {
    fn default() -> Self {
        ExchangeClient::new()
    }
}

/// `new AgentMachine(config, seed)`: the agent's decisions ([`crate::agent::machine`]).
#[wasm_bindgen(js_name = AgentMachine)]
pub struct Agent(machines::Agent);

#[wasm_bindgen(js_class = AgentMachine)]
impl Agent {
    /// `new AgentMachine(config, seed)`.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, seed: f64) -> Result<Agent, JsValue> {
        machines::Agent::new(de(config), seed as u64).map(Agent).map_err(|e| js(&e).unwrap_or_else(|e| e))
    }

    /// The settings in force, the credentials path among them.
    pub fn config(&self) -> Result<JsValue, JsValue> {
        js(&self.0.config())
    }

    /// `admit(now, listener)` → whether the listener's rate limit lets a request through.
    pub fn admit(&mut self, now: f64, listener: u32) -> bool {
        self.0.admit(now as u64, listener as usize)
    }

    /// `replay(now, listener, entry)` → 200 (write the answer kept), 429, or 0 (ask with
    /// `handleRequest(now, request, true)`): numbers only, for the hot path.
    pub fn replay(&mut self, now: f64, listener: u32, entry: f64) -> u16 {
        self.0.replay(now as u64, listener as usize, entry as u64)
    }

    /// `handleRequest(now, { path, host?, token, listener? }, admitted)` → `{ answer?, wait?, tokenHash? }`.
    #[wasm_bindgen(js_name = handleRequest)]
    pub fn handle_request(&mut self, now: f64, request: JsValue, admitted: bool) -> Result<JsValue, JsValue> {
        answer(self.0.handle_request(now as u64, de(request), admitted))
    }

    /// `handleExchangeEnd(now, key, end)`: how the exchange ordered for `key` ended.
    #[wasm_bindgen(js_name = handleExchangeEnd)]
    pub fn handle_exchange_end(&mut self, now: f64, key: &str, end: JsValue) -> Result<(), JsValue> {
        self.0.handle_exchange_end(now as u64, key, de(end)).map_err(|e| js(&e).unwrap_or_else(|e| e))
    }

    /// `handleTimeout(now)`.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now: f64) {
        self.0.handle_timeout(now as u64);
    }

    /// `close()`: no exchange is ordered from now on.
    pub fn close(&mut self) {
        self.0.close();
    }

    /// `pollExchange()` → `{ key, token, background }` or `null`.
    #[wasm_bindgen(js_name = pollExchange)]
    pub fn poll_exchange(&mut self) -> Result<JsValue, JsValue> {
        js(&self.0.poll_exchange())
    }

    /// `pollAnswer()` → `{ id, answer }` or `null`.
    #[wasm_bindgen(js_name = pollAnswer)]
    pub fn poll_answer(&mut self) -> Result<JsValue, JsValue> {
        js(&self.0.poll_answer())
    }

    /// `pollTimeout()` → epoch ms, or `undefined`.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.0.poll_timeout().map(|t| t as f64)
    }

    /// `metrics()` → `[{ name, labels, value }]`.
    pub fn metrics(&self) -> Result<JsValue, JsValue> {
        js(&self.0.metrics())
    }

    /// `evictions()` → entries dropped, by reason.
    pub fn evictions(&self) -> Result<JsValue, JsValue> {
        js(&self.0.evictions())
    }

    /// Entries cached.
    #[wasm_bindgen(getter, js_name = cacheSize)]
    pub fn cache_size(&self) -> u32 {
        self.0.cache_len() as u32
    }

    /// Exchanges in flight.
    #[wasm_bindgen(getter, js_name = flightCount)]
    pub fn flight_count(&self) -> u32 {
        self.0.flights_len() as u32
    }
}
