//! A simulated world for the state machines: a fake EKS Auth with its own clock, outages and
//! latency; a host that runs the agent machine and its exchanges exactly as the machines' docs
//! say (poll outputs after every input, timers from `poll_timeout`); and pods whose SDKs refresh
//! a fixed time before expiry. Time is a number the loop advances from event to event: hours of
//! credential life run in milliseconds, with no clock and no sleep.
#![allow(dead_code)]

use eks_auth_wasm::agent::machine::{AgentConfig, AgentMachine, Answer, CacheKey, Decision, Replay, Request, RequestId, CREDENTIALS_PATH};
use eks_auth_wasm::exchange::{AttemptId, ClientState, Exchange, ExchangeConfig};
use eks_auth_wasm::request::{AssumeRoleRequest, SignedRequest};
use eks_auth_wasm::response::HttpResponse;
use eks_auth_wasm::sign::Credentials;
use eks_auth_wasm::time;
use std::collections::{BTreeMap, HashMap};

pub const S: u64 = 1000;
pub const M: u64 = 60 * S;
pub const H: u64 = 60 * M;
/// Host time of the simulation's start: 2027-01-15T08:00:00Z.
pub const T0: u64 = 1_800_000_000_000;

// ---- tokens -------------------------------------------------------------------------------

fn base64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// A service-account token for `pod`, with `exp` and `nbf` at these host times (ms).
pub fn token(pod: &str, exp_ms: Option<u64>, nbf_ms: Option<u64>) -> String {
    let mut claims = serde_json::json!({
        "aud": ["pods.eks.amazonaws.com"],
        "sub": format!("system:serviceaccount:default:{pod}"),
        "kubernetes.io": { "namespace": "default", "pod": { "name": pod } },
    });
    if let Some(e) = exp_ms {
        claims["exp"] = (e / 1000).into();
    }
    if let Some(n) = nbf_ms {
        claims["nbf"] = (n / 1000).into();
    }
    format!("{}.{}.c2lnbmF0dXJl", base64url(br#"{"alg":"RS256","kid":"k"}"#), base64url(claims.to_string().as_bytes()))
}

// ---- dates --------------------------------------------------------------------------------

/// `Date` as a server writes it (IMF-fixdate), from the core's RFC 3339 text: the weekday is not
/// read by the core, so any will do.
pub fn http_date(ms: u64) -> String {
    let iso = time::rfc3339((ms / 1000) as f64);
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month: usize = iso[5..7].parse().unwrap();
    format!("Mon, {} {} {} {} GMT", &iso[8..10], MONTHS[month - 1], &iso[0..4], &iso[11..19])
}

fn amz_date(ms: u64) -> String {
    time::amz_date(time::from_epoch_millis(ms as f64).unwrap())
}

/// `x-amz-date` (`20270115T080000Z`) back to epoch ms, through the core's ISO 8601 reader.
fn parse_amz_date(v: &str) -> u64 {
    let extended = format!("{}-{}-{}T{}:{}:{}Z", &v[0..4], &v[4..6], &v[6..8], &v[9..11], &v[11..13], &v[13..15]);
    (time::parse_iso8601(&extended).unwrap() * 1000.0) as u64
}

/// The exchange a host runs for `token`, signed with example keys (its `now` is the machine's).
pub fn exchange_request(token: &str) -> AssumeRoleRequest {
    AssumeRoleRequest {
        region: Some("us-west-2".into()),
        cluster_name: "c".into(),
        token: token.into(),
        credentials: Some(Credentials { access_key_id: "AKIDEXAMPLE".into(), secret_access_key: "secret-key-example".into(), session_token: Some("session-token-example".into()) }),
        now: std::time::UNIX_EPOCH,
        use_fips: false,
        endpoint: None,
        eks_node_name: None,
        instance_id: None,
        zone: None,
    }
}

// ---- EKS Auth -----------------------------------------------------------------------------

/// One call EKS Auth received.
#[derive(Debug, Clone)]
pub struct Call {
    /// Host time of arrival.
    pub at: u64,
    pub token: String,
    pub status: u16,
}

/// A response on the wire: status, headers, body; or no response at all.
pub type Reply = Option<(u16, Vec<(String, String)>, String)>;

pub struct FakeEksAuth {
    /// Credentials live this long.
    pub lifetime_ms: u64,
    /// Server clock minus host clock.
    pub skew_ms: i64,
    /// Host-time windows `[from, to)` in which every call gets 503.
    pub down: Vec<(u64, u64)>,
    /// Host-time windows in which calls get no answer at all (the attempt times out).
    pub silent: Vec<(u64, u64)>,
    /// One way, each way.
    pub latency_ms: u64,
    /// Tokens whose association was deleted: 400 AccessDeniedException.
    pub revoked: Vec<String>,
    pub calls: Vec<Call>,
}

impl FakeEksAuth {
    pub fn new(lifetime_ms: u64) -> Self {
        FakeEksAuth { lifetime_ms, skew_ms: 0, down: Vec::new(), silent: Vec::new(), latency_ms: 20, revoked: Vec::new(), calls: Vec::new() }
    }

    pub fn is_down(&self, at: u64) -> bool {
        self.down.iter().any(|(a, b)| (*a..*b).contains(&at))
    }

    /// EKS Auth's reply to `request` arriving at host time `at`.
    pub fn answer(&mut self, at: u64, request: &SignedRequest) -> Reply {
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        let token = body["token"].as_str().unwrap().to_string();
        let server = at.checked_add_signed(self.skew_ms).unwrap();
        let date = ("date".to_string(), http_date(server));
        let error = |status: u16, code: &str, message: &str| {
            let headers = vec![("x-amzn-errortype".to_string(), code.to_string()), ("x-amzn-requestid".to_string(), "r-1".to_string()), date.clone()];
            Some((status, headers, serde_json::json!({ "message": message }).to_string()))
        };
        if self.silent.iter().any(|(a, b)| (*a..*b).contains(&at)) {
            self.calls.push(Call { at, token, status: 0 });
            return None;
        }
        let reply = if self.is_down(at) {
            error(503, "ServiceUnavailableException", "Service Unavailable")
        } else if self.revoked.contains(&token) {
            error(400, "AccessDeniedException", "no association")
        } else if let Some(signed) = request.headers.iter().find(|(n, _)| n == "x-amz-date").map(|(_, v)| parse_amz_date(v)) {
            if signed.abs_diff(server) > 5 * M {
                let message = format!(
                    "Signature expired: {} is now earlier than {} ({} - 5 min.)",
                    amz_date(signed),
                    amz_date(server - 5 * M),
                    amz_date(server)
                );
                error(403, "InvalidSignatureException", &message)
            } else {
                self.issue(server, &token, date.clone())
            }
        } else {
            self.issue(server, &token, date.clone())
        };
        let status = reply.as_ref().map_or(0, |r| r.0);
        self.calls.push(Call { at, token, status });
        reply
    }

    fn issue(&self, server: u64, token: &str, date: (String, String)) -> Reply {
        let claims = eks_auth_wasm::token::parse_token(token).unwrap();
        let skew = self.skew_ms;
        if claims.expires_at.is_some_and(|exp| (exp * 1000.0) as u64 <= server.saturating_add_signed(-skew)) {
            let headers = vec![("x-amzn-errortype".to_string(), "ExpiredTokenException".to_string()), date];
            return Some((400, headers, r#"{"message":"token expired"}"#.to_string()));
        }
        let body = serde_json::json!({
            "subject": { "namespace": "default", "serviceAccount": "sa" },
            "audience": "pods.eks.amazonaws.com",
            "assumedRoleUser": { "arn": "arn:aws:sts::111122223333:assumed-role/r/s", "assumeRoleId": "AROA:s" },
            "credentials": {
                "accessKeyId": "ASIAEXAMPLE",
                "secretAccessKey": "secret-access-key-example",
                "sessionToken": "session-token-example",
                "expiration": (server + self.lifetime_ms) as f64 / 1000.0,
            },
        });
        Some((200, vec![date, ("x-amzn-requestid".to_string(), "r-2".to_string())], body.to_string()))
    }
}

// ---- the host -----------------------------------------------------------------------------

struct Delivery {
    at: u64,
    key: CacheKey,
    attempt: AttemptId,
    reply: Reply,
}

/// What the Node sidecar will do with the machines: sockets, timers, the replay map.
pub struct Host {
    pub agent: AgentMachine,
    pub client: ClientState,
    pub eks: FakeEksAuth,
    pub exchange_config: ExchangeConfig,
    exchanges: BTreeMap<CacheKey, Exchange>,
    wire: Vec<Delivery>,
    /// token → (answer, until when it may be replayed).
    replay: HashMap<String, (Answer, u64)>,
    /// Answers to parked requests, as they came.
    pub answered: Vec<(RequestId, Answer)>,
    /// Answers replayed from `replay` (the machine asked only `replay`: limit, touch, count).
    pub replayed: usize,
    /// Parked requests' tokens.
    parked: HashMap<RequestId, String>,
    seeds: u64,
}

impl Host {
    pub fn new(config: AgentConfig, eks: FakeEksAuth) -> Self {
        Host {
            agent: AgentMachine::new(config, 42).unwrap(),
            client: ClientState::new(),
            eks,
            exchange_config: ExchangeConfig::AGENT,
            exchanges: BTreeMap::new(),
            wire: Vec::new(),
            replay: HashMap::new(),
            answered: Vec::new(),
            replayed: 0,
            parked: HashMap::new(),
            seeds: 0,
        }
    }

    /// A pod's request: answered now (`Ok`), or parked (`Err(id)`).
    pub fn request(&mut self, now: u64, token: &str) -> Result<Answer, RequestId> {
        let request = Request { path: CREDENTIALS_PATH, host: Some("169.254.170.23"), token, listener: 0 };
        let replayable = self.replay.get(token).filter(|(_, until)| now < *until).and_then(|(answer, _)| Some((answer.clone(), answer.entry?)));
        let decision = match replayable {
            Some((answer, entry)) => match self.agent.replay(now, 0, entry) {
                Replay::Served => {
                    self.replayed += 1;
                    return Ok(answer);
                }
                // The bucket is empty: asking again takes nothing and gives the machine's 429.
                Replay::Limited => self.agent.handle_request(now, &request),
                Replay::Ask => self.agent.handle_admitted(now, &request),
            },
            None => self.agent.handle_request(now, &request),
        };
        let result = match decision {
            Decision::Answer(answer) => {
                self.keep(token, &answer);
                Ok(answer)
            }
            Decision::Wait(id) => {
                self.parked.insert(id, token.to_string());
                Err(id)
            }
        };
        self.pump(now);
        result
    }

    /// Keeps a replayable answer (the real host keys it by token too).
    pub fn keep(&mut self, token: &str, answer: &Answer) {
        match answer.serve_until_ms {
            Some(until) => {
                self.replay.insert(token.to_string(), (answer.clone(), until));
            }
            None => {
                self.replay.remove(token);
            }
        }
    }

    /// The earliest moment something is due.
    pub fn next_event(&self) -> Option<u64> {
        let wire = self.wire.iter().map(|d| d.at).min();
        let exchanges = self.exchanges.values().filter_map(Exchange::poll_timeout).min();
        [wire, exchanges, self.agent.poll_timeout()].into_iter().flatten().min()
    }

    /// Time is `now`: deliver what arrived, fire due timers, drain outputs. Skips nothing only
    /// when called at each [`next_event`](Self::next_event): see [`run_until`](Self::run_until).
    pub fn advance(&mut self, now: u64) {
        let (due, later): (Vec<Delivery>, Vec<Delivery>) = std::mem::take(&mut self.wire).into_iter().partition(|d| d.at <= now);
        self.wire = later;
        for d in due {
            if let (Some(exchange), Some((status, headers, body))) = (self.exchanges.get_mut(&d.key), &d.reply) {
                let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                let response = HttpResponse { status: *status, headers: &headers, body: body.as_bytes() };
                exchange.handle_response(now, &mut self.client, d.attempt, &response);
            }
        }
        self.pump(now);
        for exchange in self.exchanges.values_mut() {
            exchange.handle_timeout(now, &mut self.client);
        }
        self.agent.handle_timeout(now);
        self.pump(now);
    }

    /// Every event up to `end`, in time order.
    pub fn run_until(&mut self, end: u64) {
        while let Some(next) = self.next_event().filter(|t| *t <= end) {
            self.advance(next);
        }
        self.advance(end);
    }

    /// Drains every output until nothing moves.
    fn pump(&mut self, now: u64) {
        loop {
            let mut moved = false;
            while let Some(order) = self.agent.poll_exchange() {
                moved = true;
                self.seeds += 1;
                let request = exchange_request(&order.token);
                let exchange = Exchange::new(request, self.exchange_config, self.seeds).unwrap();
                assert!(self.exchanges.insert(order.key, exchange).is_none(), "single flight: one exchange a key");
            }
            let keys: Vec<CacheKey> = self.exchanges.keys().copied().collect();
            for key in keys {
                let exchange = self.exchanges.get_mut(&key).unwrap();
                while let Some(t) = exchange.poll_transmit(now, &self.client) {
                    moved = true;
                    let arrival = now + self.eks.latency_ms;
                    let reply = self.eks.answer(arrival, &t.request);
                    if reply.is_some() {
                        self.wire.push(Delivery { at: arrival + self.eks.latency_ms, key, attempt: t.attempt, reply });
                    }
                }
                if let Some(result) = exchange.poll_result() {
                    moved = true;
                    self.exchanges.remove(&key);
                    self.agent.handle_exchange_result(now, key, result);
                }
            }
            while let Some((id, answer)) = self.agent.poll_answer() {
                moved = true;
                let token = self.parked.remove(&id).expect("an answer for a parked request");
                self.keep(&token, &answer);
                self.answered.push((id, answer));
            }
            if !moved {
                break;
            }
        }
    }
}

// ---- pods ---------------------------------------------------------------------------------

/// A pod whose SDK asks at start and then `refresh_before_ms` before its credentials expire
/// (botocore: 15 minutes), and again a minute after a failed ask.
pub struct Pod {
    pub name: &'static str,
    /// (from, token): the token file's content from that host time on (the kubelet rotates it).
    pub tokens: Vec<(u64, String)>,
    pub next_ask: u64,
    /// Deleted at this time: no more asks.
    pub deleted_at: u64,
    pub refresh_before_ms: u64,
    /// Asks this often whatever its credentials' time left (an app that does not cache them).
    pub every_ms: Option<u64>,
    waiting: Option<RequestId>,
}

impl Pod {
    pub fn new(name: &'static str, tokens: Vec<(u64, String)>, first_ask: u64, deleted_at: u64) -> Self {
        Pod { name, tokens, next_ask: first_ask, deleted_at, refresh_before_ms: 15 * M, every_ms: None, waiting: None }
    }

    fn token(&self, now: u64) -> String {
        self.tokens.iter().rev().find(|(from, _)| *from <= now).map(|(_, t)| t.clone()).unwrap()
    }
}

/// One answer a pod got.
#[derive(Debug, Clone)]
pub struct Got {
    pub pod: &'static str,
    pub at: u64,
    pub status: u16,
    /// Credentials' time left at the answer, ms (200 only).
    pub remaining_ms: Option<u64>,
    pub replayed: bool,
}

/// What a run saw.
pub struct Run {
    pub got: Vec<Got>,
    /// Host time of each pod request, replayed or not, by token.
    pub asked: HashMap<String, Vec<u64>>,
}

fn expiration_ms(answer: &Answer) -> u64 {
    let json: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    let secs = eks_auth_wasm::time::parse_iso8601(json["Expiration"].as_str().unwrap()).unwrap();
    (secs * 1000.0) as u64
}

/// Runs pods against the host from `T0` to `T0 + duration`.
pub fn run(host: &mut Host, pods: &mut [Pod], duration: u64) -> Run {
    run_between(host, pods, T0, T0 + duration)
}

/// Runs pods against the host from `start` to `end` (host times).
pub fn run_between(host: &mut Host, pods: &mut [Pod], start: u64, end: u64) -> Run {
    let mut got = Vec::new();
    let mut asked: HashMap<String, Vec<u64>> = HashMap::new();
    let mut now = start;
    host.advance(now);
    loop {
        // Pods whose answer came.
        let answered = std::mem::take(&mut host.answered);
        for (id, answer) in answered {
            let pod = pods.iter_mut().find(|p| p.waiting == Some(id)).expect("an answer for a parked request");
            pod.waiting = None;
            settle(pod, now, &answer, false, &mut got);
        }
        // Pods that ask now.
        for pod in pods.iter_mut() {
            if pod.waiting.is_none() && pod.next_ask <= now && now < pod.deleted_at {
                let token = pod.token(now);
                let before = host.replayed;
                match host.request(now, &token) {
                    Ok(answer) => {
                        let replayed = host.replayed > before;
                        asked.entry(token).or_default().push(now);
                        settle(pod, now, &answer, replayed, &mut got);
                    }
                    Err(id) => {
                        asked.entry(token).or_default().push(now);
                        pod.waiting = Some(id);
                    }
                }
            }
        }
        if !host.answered.is_empty() {
            continue;
        }
        let pods_next = pods.iter().filter(|p| p.waiting.is_none() && p.next_ask < p.deleted_at).map(|p| p.next_ask).min();
        let Some(next) = [host.next_event(), pods_next].into_iter().flatten().min() else { break };
        if next > end {
            break;
        }
        now = now.max(next);
        host.advance(now);
    }
    Run { got, asked }
}

fn settle(pod: &mut Pod, now: u64, answer: &Answer, replayed: bool, got: &mut Vec<Got>) {
    if answer.status == 200 {
        let expiration = expiration_ms(answer);
        let remaining = expiration.saturating_sub(now);
        got.push(Got { pod: pod.name, at: now, status: 200, remaining_ms: Some(remaining), replayed });
        pod.next_ask = match pod.every_ms {
            Some(every) => now + every,
            None => expiration.saturating_sub(pod.refresh_before_ms).max(now + S),
        };
    } else {
        got.push(Got { pod: pod.name, at: now, status: answer.status, remaining_ms: None, replayed });
        pod.next_ask = now + M;
    }
}

/// `h:mm` of a host time, for reports.
pub fn clock(at: u64) -> String {
    let t = at.saturating_sub(T0);
    format!("{}h{:02}", t / H, t % H / M)
}
