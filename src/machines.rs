//! The two state machines as JavaScript holds them: [`ExchangeClient`] (a client's exchanges and
//! the state they share) and [`Agent`] (the agent machine), with the shapes of what goes in and
//! comes out. Ordinary Rust, like [`crate::boundary`]: arguments arrive as serde `Deserializer`s,
//! answers are shapes that serialize; `wasm.rs` holds the shims.

use crate::agent::machine::{AgentConfig, AgentMachine, Answer, CacheKey, CacheUse, Decision, Evictions, Replay, Request};
use crate::boundary::assume_role_input;
use crate::error::{Error, ErrorFields, Fault};
use crate::exchange::{AttemptId, ClientState, Event, Exchange, ExchangeConfig, ExchangeError, Failed, Failure, Outcome};
use crate::request::SignedRequest;
use crate::response::{AssumeRoleResult, HttpResponse};
use crate::shape;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Reads the argument `name` as `T`, naming the member at fault.
fn read<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D, name: &str) -> Result<T, Error>
where
    D::Error: fmt::Display,
{
    shape::read_with(d).map_err(|(path, rule)| Error::input(if path.is_empty() { name.to_string() } else { [name, ".", &path].concat() }, rule))
}

/// How a client's exchanges run (JavaScript's `ExchangeConfig`); a member left out keeps
/// [`ExchangeConfig::CLIENT`]'s.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ExchangeSettings {
    max_attempts: Option<u32>,
    connect_timeout_ms: Option<u64>,
    attempt_timeout_ms: Option<u64>,
}

/// An attempt to send ([`crate::exchange::Transmit`]).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransmitShape {
    /// Give it back with the response or failure.
    pub attempt: u32,
    /// The signed request.
    pub request: SignedRequest,
    /// Connect within this long.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_timeout_ms: Option<u64>,
    /// The attempt's deadline (epoch ms on the host clock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<u64>,
}

/// A trace event ([`Event`]), as `EksAuthClient`'s `onEvent` gives it.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum EventShape {
    /// An attempt failed; the next goes after `delayMs`.
    #[serde(rename_all = "camelCase")]
    Retry {
        /// The attempt that failed.
        attempt: u32,
        /// Its error code.
        code: String,
        /// The backoff before the next.
        delay_ms: u64,
    },
    /// The host clock is off by `offsetMs`.
    #[serde(rename = "skew", rename_all = "camelCase")]
    Skew {
        /// Server time minus host time.
        offset_ms: i64,
        /// Whether the request goes again at once, signed with it.
        resign: bool,
    },
}

/// How an exchange ended: `result` or `error`, and the HTTP requests it sent.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeEnd {
    /// The credentials, when it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<AssumeRoleResult>,
    /// Why not, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorFields>,
    /// HTTP requests sent.
    #[serde(default)]
    pub attempts: u32,
    /// Server time minus host time at the end, to read the result's times on the host clock.
    #[serde(default)]
    pub clock_offset_ms: i64,
}

impl ExchangeEnd {
    fn from_result(result: Result<Outcome, Failed>, clock_offset_ms: i64) -> Self {
        match result {
            Ok(outcome) => ExchangeEnd { result: Some(outcome.result), error: None, attempts: outcome.attempts, clock_offset_ms: outcome.clock_offset_ms },
            Err(failed) => {
                let error = match &failed.error {
                    ExchangeError::Invalid(e) | ExchangeError::Service(e) => ErrorFields::from(e),
                    ExchangeError::Transport(failure) => {
                        ErrorFields { code: failure.code().into(), message: failure.message().into(), retryable: true, fault: Fault::Server, ..ErrorFields::default() }
                    }
                    ExchangeError::Aborted => ErrorFields { code: "Aborted".into(), message: "the exchange was aborted".into(), fault: Fault::Server, ..ErrorFields::default() },
                };
                ExchangeEnd { result: None, error: Some(error), attempts: failed.attempts, clock_offset_ms }
            }
        }
    }

    /// Back into the machines' result: an `error` as the exchange's error it reads as.
    fn into_result(self) -> Result<Outcome, Failed> {
        let ExchangeEnd { result, error, attempts, clock_offset_ms } = self;
        match (result, error) {
            (Some(result), None) => Ok(Outcome { result, attempts, clock_offset_ms }),
            (_, error) => Err(Failed { error: exchange_error(error.unwrap_or_default()), attempts, quota_exhausted: false }),
        }
    }
}

