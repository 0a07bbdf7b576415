//! The EKS Pod Identity Agent's decisions as a sans-IO state machine, in the shape of
//! quinn-proto: the host feeds in requests, the results of the exchanges it ran and the passing of
//! time, and polls out answers, exchanges to run and its next deadline. It owns no socket and no
//! timer, reads no clock and draws no random number (a seed gives the jitter).
//!
//! It decides, as the agent does (the parity reference, §2): the request's path, rate limit, `Host`
//! and token checks in that order; the cache keyed by the token (its SHA-256), with single flight;
//! background renewal at `min(retention, lifetime-based renewal point)` by a sweep every minute
//! whether or not a pod asks, at most `refresh_rate_limit` renewals a second; dropping an entry
//! when its token has expired, its credentials have, or no request has touched it for one
//! credential lifetime (deleted pods and tokens the kubelet rotated away cost no more calls);
//! eviction of the least recently used entry past `max_cache_size`; and the metric counts.
//!
//! ```text
//! on a request:         match agent.handle_request(now, &request) {
//!                           Decision::Answer(a) => write a (and keep it for a.serve_until_ms)
//!                           Decision::Wait(id)  => park the request under id
//!                       }
//! then, and after every input below, drain the outputs:
//!     while let Some(order) = agent.poll_exchange() { run an Exchange for order.token }
//!     while let Some((id, answer)) = agent.poll_answer() { write answer to the request parked under id }
//!     arm a timer for agent.poll_timeout()
//! an exchange ended:    agent.handle_exchange_result(now, order.key, result)
//! the timer fired:      agent.handle_timeout(now)
//! ```
//!
//! `now` is milliseconds since the Unix epoch on the host's clock; a clock that steps back is
//! tolerated (nothing is renewed or refilled until it passes the old time again).

use super::claims::{self, Refusal, Validity};
use super::metrics::{ErrorType, Metrics};
use super::{error_body, error_response, error_retry_delay_ms, host_allowed, renew_at_ms, DEFAULT_MAX_RETENTION_MS};
use crate::credentials::to_container_credentials;
use crate::error::{Error, Fault};
use crate::exchange::{ExchangeError, Failed, Outcome};
use crate::jitter::Jitter;
use crate::rate_limit::TokenBucket;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Arc;

/// The path SDKs call (`AWS_CONTAINER_CREDENTIALS_FULL_URI`).
pub const CREDENTIALS_PATH: &str = "/v1/credentials";
/// Rate limiters kept, one a listener (the agent has one per bound address); listeners past
/// this share the last.
pub const MAX_LISTENERS: usize = 16;
/// Credentials with this little left are neither served nor cached (the agent's 15 s).
pub const MIN_REMAINING_MS: u64 = 15_000;
/// `content-type` of a 200.
pub const JSON: &str = "application/json";
/// `content-type` of the error answers, as Go's `http.Error` writes them.
pub const TEXT: &str = "text/plain; charset=utf-8";
/// The code of the 503 past [`AgentConfig::max_flights`].
pub const BUSY_CODE: &str = "TooManyCallsInFlight";
/// Characters of a `Host` value quoted in a 403.
const HOST_ECHO_CHARS: usize = 256;

/// The agent's settings, with its defaults (`cmd/server.go:126-150`, the parity reference §2.9).
/// JavaScript's `AgentConfig` is this shape; a member left out keeps its default.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AgentConfig {
    /// Addresses served: the `Host` check (`-b`).
    pub hosts: Vec<String>,
    /// Entries at most (`--max-cache-size`, 2000); 0 turns caching off.
    pub max_cache_size: usize,
    /// Renew after at most this long (`--max-credential-retention-before-renewal`, 3 h); 0 turns
    /// caching off.
    pub max_retention_ms: u64,
    /// Requests a second a listener (1000); 0 for no limit.
    pub rate_limit: f64,
    /// Requests at once a listener (500).
    pub burst: u32,
    /// Background renewals a second (`--max-service-qps`, 3), the burst alike; 0 for no limit.
    pub refresh_rate_limit: u32,
    /// How often entries are swept for renewal and dropping (the agent's janitor: 1 minute).
    pub sweep_interval_ms: u64,
    /// A request waiting on EKS Auth is answered 500 after this long, and the call goes on into
    /// the cache (SDKs give up after 1 s and retry); 0 to wait for the call, as the agent does.
    pub answer_within_ms: u64,
    /// Exchanges in flight at most: past it a request that would start one more is answered 503
    /// (`TooManyCallsInFlight`) at once; 0 for no limit. The agent has no such bound.
    pub max_flights: usize,
}

