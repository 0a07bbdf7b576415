//! One `AssumeRoleForPodIdentity` exchange as a sans-IO state machine, in the shape of
//! quinn-proto's `Connection`: the host feeds in what happened (`handle_*`), polls out what to do
//! (`poll_*`), and owns every socket and timer. It serves the client and the agent alike.
//!
//! An exchange is up to [`ExchangeConfig::max_attempts`] HTTP attempts (AWS standard retry mode:
//! 3), with exponential backoff and full jitter between them ([`retry::backoff_delay_ms`]), each
//! retry paid from the retry quota the client's exchanges share ([`RetryQuota`]); one re-sign
//! when EKS Auth shows the host clock is off, outside that budget; and a deadline per attempt.
//!
//! Time is `now`, milliseconds since the Unix epoch on the host's clock, passed into every call.
//! The jitter comes from a seed the host draws.
//!
//! ```text
//! let mut exchange = Exchange::new(request, ExchangeConfig::AGENT, seed)?;
//! loop {
//!     while let Some(t) = exchange.poll_transmit(now, &shared) { send t.request; arm t.connect_timeout_ms }
//!     if let Some(result) = exchange.poll_result() { break result }
//!     wait for: a response → handle_response(now, &mut shared, t.attempt, response)
//!               a transport failure → handle_failure(now, &mut shared, t.attempt, failure)
//!               poll_timeout() passing → handle_timeout(now, &mut shared)
//! }
//! ```
//!
//! After `handle_timeout` has given up on an attempt ([`Exchange::current_attempt`] no longer
//! names it), the host should abort that request: a response that arrives for it later is ignored.

use crate::error::Error;
use crate::jitter::Jitter;
use crate::request::{build_assume_role_request, AssumeRoleRequest, SignedRequest};
use crate::response::{parse_assume_role_response, AssumeRoleResult, HttpResponse};
use crate::{retry, time};
use std::collections::VecDeque;
use std::fmt;

/// Attempts of AWS standard retry mode.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// The retry quota's tokens when full (standard mode, the parity reference §7).
pub const QUOTA_CAPACITY: u32 = 500;
/// Tokens a retry takes from the quota.
pub const RETRY_COST: u32 = 5;
/// Tokens a retry after a timeout takes.
pub const TIMEOUT_RETRY_COST: u32 = 10;
/// Tokens an exchange that succeeds at its first attempt gives back.
pub const NO_RETRY_INCREMENT: u32 = 1;

/// How one exchange runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeConfig {
    /// Attempts in all, at least 1 (re-signing for a skewed clock comes on top).
    pub max_attempts: u32,
    /// How long the host may take to connect, 0 for no limit. The host arms it: only it sees the
    /// connection open.
    pub connect_timeout_ms: u64,
    /// How long one attempt may take from its sending to its whole response, 0 for no limit.
    pub attempt_timeout_ms: u64,
}

impl ExchangeConfig {
    /// The Pod Identity Agent's calls: a 500 ms dial, 1 s a request (the parity reference §7).
    pub const AGENT: ExchangeConfig = ExchangeConfig { max_attempts: DEFAULT_MAX_ATTEMPTS, connect_timeout_ms: 500, attempt_timeout_ms: 1000 };
    /// `EksAuthClient`'s documented defaults: 10 s an attempt.
    pub const CLIENT: ExchangeConfig = ExchangeConfig { max_attempts: DEFAULT_MAX_ATTEMPTS, connect_timeout_ms: 0, attempt_timeout_ms: 10_000 };
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        ExchangeConfig::CLIENT
    }
}

/// Standard retry mode's retry quota, shared by a client's exchanges: a retry takes
/// [`RETRY_COST`] tokens ([`TIMEOUT_RETRY_COST`] after a timeout); with too few left no retry is
/// made. An exchange that succeeds gives back what its last retry took, or
/// [`NO_RETRY_INCREMENT`] when it needed none, up to the capacity. So a failing EKS Auth gets
/// ~100 retries from a client, then one attempt an exchange until calls succeed again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryQuota {
    available: u32,
    capacity: u32,
}

impl RetryQuota {
    /// A full quota of `capacity` tokens.
    pub fn new(capacity: u32) -> Self {
        RetryQuota { available: capacity, capacity }
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.available
    }

    /// Tokens when full.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    fn acquire(&mut self, cost: u32) -> bool {
        let granted = self.available >= cost;
        if granted {
            self.available -= cost;
        }
        granted
    }

    fn release(&mut self, amount: u32) {
        self.available = self.available.saturating_add(amount).min(self.capacity);
    }
}