/// An error's shape read back as the exchange error it was.
fn exchange_error(e: ErrorFields) -> ExchangeError {
    match (e.code.as_str(), e.status) {
        ("Aborted", None) => ExchangeError::Aborted,
        ("TimeoutError", None) => ExchangeError::Transport(Failure::Timeout),
        ("NetworkError" | "", None) => ExchangeError::Transport(Failure::Network),
        _ => match e.into_error() {
            Ok(error @ (Error::InvalidInput { .. } | Error::InvalidConfiguration { .. })) => ExchangeError::Invalid(error),
            Ok(error) => ExchangeError::Service(error),
            Err(e) => ExchangeError::Invalid(Error::configuration(e.message)),
        },
    }
}

/// A client's exchanges, by id, and what they share (the retry quota, the clock offset).
#[derive(Debug, Default)]
pub struct ExchangeClient {
    shared: ClientState,
    /// Few at once (one a call in flight): a scan costs less than a map's code in the wasm.
    exchanges: Vec<(u32, Exchange)>,
    next: u32,
}

impl ExchangeClient {
    /// A full retry quota, no clock offset known.
    pub fn new() -> Self {
        ExchangeClient::default()
    }

    /// Server time minus host time, learnt from EKS Auth's answers.
    pub fn clock_offset_ms(&self) -> i64 {
        self.shared.clock_offset_ms()
    }

    /// Retry quota tokens left.
    pub fn quota_available(&self) -> u32 {
        self.shared.quota.available()
    }

    /// Exchanges not yet ended and taken.
    pub fn len(&self) -> usize {
        self.exchanges.len()
    }

    /// Whether no exchange is held.
    pub fn is_empty(&self) -> bool {
        self.exchanges.is_empty()
    }

    /// Starts an exchange of `input` (`AssumeRoleInput`; its `now` may be left out) with
    /// `settings`, its jitter drawn from `seed`: its id.
    ///
    /// # Errors
    /// `InvalidInput` naming the member at fault, or `InvalidConfiguration`.
    pub fn start<'de, D1, D2>(&mut self, input: D1, settings: D2, seed: u64) -> Result<u32, Error>
    where
        D1: Deserializer<'de>,
        D2: Deserializer<'de>,
        D1::Error: fmt::Display,
        D2::Error: fmt::Display,
    {
        let settings: Option<ExchangeSettings> = read(settings, "config")?;
        let settings = settings.unwrap_or_default();
        let defaults = ExchangeConfig::CLIENT;
        let config = ExchangeConfig {
            max_attempts: settings.max_attempts.unwrap_or(defaults.max_attempts),
            connect_timeout_ms: settings.connect_timeout_ms.unwrap_or(defaults.connect_timeout_ms),
            attempt_timeout_ms: settings.attempt_timeout_ms.unwrap_or(defaults.attempt_timeout_ms),
        };
        let exchange = Exchange::new(assume_role_input(input)?, config, seed)?;
        self.next = self.next.wrapping_add(1);
        self.exchanges.push((self.next, exchange));
        Ok(self.next)
    }

    /// The next attempt of exchange `id` due at `now`.
    pub fn poll_transmit(&mut self, id: u32, now: u64) -> Option<TransmitShape> {
        let t = find(&mut self.exchanges, id)?.poll_transmit(now, &self.shared)?;
        Some(TransmitShape { attempt: t.attempt.0, request: t.request, connect_timeout_ms: t.connect_timeout_ms, deadline: t.deadline_ms })
    }

    /// The response to `attempt` of exchange `id`.
    pub fn handle_response(&mut self, id: u32, now: u64, attempt: u32, status: u16, headers: &[(String, String)], body: &[u8]) {
        if let Some(exchange) = find(&mut self.exchanges, id) {
            let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            exchange.handle_response(now, &mut self.shared, AttemptId(attempt), &HttpResponse { status, headers: &pairs, body });
        }
    }