impl AgentConfig {
    /// Whether the refresh rate limit can renew a full cache within one retention period (every
    /// entry renewed at least once per `max_retention_ms`). When it cannot, renewals queue behind
    /// the limit, and in an outage some entries reach their end unrenewed.
    pub fn renewals_keep_up(&self) -> bool {
        if self.refresh_rate_limit == 0 || self.max_cache_size == 0 || self.max_retention_ms == 0 {
            return true;
        }
        (self.max_cache_size as u128) * 1000 <= u128::from(self.refresh_rate_limit) * u128::from(self.max_retention_ms)
    }
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            hosts: vec!["169.254.170.23".into(), "fd00:ec2::23".into()],
            max_cache_size: 2000,
            max_retention_ms: DEFAULT_MAX_RETENTION_MS as u64,
            rate_limit: 1000.0,
            burst: 500,
            refresh_rate_limit: 3,
            sweep_interval_ms: 60_000,
            answer_within_ms: 900,
            max_flights: 256,
        }
    }
}

/// A cache key: the token's SHA-256. `Debug` shows its first 8 bytes in hex, as logs do.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CacheKey(pub [u8; 32]);

impl CacheKey {
    /// The key of `token`.
    pub fn of(token: &str) -> Self {
        CacheKey(Sha256::digest(token.as_bytes()).into())
    }

    /// Lowercase hex of the first `bytes` bytes (at most 32).
    pub fn hex(&self, bytes: usize) -> String {
        self.0.iter().take(bytes).map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CacheKey({})", self.hex(8))
    }
}

/// A request to the credentials endpoint. `Debug` hides the token.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// The path, without the query.
    pub path: &'a str,
    /// The `Host` header.
    pub host: Option<&'a str>,
    /// The raw `Authorization` header, `""` when absent.
    pub token: &'a str,
    /// Which listener (bound address) it came in on: each has its own rate limit.
    pub listener: usize,
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("path", &self.path)
            .field("host", &self.host)
            .field("token", &format_args!("<{} bytes>", self.token.len()))
            .field("listener", &self.listener)
            .finish()
    }
}

/// Names a request waiting on EKS Auth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

/// How the cache took part in an answer, for the host's log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheUse {
    /// Served from the cache.
    Hit,
    /// Served from the cache, which is renewing the entry.
    Renew,
    /// Nothing cached: a call to EKS Auth was started.
    Miss,
    /// Nothing cached: joined the call in flight.
    Join,
}

/// An HTTP answer. `Debug` shows a 200's body length only: it holds credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Answer {
    /// Status.
    pub status: u16,
    /// `content-type`: [`JSON`] or [`TEXT`].
    pub content_type: &'static str,
    /// The body; a 200's is shared with the cache.
    pub body: Arc<str>,
    /// Until when (exclusive) the host may replay this answer to the same token without asking:
    /// the earliest of the renewal point, the token's `exp` and the credentials' last safe moment.
    /// `None`: ask every time.
    pub serve_until_ms: Option<u64>,
    /// The cache's part, where it had one.
    pub cache: Option<CacheUse>,
    /// The cache entry a replay names ([`AgentMachine::replay`]), with `serve_until_ms`.
    pub entry: Option<u64>,
    /// An error answer's code, for the host's log: EKS Auth's, or the agent's own
    /// (`TimeoutError`, `TooManyCallsInFlight`, ...).
    pub code: Option<Arc<str>>,
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Answer");
        d.field("status", &self.status).field("content_type", &self.content_type);
        if self.status == 200 {
            d.field("body", &format_args!("<{} bytes of credentials>", self.body.len()));
        } else {
            d.field("body", &self.body);
        }
        d.field("serve_until_ms", &self.serve_until_ms).field("cache", &self.cache).field("entry", &self.entry).field("code", &self.code).finish()
    }
}

impl Answer {
    /// An error answer as Go's `http.Error` writes it: the text and a newline.
    fn text(status: u16, text: &str) -> Self {
        Answer { status, content_type: TEXT, body: [text, "\n"].concat().into(), serve_until_ms: None, cache: None, entry: None, code: None }
    }

    /// An error answer with its code.
    fn error(status: u16, code: &str, text: &str) -> Self {
        Answer { code: Some(code.into()), ..Answer::text(status, text) }
    }
}