impl Default for RetryQuota {
    fn default() -> Self {
        RetryQuota::new(QUOTA_CAPACITY)
    }
}

/// What a client keeps between its exchanges: the retry quota and how far the host clock is off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientState {
    /// The retry quota.
    pub quota: RetryQuota,
    clock_offset_ms: i64,
}

impl ClientState {
    /// A full quota, no known clock offset.
    pub fn new() -> Self {
        ClientState::default()
    }

    /// Server time minus host time, learnt from EKS Auth's answers; requests are signed at
    /// `now` plus this.
    pub fn clock_offset_ms(&self) -> i64 {
        self.clock_offset_ms
    }

    fn learn_offset(&mut self, offset_ms: f64) {
        // A float to integer cast saturates, and NaN becomes 0.
        self.clock_offset_ms = offset_ms as i64;
    }
}

/// How an attempt failed without an HTTP response, as the host saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The connection could not be made or broke (refused, reset, DNS, TLS).
    Network,
    /// No connection within [`Transmit::connect_timeout_ms`].
    ConnectTimeout,
    /// No whole response by [`Transmit::deadline_ms`] (the host's own timer).
    Timeout,
}

impl Failure {
    /// `NetworkError` or `TimeoutError`, the codes hosts report.
    pub fn code(self) -> &'static str {
        match self {
            Failure::Network => "NetworkError",
            Failure::ConnectTimeout | Failure::Timeout => "TimeoutError",
        }
    }

    /// What happened, in words.
    pub fn message(self) -> &'static str {
        match self {
            Failure::Network => "could not reach EKS Auth",
            Failure::ConnectTimeout => "could not connect to EKS Auth in time",
            Failure::Timeout => "no response from EKS Auth in time",
        }
    }

    fn is_timeout(self) -> bool {
        matches!(self, Failure::ConnectTimeout | Failure::Timeout)
    }
}

/// Names one attempt, so a late answer to an attempt given up on is told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttemptId(pub u32);

/// An attempt for the host to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Which attempt: give it back with its response or failure.
    pub attempt: AttemptId,
    /// The signed request.
    pub request: SignedRequest,
    /// Connect within this long, when set; else report [`Failure::ConnectTimeout`].
    pub connect_timeout_ms: Option<u64>,
    /// The attempt's deadline; [`Exchange::poll_timeout`] includes it.
    pub deadline_ms: Option<u64>,
}

/// A successful exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// EKS Auth's answer.
    pub result: AssumeRoleResult,
    /// HTTP requests sent, the re-sign included.
    pub attempts: u32,
    /// The clock offset at the end (server minus host), to read the answer's times on the host clock.
    pub clock_offset_ms: i64,
}

impl Outcome {
    /// When the credentials expire on the host clock (ms); `None` without an expiration.
    pub fn expiration_ms(&self) -> Option<u64> {
        let seconds = self.result.credentials.as_ref()?.expiration?;
        // Saturating casts: a negative or absurd expiration stays ordered, never wraps.
        Some((seconds * 1000.0 - self.clock_offset_ms as f64) as u64)
    }
}

/// Something the host may log or trace (`EksAuthClient`'s `onEvent`): not needed to drive the
/// exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Attempt `attempt` failed with `code`; the next goes after `delay_ms`.
    Retry {
        /// The attempt that failed (counted as [`ExchangeConfig::max_attempts`] counts).
        attempt: u32,
        /// Its error code.
        code: String,
        /// The backoff.
        delay_ms: u64,
    },
    /// EKS Auth showed the host clock off by `offset_ms` (server minus host); `resign` when the
    /// request goes again at once, signed with it.
    ClockSkew {
        /// Server time minus host time.
        offset_ms: i64,
        /// Whether a re-sign follows.
        resign: bool,
    },
}

/// Why an exchange failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ExchangeError {
    /// The request could not be built (bad input, or `now` out of range): nothing was sent.
    Invalid(Error),
    /// EKS Auth's answer to the last attempt (an error status, or a 200 that could not be read).
    Service(Error),
    /// The last attempt got no response.
    Transport(Failure),
    /// The host aborted the exchange.
    Aborted,
}

impl ExchangeError {
    /// The AWS error code, `NetworkError`, `TimeoutError`, `Aborted`, or the core's code.
    pub fn code(&self) -> &str {
        match self {
            ExchangeError::Invalid(e) | ExchangeError::Service(e) => e.code(),
            ExchangeError::Transport(failure) => failure.code(),
            ExchangeError::Aborted => "Aborted",
        }
    }
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExchangeError::Invalid(e) | ExchangeError::Service(e) => fmt::Display::fmt(e, f),
            ExchangeError::Transport(failure) => write!(f, "{}: {}", failure.code(), failure.message()),
            ExchangeError::Aborted => f.write_str("Aborted: the exchange was aborted"),
        }
    }
}