    /// `attempt` of exchange `id` failed without a response: `kind` is `network`,
    /// `connectTimeout` or `timeout`.
    ///
    /// # Errors
    /// `InvalidInput` on `kind`.
    pub fn handle_failure(&mut self, id: u32, now: u64, attempt: u32, kind: &str) -> Result<(), Error> {
        let failure = match kind {
            "network" => Failure::Network,
            "connectTimeout" => Failure::ConnectTimeout,
            "timeout" => Failure::Timeout,
            _ => return Err(Error::input("kind", "must be network, connectTimeout or timeout")),
        };
        if let Some(exchange) = find(&mut self.exchanges, id) {
            exchange.handle_failure(now, &mut self.shared, AttemptId(attempt), failure);
        }
        Ok(())
    }

    /// Time has passed for exchange `id`.
    pub fn handle_timeout(&mut self, id: u32, now: u64) {
        if let Some(exchange) = find(&mut self.exchanges, id) {
            exchange.handle_timeout(now, &mut self.shared);
        }
    }

    /// Ends exchange `id` now (its result says `Aborted`).
    pub fn abort(&mut self, id: u32) {
        if let Some(exchange) = find(&mut self.exchanges, id) {
            exchange.abort();
        }
    }

    /// When exchange `id` must be woken next (epoch ms).
    pub fn poll_timeout(&self, id: u32) -> Option<u64> {
        self.exchanges.iter().find(|(i, _)| *i == id).map(|(_, e)| e)?.poll_timeout()
    }

    /// The next trace event of exchange `id`.
    pub fn poll_event(&mut self, id: u32) -> Option<EventShape> {
        Some(match find(&mut self.exchanges, id)?.poll_event()? {
            Event::Retry { attempt, code, delay_ms } => EventShape::Retry { attempt, code, delay_ms },
            Event::ClockSkew { offset_ms, resign } => EventShape::Skew { offset_ms, resign },
        })
    }

    /// How exchange `id` ended, once; the exchange is forgotten then.
    pub fn poll_result(&mut self, id: u32) -> Option<ExchangeEnd> {
        let result = find(&mut self.exchanges, id)?.poll_result()?;
        self.exchanges.retain(|(i, _)| *i != id);
        Some(ExchangeEnd::from_result(result, self.shared.clock_offset_ms()))
    }
}

fn find(exchanges: &mut [(u32, Exchange)], id: u32) -> Option<&mut Exchange> {
    exchanges.iter_mut().find(|(i, _)| *i == id).map(|(_, e)| e)
}

/// A request to the credentials endpoint, as the host read it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestShape {
    path: String,
    #[serde(default)]
    host: Option<String>,
    #[serde(default, deserialize_with = "shape::or_default")]
    token: String,
    #[serde(default)]
    listener: usize,
}

/// An answer ([`Answer`]) as the host writes it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerShape {
    /// Status.
    pub status: u16,
    /// `content-type`.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
    /// Until when the host may replay it to the same token without asking (epoch ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serve_until: Option<u64>,
    /// `hit`, `renew`, `miss` or `join`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<&'static str>,
    /// The entry to name in a replay, with `serveUntil`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<u64>,
    /// An error answer's code, for the host's log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl fmt::Debug for AnswerShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnswerShape").field("status", &self.status).field("serve_until", &self.serve_until).finish_non_exhaustive()
    }
}

impl From<Answer> for AnswerShape {
    fn from(a: Answer) -> Self {
        let cache = a.cache.map(|c| match c {
            CacheUse::Hit => "hit",
            CacheUse::Renew => "renew",
            CacheUse::Miss => "miss",
            CacheUse::Join => "join",
        });
        AnswerShape { status: a.status, content_type: a.content_type, body: a.body.to_string(), serve_until: a.serve_until_ms, cache, entry: a.entry, code: a.code.map(|c| c.to_string()) }
    }
}

/// What to do with a request: write `answer` now, or wait for the answer under `wait`.
/// `tokenHash` (the first 8 bytes of the token's SHA-256, hex) names the token in logs.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionShape {
    /// Write this now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<AnswerShape>,
    /// Or wait for the answer with this id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait: Option<u64>,
    /// The token's hash, when the request got as far as its token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_hash: Option<String>,
}

/// An exchange for the host to run; its end goes back with `key`. `Debug` hides the token.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderShape {
    /// The entry's key (the token's SHA-256, hex).
    pub key: String,
    /// The token to exchange.
    pub token: String,
    /// A background renewal.
    pub background: bool,
}