/// What [`AgentMachine::replay`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// Write the answer kept: counted, and the entry touched.
    Served,
    /// The rate limit refused it: answer 429.
    Limited,
    /// Not replayable any more: go on with [`AgentMachine::handle_admitted`].
    Ask,
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Write this answer now.
    Answer(Answer),
    /// Park the request: its answer comes from [`AgentMachine::poll_answer`] under this id.
    Wait(RequestId),
}

/// An exchange for the host to run (with [`crate::exchange::Exchange`]); its result goes back
/// through [`AgentMachine::handle_exchange_result`] with `key`. `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
pub struct ExchangeOrder {
    /// Which entry.
    pub key: CacheKey,
    /// The token to exchange.
    pub token: String,
    /// A background renewal (no request waits on it).
    pub background: bool,
}

impl fmt::Debug for ExchangeOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExchangeOrder").field("key", &self.key).field("background", &self.background).finish_non_exhaustive()
    }
}

/// Entries dropped since start, by reason: our own counts (the agent's `evicted` has no reason).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evictions {
    /// The token's `exp` passed.
    pub token_expired: u64,
    /// The credentials had 15 s or less left.
    pub credentials_expired: u64,
    /// No request for one credential lifetime: a deleted pod, or a token rotated away.
    pub untouched: u64,
    /// EKS Auth refused the token for good.
    pub irrecoverable: u64,
    /// The least recently used entry, past `max_cache_size`.
    pub capacity: u64,
}

/// Why an entry was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DropReason {
    TokenExpired,
    CredentialsExpired,
    Untouched,
    Irrecoverable,
    Capacity,
}

struct Entry {
    /// Names the entry in replays.
    id: u64,
    token: String,
    validity: Validity,
    body: Arc<str>,
    fetched_ms: u64,
    expiration_ms: u64,
    renew_at_ms: u64,
    touched_ms: u64,
    /// Position in the LRU order.
    seq: u64,
    /// No renewal before this, after a recoverable error.
    retry_at_ms: u64,
    /// Waiting in the renewal queue.
    queued: bool,
}

impl Entry {
    fn usable(&self, now: u64) -> bool {
        self.expiration_ms.saturating_sub(now) > MIN_REMAINING_MS
    }

    fn serve_until(&self, now: u64) -> Option<u64> {
        let until = self
            .renew_at_ms
            .min(self.validity.expires_ms.unwrap_or(u64::MAX))
            .min(self.expiration_ms.saturating_sub(MIN_REMAINING_MS));
        (until > now).then_some(until)
    }

    /// Why the entry must go at `now`, if it must.
    fn drop_reason(&self, now: u64, in_flight: bool) -> Option<DropReason> {
        if self.validity.expired(now) {
            Some(DropReason::TokenExpired)
        } else if !in_flight && !self.usable(now) {
            Some(DropReason::CredentialsExpired)
        } else if now.saturating_sub(self.touched_ms) >= self.expiration_ms.saturating_sub(self.fetched_ms) {
            Some(DropReason::Untouched)
        } else {
            None
        }
    }
}

/// An exchange's end that gives no credentials: the answer for its waiters, and how it counts.
struct Unserved {
    answer: Answer,
    irrecoverable: bool,
    /// `pod_identity_cache_errors`'s `code`: EKS Auth's error code, else `Unknown`.
    metric_code: String,
}

struct Flight {
    token: String,
    validity: Validity,
    background: bool,
    waiters: Vec<RequestId>,
}

struct Waiter {
    cache: CacheUse,
}

/// Credentials ready to cache.
struct Fresh {
    body: Arc<str>,
    expiration_ms: u64,
    renew_at_ms: u64,
}

/// The agent. Inputs: [`handle_request`](Self::handle_request),
/// [`handle_exchange_result`](Self::handle_exchange_result), [`handle_timeout`](Self::handle_timeout),
/// [`close`](Self::close). Outputs: [`poll_exchange`](Self::poll_exchange),
/// [`poll_answer`](Self::poll_answer), [`poll_timeout`](Self::poll_timeout),
/// [`metrics`](Self::metrics).
pub struct AgentMachine {
    config: AgentConfig,
    caching: bool,
    entries: BTreeMap<CacheKey, Entry>,
    /// Entry id → key, for replays.
    by_id: BTreeMap<u64, CacheKey>,
    next_id: u64,
    lru: BTreeMap<u64, CacheKey>,
    seq: u64,
    flights: BTreeMap<CacheKey, Flight>,
    /// Flights whose exchange the host has not taken yet.
    pending: VecDeque<CacheKey>,
    /// Entries due for renewal, waiting for the refresh rate limit.
    renewals: VecDeque<CacheKey>,
    waiters: BTreeMap<RequestId, Waiter>,
    /// Answer-within deadlines in the order requests came (so in time order, unless the clock
    /// stepped back); an answered request's stays until its time and is skipped then.
    deadlines: VecDeque<(u64, RequestId)>,
    answers: VecDeque<(RequestId, Answer)>,
    next_request: u64,
    limiters: Vec<TokenBucket>,
    refresh: TokenBucket,
    next_sweep: Option<u64>,
    jitter: Jitter,
    metrics: Metrics,
    evictions: Evictions,
    closed: bool,
}