/// A failed exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Failed {
    /// Why.
    pub error: ExchangeError,
    /// HTTP requests sent.
    pub attempts: u32,
    /// A retry was due but the quota had too few tokens.
    pub quota_exhausted: bool,
}

impl Failed {
    /// As [`ExchangeError::code`].
    pub fn code(&self) -> &str {
        self.error.code()
    }

    /// Whether the token is refused for good (the agent's irrecoverable errors).
    pub fn irrecoverable(&self) -> bool {
        matches!(&self.error, ExchangeError::Service(e) if e.irrecoverable())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// The next attempt goes at `at`.
    Ready { at: u64 },
    /// `attempt` is out; it times out at `deadline`.
    Sent { attempt: AttemptId, deadline: Option<u64> },
    Done,
}

/// One exchange. Inputs: [`handle_response`](Self::handle_response),
/// [`handle_failure`](Self::handle_failure), [`handle_timeout`](Self::handle_timeout),
/// [`abort`](Self::abort). Outputs: [`poll_transmit`](Self::poll_transmit),
/// [`poll_timeout`](Self::poll_timeout), [`poll_result`](Self::poll_result), and
/// [`poll_event`](Self::poll_event) for traces.
///
/// After each input, the host polls transmits, then the result, then the timeout. `Debug`
/// shows neither the token nor the caller's secret key.
#[derive(Debug)]
pub struct Exchange {
    request: AssumeRoleRequest,
    config: ExchangeConfig,
    jitter: Jitter,
    state: State,
    /// Attempts counted against `max_attempts`.
    attempts: u32,
    /// HTTP requests sent.
    sent: u32,
    resigned: bool,
    /// The next attempt is the re-sign: it does not count.
    resign_next: bool,
    /// What the current attempt took from the quota, when it is a retry.
    retry_cost: Option<u32>,
    quota_exhausted: bool,
    events: VecDeque<Event>,
    result: Option<Result<Outcome, Failed>>,
}

impl Exchange {
    /// An exchange for `request` (its `now` is ignored: each attempt is signed at its own time),
    /// ready to send at once. `seed` draws the backoff jitter.
    ///
    /// # Errors
    /// `InvalidInput` naming the field, or `InvalidConfiguration`: the request can never be built.
    pub fn new(request: AssumeRoleRequest, config: ExchangeConfig, seed: u64) -> Result<Self, Error> {
        if config.max_attempts == 0 {
            return Err(Error::input("maxAttempts", "must be an integer of 1 or more"));
        }
        let mut request = request;
        request.now = std::time::UNIX_EPOCH;
        request.validate()?;
        request.url()?;
        Ok(Exchange {
            request,
            config,
            jitter: Jitter::new(seed),
            state: State::Ready { at: 0 },
            attempts: 0,
            sent: 0,
            resigned: false,
            resign_next: false,
            retry_cost: None,
            quota_exhausted: false,
            events: VecDeque::new(),
            result: None,
        })
    }

    /// The next attempt to send, when one is due at `now`: signed at `now` plus the client's
    /// clock offset. At most one attempt is out at a time.
    pub fn poll_transmit(&mut self, now: u64, shared: &ClientState) -> Option<Transmit> {
        let State::Ready { at } = self.state else { return None };
        if now < at {
            return None;
        }
        let signing_ms = (i128::from(now) + i128::from(shared.clock_offset_ms)).max(0);
        let Some(signing_time) = time::from_epoch_millis(signing_ms as f64) else {
            self.finish(Err(ExchangeError::Invalid(Error::input("now", "must be a valid time between 1970 and 9999"))));
            return None;
        };
        self.request.now = signing_time;
        let request = match build_assume_role_request(&self.request) {
            Ok(request) => request,
            Err(e) => {
                self.finish(Err(ExchangeError::Invalid(e)));
                return None;
            }
        };
        if !std::mem::take(&mut self.resign_next) {
            self.attempts += 1;
        }
        self.sent += 1;
        let attempt = AttemptId(self.sent);
        let deadline = (self.config.attempt_timeout_ms > 0).then(|| now.saturating_add(self.config.attempt_timeout_ms));
        self.state = State::Sent { attempt, deadline };
        Some(Transmit {
            attempt,
            request,
            connect_timeout_ms: (self.config.connect_timeout_ms > 0).then_some(self.config.connect_timeout_ms),
            deadline_ms: deadline,
        })
    }