impl fmt::Debug for OrderShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderShape").field("key", &self.key).field("background", &self.background).finish_non_exhaustive()
    }
}

/// An answer to a waiting request.
#[derive(Debug, Serialize)]
pub struct ParkedAnswer {
    /// The request's id.
    pub id: u64,
    /// Its answer.
    pub answer: AnswerShape,
}

/// One counter value: name, labels, value.
#[derive(Debug, Serialize)]
pub struct SampleShape {
    /// Metric name.
    pub name: &'static str,
    /// Label names to values, an object in JavaScript.
    #[serde(serialize_with = "crate::shape::pairs_as_object")]
    pub labels: Vec<(String, String)>,
    /// Count since start.
    pub value: u64,
}

/// Entries dropped since start, by reason.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvictionsShape {
    /// The token's `exp` passed.
    pub token_expired: u64,
    /// The credentials had 15 s or less left.
    pub credentials_expired: u64,
    /// No request for one credential lifetime.
    pub untouched: u64,
    /// EKS Auth refused the token for good.
    pub irrecoverable: u64,
    /// Least recently used, past the cache's size.
    pub capacity: u64,
}

impl From<&Evictions> for EvictionsShape {
    fn from(e: &Evictions) -> Self {
        EvictionsShape {
            token_expired: e.token_expired,
            credentials_expired: e.credentials_expired,
            untouched: e.untouched,
            irrecoverable: e.irrecoverable,
            capacity: e.capacity,
        }
    }
}

/// The agent's settings as they are in force (JavaScript reads its limits from here): every
/// member of `AgentConfig`, and what follows from them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigShape<'a> {
    /// The settings.
    #[serde(flatten)]
    pub config: &'a AgentConfig,
    /// The path SDKs call.
    pub credentials_path: &'static str,
    /// Whether `refreshRateLimit` can renew a full cache once per `maxRetentionMs`.
    pub renewals_keep_up: bool,
}

/// The agent machine as JavaScript holds it.
#[derive(Debug)]
pub struct Agent {
    machine: AgentMachine,
}

impl Agent {
    /// An agent with `config` (`AgentConfig`; members left out keep the agent's defaults).
    ///
    /// # Errors
    /// `InvalidInput` naming the setting.
    pub fn new<'de, D: Deserializer<'de>>(config: D, seed: u64) -> Result<Self, Error>
    where
        D::Error: fmt::Display,
    {
        let config: Option<AgentConfig> = read(config, "config")?;
        Ok(Agent { machine: AgentMachine::new(config.unwrap_or_default(), seed)? })
    }