impl fmt::Debug for AgentMachine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentMachine")
            .field("entries", &self.entries.len())
            .field("flights", &self.flights.len())
            .field("waiting", &self.waiters.len())
            .field("next_sweep", &self.next_sweep)
            .field("metrics", &self.metrics)
            .finish_non_exhaustive()
    }
}

impl AgentMachine {
    /// An agent with `config`; `seed` draws the jitter of its retry delays.
    ///
    /// # Errors
    /// `InvalidInput` naming the setting: no hosts, or a sweep interval of 0.
    pub fn new(config: AgentConfig, seed: u64) -> Result<Self, Error> {
        if config.hosts.is_empty() || config.hosts.iter().any(String::is_empty) {
            return Err(Error::input("hosts", "must be a non-empty list of addresses"));
        }
        if config.sweep_interval_ms == 0 {
            return Err(Error::input("sweepIntervalMs", "must be 1 or more"));
        }
        let refresh = TokenBucket::new(f64::from(config.refresh_rate_limit), config.refresh_rate_limit);
        Ok(AgentMachine {
            caching: config.max_cache_size > 0 && config.max_retention_ms > 0,
            config,
            entries: BTreeMap::new(),
            by_id: BTreeMap::new(),
            next_id: 0,
            lru: BTreeMap::new(),
            seq: 0,
            flights: BTreeMap::new(),
            pending: VecDeque::new(),
            renewals: VecDeque::new(),
            waiters: BTreeMap::new(),
            deadlines: VecDeque::new(),
            answers: VecDeque::new(),
            next_request: 0,
            limiters: Vec::new(),
            refresh,
            next_sweep: None,
            jitter: Jitter::new(seed),
            metrics: Metrics::default(),
            evictions: Evictions::default(),
            closed: false,
        })
    }

    /// The settings, rate limits included.
    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    /// The counts since start.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Entries dropped, by reason.
    pub fn evictions(&self) -> &Evictions {
        &self.evictions
    }

    /// Entries cached.
    pub fn cache_len(&self) -> usize {
        self.entries.len()
    }

    /// Exchanges ordered and not yet ended.
    pub fn flights_len(&self) -> usize {
        self.flights.len()
    }

    /// Requests waiting for an answer.
    pub fn waiting_len(&self) -> usize {
        self.waiters.len()
    }

    /// A request: answered now, or parked until an exchange ends. In the agent's order: path
    /// (404), rate limit (429), `Host` (403), token (400), cache, EKS Auth.
    pub fn handle_request(&mut self, now: u64, request: &Request<'_>) -> Decision {
        if request.path != CREDENTIALS_PATH {
            return Decision::Answer(Answer::text(404, "404 page not found"));
        }
        if !self.admit(now, request.listener) {
            return Decision::Answer(Answer::text(429, "Too Many Requests"));
        }
        self.handle_admitted(now, request)
    }

    /// Whether the rate limit of `listener` lets a request through at `now` (it takes a token).
    /// A host that replays answers itself calls this for every request to the credentials path,
    /// then [`handle_admitted`](Self::handle_admitted) for those it does not replay, so replays
    /// and calls share the agent's one limit.
    pub fn admit(&mut self, now: u64, listener: usize) -> bool {
        self.start(now);
        let index = listener.min(MAX_LISTENERS - 1);
        if self.limiters.len() <= index {
            self.limiters.resize(index + 1, TokenBucket::new(self.config.rate_limit, self.config.burst));
        }
        self.limiters.get_mut(index).is_none_or(|limiter| limiter.take(now))
    }