    /// The response to `attempt`. A response to an attempt given up on is ignored.
    pub fn handle_response(&mut self, now: u64, shared: &mut ClientState, attempt: AttemptId, response: &HttpResponse<'_>) {
        if self.current_attempt() != Some(attempt) {
            return;
        }
        let date = response.header("date");
        match parse_assume_role_response(response) {
            Ok(result) => {
                if let Some(offset) = retry::clock_skew_ms(now as f64, date, None, None) {
                    shared.learn_offset(offset);
                    self.events.push_back(Event::ClockSkew { offset_ms: shared.clock_offset_ms, resign: false });
                }
                shared.quota.release(self.retry_cost.unwrap_or(NO_RETRY_INCREMENT));
                self.finish(Ok(Outcome { result, attempts: self.sent, clock_offset_ms: shared.clock_offset_ms }));
            }
            Err(error) => {
                let skew = retry::clock_skew_ms(now as f64, date, Some(error.code()), Some(error.message()));
                match skew {
                    // A skewed clock fails every attempt alike: correct it and re-sign once,
                    // outside the retry budget.
                    Some(offset) if !self.resigned => {
                        shared.learn_offset(offset);
                        self.events.push_back(Event::ClockSkew { offset_ms: shared.clock_offset_ms, resign: true });
                        self.resigned = true;
                        self.resign_next = true;
                        self.state = State::Ready { at: now };
                    }
                    _ => {
                        let retryable = error.retryable();
                        self.retry_or_fail(now, shared, ExchangeError::Service(error), retryable, false);
                    }
                }
            }
        }
    }

    /// `attempt` failed without a response.
    pub fn handle_failure(&mut self, now: u64, shared: &mut ClientState, attempt: AttemptId, failure: Failure) {
        if self.current_attempt() == Some(attempt) {
            self.retry_or_fail(now, shared, ExchangeError::Transport(failure), true, failure.is_timeout());
        }
    }

    /// Time has passed: an attempt past its deadline is given up on (and retried, or the
    /// exchange fails).
    pub fn handle_timeout(&mut self, now: u64, shared: &mut ClientState) {
        if let State::Sent { deadline: Some(deadline), .. } = self.state {
            if now >= deadline {
                self.retry_or_fail(now, shared, ExchangeError::Transport(Failure::Timeout), true, true);
            }
        }
    }

    /// Ends the exchange now with [`ExchangeError::Aborted`], unless it has ended.
    pub fn abort(&mut self) {
        if self.state != State::Done {
            self.finish(Err(ExchangeError::Aborted));
        }
    }

    /// When the host must call [`handle_timeout`](Self::handle_timeout) or
    /// [`poll_transmit`](Self::poll_transmit) next: the next attempt's time, or the attempt's
    /// deadline. `None` when waiting on the host alone, or done.
    pub fn poll_timeout(&self) -> Option<u64> {
        match self.state {
            State::Ready { at } => Some(at),
            State::Sent { deadline, .. } => deadline,
            State::Done => None,
        }
    }

    /// The result, once: credentials or why not.
    pub fn poll_result(&mut self) -> Option<Result<Outcome, Failed>> {
        self.result.take()
    }

    /// The next event to log or trace.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The attempt the exchange waits on, if any.
    pub fn current_attempt(&self) -> Option<AttemptId> {
        match self.state {
            State::Sent { attempt, .. } => Some(attempt),
            _ => None,
        }
    }

    /// Whether the exchange has ended (its result may still be waiting in `poll_result`).
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    fn retry_or_fail(&mut self, now: u64, shared: &mut ClientState, error: ExchangeError, retryable: bool, timeout: bool) {
        if retryable && self.attempts < self.config.max_attempts {
            let cost = if timeout { TIMEOUT_RETRY_COST } else { RETRY_COST };
            if shared.quota.acquire(cost) {
                self.retry_cost = Some(cost);
                let delay = retry::backoff_delay_ms(self.attempts, self.jitter.next()) as u64;
                self.events.push_back(Event::Retry { attempt: self.attempts, code: error.code().to_string(), delay_ms: delay });
                self.state = State::Ready { at: now.saturating_add(delay) };
                return;
            }
            self.quota_exhausted = true;
        }
        self.finish(Err(error));
    }

    fn finish(&mut self, result: Result<Outcome, ExchangeError>) {
        self.state = State::Done;
        self.result = Some(result.map_err(|error| Failed { error, attempts: self.sent, quota_exhausted: self.quota_exhausted }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_is_bounded() {
        let mut q = RetryQuota::new(12);
        assert!(q.acquire(10));
        assert!(!q.acquire(5));
        q.release(1000);
        assert_eq!(q.available(), 12);
    }
}