    /// The settings in force.
    pub fn config(&self) -> ConfigShape<'_> {
        let config = self.machine.config();
        ConfigShape { config, credentials_path: crate::agent::machine::CREDENTIALS_PATH, renewals_keep_up: config.renewals_keep_up() }
    }

    /// As [`AgentMachine::admit`].
    pub fn admit(&mut self, now: u64, listener: usize) -> bool {
        self.machine.admit(now, listener)
    }

    /// As [`AgentMachine::replay`]: 200 served, 429 limited, 0 ask with `handle_request`.
    pub fn replay(&mut self, now: u64, listener: usize, entry: u64) -> u16 {
        match self.machine.replay(now, listener, entry) {
            Replay::Served => 200,
            Replay::Limited => 429,
            Replay::Ask => 0,
        }
    }

    /// A request, through the whole check (`admitted` false) or after [`Agent::admit`].
    ///
    /// # Errors
    /// `InvalidInput` naming the member of `request` at fault.
    pub fn handle_request<'de, D: Deserializer<'de>>(&mut self, now: u64, request: D, admitted: bool) -> Result<DecisionShape, Error>
    where
        D::Error: fmt::Display,
    {
        let r: RequestShape = read(request, "request")?;
        let request = Request { path: &r.path, host: r.host.as_deref(), token: &r.token, listener: r.listener };
        let decision = if admitted { self.machine.handle_admitted(now, &request) } else { self.machine.handle_request(now, &request) };
        let token_hash = |r: &RequestShape| (!r.token.is_empty()).then(|| CacheKey::of(&r.token).hex(8));
        Ok(match decision {
            Decision::Answer(answer) => {
                let hash = if answer.status == 200 || answer.status >= 500 { token_hash(&r) } else { None };
                DecisionShape { answer: Some(answer.into()), wait: None, token_hash: hash }
            }
            Decision::Wait(id) => DecisionShape { answer: None, wait: Some(id.0), token_hash: token_hash(&r) },
        })
    }

    /// The end of the exchange ordered for `key` (hex, as the order gave it).
    ///
    /// # Errors
    /// `InvalidInput` on `key` or naming the member of `end` at fault.
    pub fn handle_exchange_end<'de, D: Deserializer<'de>>(&mut self, now: u64, key: &str, end: D) -> Result<(), Error>
    where
        D::Error: fmt::Display,
    {
        let key = parse_key(key).ok_or_else(|| Error::input("key", "must be the 64 hex digits of an order's key"))?;
        let end: ExchangeEnd = read(end, "end")?;
        self.machine.handle_exchange_result(now, key, end.into_result());
        Ok(())
    }

    /// As [`AgentMachine::handle_timeout`].
    pub fn handle_timeout(&mut self, now: u64) {
        self.machine.handle_timeout(now);
    }

    /// As [`AgentMachine::close`].
    pub fn close(&mut self) {
        self.machine.close();
    }

    /// The next exchange to run.
    pub fn poll_exchange(&mut self) -> Option<OrderShape> {
        self.machine.poll_exchange().map(|o| OrderShape { key: o.key.hex(32), token: o.token, background: o.background })
    }

    /// The next answer to a waiting request.
    pub fn poll_answer(&mut self) -> Option<ParkedAnswer> {
        self.machine.poll_answer().map(|(id, answer)| ParkedAnswer { id: id.0, answer: answer.into() })
    }

    /// When to call [`Agent::handle_timeout`] next (epoch ms).
    pub fn poll_timeout(&self) -> Option<u64> {
        self.machine.poll_timeout()
    }

    /// The agent's counters.
    pub fn metrics(&self) -> Vec<SampleShape> {
        self.machine
            .metrics()
            .samples().into_iter().map(|s| SampleShape { name: s.name, labels: s.labels.into_iter().map(|(k, v)| (k.to_string(), v)).collect(), value: s.value }).collect()
    }

    /// Entries dropped, by reason.
    pub fn evictions(&self) -> EvictionsShape {
        self.machine.evictions().into()
    }

    /// Entries cached.
    pub fn cache_len(&self) -> usize {
        self.machine.cache_len()
    }

    /// Exchanges ordered and not yet ended.
    pub fn flights_len(&self) -> usize {
        self.machine.flights_len()
    }
}

fn parse_key(hex: &str) -> Option<CacheKey> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(CacheKey(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_read_back() {
        let key = CacheKey::of("a token");
        assert_eq!(parse_key(&key.hex(32)), Some(key));
        assert_eq!(parse_key("zz"), None);
        assert_eq!(parse_key(&"é".repeat(32)), None);
    }

    #[test]
    fn errors_read_back_as_the_exchange_errors_they_were() {
        let network = ErrorFields { code: "NetworkError".into(), ..ErrorFields::default() };
        assert_eq!(exchange_error(network), ExchangeError::Transport(Failure::Network));
        let denied = ErrorFields { code: "AccessDeniedException".into(), status: Some(403), irrecoverable: true, ..ErrorFields::default() };
        let ExchangeError::Service(error) = exchange_error(denied) else { panic!("not a service error") };
        assert!(error.irrecoverable());
    }

    #[test]
    fn bad_settings_name_their_member() {
        let mut client = ExchangeClient::new();
        let input = json!({ "clusterName": "c", "token": "t", "region": "us-west-2" });
        let e = client.start(&input, &json!({ "maxAttempts": "three" }), 1).unwrap_err();
        assert_eq!(e.field(), Some("config.maxAttempts"));
        let e = Agent::new(&json!({ "hosts": 7 }), 1).unwrap_err();
        assert_eq!(e.field(), Some("config.hosts"));
        let mut agent = Agent::new(&json!(null), 1).unwrap();
        let e = agent.handle_request(0, &json!({ "host": "x" }), false).unwrap_err();
        assert_eq!(e.field(), Some("request.path"));
        assert!(agent.handle_exchange_end(0, "nope", &json!({})).is_err());
    }
}