    /// A request [`admit`](Self::admit) let through: as [`handle_request`](Self::handle_request)
    /// from the `Host` check on.
    pub fn handle_admitted(&mut self, now: u64, request: &Request<'_>) -> Decision {
        self.start(now);
        if request.path != CREDENTIALS_PATH {
            return Decision::Answer(Answer::text(404, "404 page not found"));
        }
        let host = request.host.unwrap_or("");
        let hosts: Vec<&str> = self.config.hosts.iter().map(String::as_str).collect();
        if !host_allowed(host, &hosts) {
            let shown: String = target_host(host).chars().take(HOST_ECHO_CHARS).collect();
            let text = format!("Access Denied. Called agent through invalid address, please use either [{}] address not {shown}", hosts.join(" "));
            return self.answer_now(Answer::text(403, &text));
        }
        if request.token.is_empty() {
            return self.refuse(&Refusal::Empty);
        }
        let key = CacheKey::of(request.token);
        let known = self.entries.get(&key).map(|e| e.validity).or_else(|| self.flights.get(&key).map(|f| f.validity));
        if known.is_none() && self.flights_full() {
            // Before the token is parsed (most of a refusal's cost, for a large one): a flood past
            // the bound is shed as cheaply as it can be; its retry meets the token's 400 if any.
            self.metrics.cache_miss += 1;
            return self.busy();
        }
        let validity = match known.map_or_else(|| claims::validity(request.token), Ok) {
            Ok(v) => v,
            Err(refusal) => return self.refuse(&refusal),
        };
        if let Err(refusal) = validity.check(now) {
            if refusal == Refusal::Expired {
                self.evict(&key, DropReason::TokenExpired);
            }
            return self.refuse(&refusal);
        }
        if let Some(entry) = self.entries.get(&key) {
            if entry.usable(now) {
                let renewing = now >= entry.renew_at_ms;
                let answer = Answer {
                    status: 200,
                    content_type: JSON,
                    body: entry.body.clone(),
                    serve_until_ms: entry.serve_until(now),
                    cache: Some(if renewing { CacheUse::Renew } else { CacheUse::Hit }),
                    entry: Some(entry.id),
                    code: None,
                };
                self.touch(&key, now);
                if renewing {
                    self.renew(now, key);
                }
                return self.answer_now(answer);
            }
            self.evict(&key, DropReason::CredentialsExpired);
        }
        self.metrics.cache_miss += 1;
        if self.closed {
            return self.answer_now(Answer::error(500, "Aborted", &shutting_down()));
        }
        let cache = if self.flights.contains_key(&key) {
            CacheUse::Join
        } else if self.flights_full() {
            return self.busy();
        } else {
            self.begin(key, request.token.to_string(), validity, false);
            CacheUse::Miss
        };
        let id = RequestId(self.next_request);
        self.next_request += 1;
        let deadline = (self.config.answer_within_ms > 0).then(|| now.saturating_add(self.config.answer_within_ms));
        if let Some(d) = deadline {
            self.deadlines.push_back((d, id));
        }
        self.waiters.insert(id, Waiter { cache });
        if let Some(flight) = self.flights.get_mut(&key) {
            flight.waiters.push(id);
        }
        Decision::Wait(id)
    }

    /// A request to the credentials path for whose token the host holds an answer naming
    /// `entry`, before that answer's `serve_until_ms`, with its `Host` served: the rate limit
    /// (a token taken, as [`admit`](Self::admit)), then whether the entry still stands. A replay
    /// counts and touches as a cache hit, with no token parsed and no answer built.
    pub fn replay(&mut self, now: u64, listener: usize, entry: u64) -> Replay {
        if !self.admit(now, listener) {
            return Replay::Limited;
        }
        let Some(key) = self.by_id.get(&entry).copied() else { return Replay::Ask };
        let servable = self.entries.get(&key).is_some_and(|e| e.usable(now) && now < e.renew_at_ms && !e.validity.expired(now));
        if !servable {
            return Replay::Ask;
        }
        self.touch(&key, now);
        self.metrics.response(200);
        Replay::Served
    }

    /// The result of the exchange ordered for `key`: cached (when it is still wanted), and
    /// answered to the requests waiting on it. A result for no exchange in flight is ignored.
    pub fn handle_exchange_result(&mut self, now: u64, key: CacheKey, result: Result<Outcome, Failed>) {
        self.start(now);
        let Some(flight) = self.flights.remove(&key) else { return };
        let fresh = match result {
            Ok(outcome) => self.fresh(now, &outcome),
            Err(failed) => {
                let (status, body) = failed_answer(&failed);
                Err(Unserved { answer: Answer::error(status, failed.code(), &body), irrecoverable: failed.irrecoverable(), metric_code: metric_code(&failed) })
            }
        };
        match fresh {
            Ok(fresh) => {
                if flight.background {
                    self.metrics.cache_hit += 1;
                }
                let answer = Answer {
                    status: 200,
                    content_type: JSON,
                    body: fresh.body.clone(),
                    serve_until_ms: None,
                    cache: None,
                    entry: None,
                    code: None,
                };
                let asked = !flight.waiters.is_empty();
                let (serve_until, entry) = self.store(now, key, flight.token, flight.validity, asked, fresh);
                self.answer_waiters(&flight.waiters, &Answer { serve_until_ms: serve_until, entry, ..answer });
            }
            Err(Unserved { answer, irrecoverable, metric_code }) => {
                if flight.background {
                    let kind = if irrecoverable { ErrorType::NonRecoverable } else { ErrorType::Recoverable };
                    self.metrics.error(kind, &metric_code);
                }
                if irrecoverable {
                    self.evict(&key, DropReason::Irrecoverable);
                } else if let Some(entry) = self.entries.get_mut(&key) {
                    // Keep what still works; ask again only after the agent's delay.
                    entry.retry_at_ms = now.saturating_add(error_retry_delay_ms(self.jitter.next()) as u64);
                }
                self.answer_waiters(&flight.waiters, &answer);
            }
        }
    }

    /// Time has passed: requests past `answer_within_ms` are answered 500, entries are swept
    /// when the sweep is due, and renewals the refresh rate limit held back go out.
    pub fn handle_timeout(&mut self, now: u64) {
        self.start(now);
        while let Some(&(deadline, id)) = self.deadlines.front() {
            if deadline > now {
                break;
            }
            self.deadlines.pop_front();
            if self.waiters.remove(&id).is_some() {
                let message = format!(
                    "no answer from EKS Auth within {} ms; the call goes on and its credentials will be cached for the next request",
                    self.config.answer_within_ms
                );
                let answer = Answer::error(500, "TimeoutError", &error_body(None, "TimeoutError", &message, Fault::Server));
                self.metrics.response(answer.status);
                self.answers.push_back((id, answer));
            }
        }
        if self.next_sweep.is_some_and(|at| now >= at) {
            self.sweep(now);
            self.next_sweep = Some(now.saturating_add(self.config.sweep_interval_ms));
        }
        self.drain_renewals(now);
    }

    /// Shutting down: no exchange is ordered from now on, exchanges not yet taken are dropped and
    /// their requests answered 500. The host aborts the exchanges it runs and reports their
    /// results as usual.
    pub fn close(&mut self) {
        self.closed = true;
        self.renewals.clear();
        while let Some(key) = self.pending.pop_front() {
            if let Some(flight) = self.flights.remove(&key) {
                self.answer_waiters(&flight.waiters, &Answer::error(500, "Aborted", &shutting_down()));
            }
        }
    }

    /// The next exchange to run.
    pub fn poll_exchange(&mut self) -> Option<ExchangeOrder> {
        while let Some(key) = self.pending.pop_front() {
            if let Some(flight) = self.flights.get(&key) {
                return Some(ExchangeOrder { key, token: flight.token.clone(), background: flight.background });
            }
        }
        None
    }

    /// The next answer to a parked request.
    pub fn poll_answer(&mut self) -> Option<(RequestId, Answer)> {
        self.answers.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next: the next sweep, request
    /// deadline or held-back renewal. `None` before the first input.
    pub fn poll_timeout(&self) -> Option<u64> {
        let deadline = self.deadlines.front().map(|(d, _)| *d);
        let renewal = (!self.renewals.is_empty()).then(|| self.refresh.ready_at());
        [self.next_sweep, deadline, renewal].into_iter().flatten().min()
    }

    fn start(&mut self, now: u64) {
        if self.next_sweep.is_none() {
            self.next_sweep = Some(now.saturating_add(self.config.sweep_interval_ms));
        }
    }

    fn flights_full(&self) -> bool {
        self.config.max_flights > 0 && self.flights.len() >= self.config.max_flights
    }

    fn busy(&mut self) -> Decision {
        let message = format!("{} calls to EKS Auth are in flight already, the most the agent makes at once; ask again", self.config.max_flights);
        self.answer_now(Answer::error(503, BUSY_CODE, &error_body(None, BUSY_CODE, &message, Fault::Server)))
    }

    fn answer_now(&mut self, answer: Answer) -> Decision {
        self.metrics.response(answer.status);
        Decision::Answer(answer)
    }

    fn refuse(&mut self, refusal: &Refusal) -> Decision {
        self.answer_now(Answer::text(400, &refusal.body()))
    }

    fn answer_waiters(&mut self, ids: &[RequestId], answer: &Answer) {
        for id in ids {
            if let Some(waiter) = self.waiters.remove(id) {
                self.metrics.response(answer.status);
                self.answers.push_back((*id, Answer { cache: Some(waiter.cache), ..answer.clone() }));
            }
        }
    }

    /// Orders an exchange for `key`.
    fn begin(&mut self, key: CacheKey, token: String, validity: Validity, background: bool) {
        self.flights.insert(key, Flight { token, validity, background, waiters: Vec::new() });
        self.pending.push_back(key);
    }

    /// Renews `key` in the background now if the refresh rate allows, else queues it.
    fn renew(&mut self, now: u64, key: CacheKey) {
        let Some(entry) = self.entries.get_mut(&key) else { return };
        if self.closed || entry.queued || now < entry.retry_at_ms || self.flights.contains_key(&key) {
            return;
        }
        entry.queued = true;
        self.renewals.push_back(key);
        self.drain_renewals(now);
    }

    fn drain_renewals(&mut self, now: u64) {
        while let Some(&key) = self.renewals.front() {
            let in_flight = self.flights.contains_key(&key);
            let Some(entry) = self.entries.get_mut(&key) else {
                self.renewals.pop_front();
                continue;
            };
            if self.closed || in_flight {
                entry.queued = false;
                self.renewals.pop_front();
                continue;
            }
            // Checked again at the call: the entry may have waited in the queue.
            if let Some(reason) = entry.drop_reason(now, false) {
                self.renewals.pop_front();
                self.evict(&key, reason);
                continue;
            }
            if !self.refresh.take(now) {
                break;
            }
            entry.queued = false;
            let (token, validity) = (entry.token.clone(), entry.validity);
            self.renewals.pop_front();
            self.begin(key, token, validity, true);
        }
    }

    /// Drops what must go; queues what is due for renewal.
    fn sweep(&mut self, now: u64) {
        let mut dropped = Vec::new();
        for (key, entry) in &mut self.entries {
            let in_flight = self.flights.contains_key(key);
            if let Some(reason) = entry.drop_reason(now, in_flight) {
                dropped.push((*key, reason));
            } else if now >= entry.renew_at_ms && now >= entry.retry_at_ms && !in_flight && !entry.queued {
                entry.queued = true;
                self.renewals.push_back(*key);
            }
        }
        for (key, reason) in dropped {
            self.evict(&key, reason);
        }
    }

    /// The cache entry's parts for an outcome, or the 500 when it holds nothing to serve.
    fn fresh(&self, now: u64, outcome: &Outcome) -> Result<Fresh, Unserved> {
        let unserved = |answer| Unserved { answer, irrecoverable: false, metric_code: "Unknown".to_string() };
        let failed = |message: &str| unserved(Answer::error(500, "MalformedResponse", &error_body(None, "MalformedResponse", message, Fault::Server)));
        let credentials = to_container_credentials(&outcome.result).map_err(|e| failed(&e.text()))?;
        let expiration_ms = outcome.expiration_ms().ok_or_else(|| failed("the result has no expiration"))?;
        if expiration_ms.saturating_sub(now) <= MIN_REMAINING_MS {
            // Never served nor cached with 15 s or less left; the agent's own text
            // (`internal/credsretriever/refreshing_cache.go`), alone.
            // Hundredths of a second in integers: float formatting would add its code to the wasm.
            let centis = expiration_ms.saturating_sub(now).div_ceil(10);
            let message = format!("fetched credentials are expired or will expire within the next {}.{:02} seconds", centis / 100, centis % 100);
            return Err(unserved(Answer::error(500, "ExpiredCredentials", &message)));
        }
        let renew_at_ms = renew_at_ms(now as f64, expiration_ms as f64, self.config.max_retention_ms as f64) as u64;
        let body = serde_json::to_string(&credentials).map_err(|e| failed(&e.to_string()))?;
        Ok(Fresh { body: body.into(), expiration_ms, renew_at_ms })
    }

    /// Caches `fresh` for `key` and says until when its answer may be replayed. Credentials no
    /// request `asked` for (a background renewal) replace an entry, but never bring back one
    /// dropped meanwhile.
    fn store(&mut self, now: u64, key: CacheKey, token: String, validity: Validity, asked: bool, fresh: Fresh) -> (Option<u64>, Option<u64>) {
        let Fresh { body, expiration_ms, renew_at_ms } = fresh;
        let mut entry = Entry {
            id: 0,
            token,
            validity,
            body,
            fetched_ms: now,
            expiration_ms,
            renew_at_ms,
            touched_ms: now,
            seq: 0,
            retry_at_ms: 0,
            queued: false,
        };
        if !self.caching {
            // Caching off: every request asks EKS Auth, so the host may not replay either.
            return (None, None);
        }
        let serve_until = entry.serve_until(now);
        if self.closed || validity.expired(now) {
            return (serve_until, None);
        }
        match self.entries.get_mut(&key) {
            Some(existing) => {
                entry.id = existing.id;
                entry.seq = existing.seq;
                entry.queued = existing.queued;
                if !asked {
                    entry.touched_ms = existing.touched_ms;
                }
                *existing = entry;
                if asked {
                    self.touch(&key, now);
                }
            }
            None if !asked => return (serve_until, None),
            None => {
                self.next_id = self.next_id.wrapping_add(1);
                entry.id = self.next_id;
                self.by_id.insert(entry.id, key);
                self.seq += 1;
                entry.seq = self.seq;
                self.lru.insert(self.seq, key);
                self.entries.insert(key, entry);
                while self.entries.len() > self.config.max_cache_size {
                    let Some((_, oldest)) = self.lru.first_key_value().map(|(s, k)| (*s, *k)) else { break };
                    self.evict(&oldest, DropReason::Capacity);
                }
            }
        }
        (serve_until, self.entries.get(&key).map(|e| e.id))
    }

    fn touch(&mut self, key: &CacheKey, now: u64) {
        if let Some(entry) = self.entries.get_mut(key) {
            entry.touched_ms = entry.touched_ms.max(now);
            self.lru.remove(&entry.seq);
            self.seq += 1;
            entry.seq = self.seq;
            self.lru.insert(self.seq, *key);
        }
    }

    fn evict(&mut self, key: &CacheKey, reason: DropReason) {
        if let Some(entry) = self.entries.remove(key) {
            self.lru.remove(&entry.seq);
            self.by_id.remove(&entry.id);
            self.metrics.cache_evicted += 1;
            let count = match reason {
                DropReason::TokenExpired => &mut self.evictions.token_expired,
                DropReason::CredentialsExpired => &mut self.evictions.credentials_expired,
                DropReason::Untouched => &mut self.evictions.untouched,
                DropReason::Irrecoverable => &mut self.evictions.irrecoverable,
                DropReason::Capacity => &mut self.evictions.capacity,
            };
            *count += 1;
        }
    }
}

/// The `Host` as the agent echoes it (`request.go:107-109`): without its port, an IPv6 address
/// without brackets.
fn target_host(header: &str) -> &str {
    let host = match header.rsplit_once(':') {
        // `[v6]:port` or `name:port`; a bare IPv6 address has more than one colon.
        Some((host, _)) if host.ends_with(']') || !host.contains(':') => host,
        _ => header,
    };
    host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host)
}

fn shutting_down() -> String {
    error_body(None, "Aborted", "the agent is shutting down", Fault::Server)
}

/// The agent's answer to a failed exchange: EKS Auth's status and error passed through, else 500.
/// `pod_identity_cache_errors`'s `code` for a failed exchange: EKS Auth's, else `Unknown`.
fn metric_code(failed: &Failed) -> String {
    match &failed.error {
        ExchangeError::Service(Error::Service(e)) => e.code.clone(),
        _ => "Unknown".to_string(),
    }
}

fn failed_answer(failed: &Failed) -> (u16, String) {
    match &failed.error {
        ExchangeError::Invalid(e) | ExchangeError::Service(e) => error_response(e),
        ExchangeError::Transport(failure) => (500, error_body(None, failure.code(), failure.message(), Fault::Server)),
        ExchangeError::Aborted => (500, error_body(None, "Aborted", "the call to EKS Auth was aborted", Fault::Server)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_echoed_as_the_agent_does() {
        assert_eq!(target_host("127.0.0.1:80"), "127.0.0.1");
        assert_eq!(target_host("[fd00::1]:80"), "fd00::1");
        assert_eq!(target_host("fd00::1"), "fd00::1");
        assert_eq!(target_host("evil.example"), "evil.example");
        assert_eq!(target_host(""), "");
    }

    #[test]
    fn renewal_capacity() {
        // The agent's defaults: 2000 entries in 3 h need 0.19 renewals a second, against 3.
        assert!(AgentConfig::default().renewals_keep_up());
        let tight = AgentConfig { max_retention_ms: 60_000, ..AgentConfig::default() };
        assert!(!tight.renewals_keep_up(), "2000 entries a minute need 34 a second");
    }
}
