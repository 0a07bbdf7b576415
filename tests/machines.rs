//! The exchange and agent state machines run natively on simulated time (`tests/support/sim.rs`):
//! hours of credential life, outages, clock skew and timeouts, in milliseconds of test.
//! `cargo test --test machines -- --nocapture` prints each scenario's figures.

#[path = "support/sim.rs"]
mod sim;

use eks_auth_wasm::agent::machine::{AgentConfig, AgentMachine, CacheUse, Decision, Replay, Request, CREDENTIALS_PATH};
use eks_auth_wasm::agent::metrics::{self, ErrorType};
use eks_auth_wasm::exchange::{AttemptId, ClientState, Event, Exchange, ExchangeConfig, ExchangeError, Failed, Failure, Outcome, QUOTA_CAPACITY};
use eks_auth_wasm::response::HttpResponse;
use sim::*;
use std::collections::HashMap;

fn config() -> AgentConfig {
    AgentConfig { hosts: vec!["169.254.170.23".into()], ..AgentConfig::default() }
}

/// Every EKS Auth call was for a token that had not expired, and that a pod had asked for
/// within one credential lifetime before: none for an expired or abandoned entry.
fn assert_no_call_for_dead_entries(calls: &[Call], asked: &HashMap<String, Vec<u64>>, lifetime: u64) {
    for call in calls {
        let claims = eks_auth_wasm::token::parse_token(&call.token).unwrap();
        let exp = (claims.expires_at.unwrap() * 1000.0) as u64;
        assert!(call.at < exp, "a call at {} for a token expired at {}", clock(call.at), clock(exp));
        let last = asked[&call.token].iter().copied().filter(|t| *t <= call.at).max().expect("a call for a token no pod asked for");
        assert!(call.at - last < lifetime, "a call at {} for a token last asked for at {}", clock(call.at), clock(last));
    }
}

/// The issue's scenario: 6 h credentials, EKS Auth down from 5h30 to 8h, a client refreshing 15
/// minutes before expiry. Before, the sidecar answered 503 from 6h00; the agent renews at 3h.
#[test]
fn outage_from_5h30_to_8h_with_6h_credentials() {
    let (from, to) = (T0 + 5 * H + 30 * M, T0 + 8 * H);
    let mut eks = FakeEksAuth::new(6 * H);
    eks.down.push((from, to));
    let mut host = Host::new(config(), eks);
    let live = token("live", Some(T0 + 48 * H), None);
    let deleted = token("deleted", Some(T0 + 48 * H), None);
    let mut chatty = Pod::new("chatty", vec![(0, token("chatty", Some(T0 + 48 * H), None))], T0 + 7 * M, u64::MAX);
    chatty.every_ms = Some(5 * M);
    let mut pods = [
        Pod::new("live", vec![(0, live.clone())], T0, u64::MAX),
        // Asks every 5 minutes: the host replays most answers without the machine.
        chatty,
        // Deleted after an hour: its entry is renewed at 3h, then dropped untouched at 6h.
        Pod::new("deleted", vec![(0, deleted.clone())], T0, T0 + H),
    ];
    let run = run(&mut host, &mut pods, 24 * H);

    let answers: Vec<&Got> = run.got.iter().filter(|g| g.pod == "live").collect();
    let min_remaining = answers.iter().filter_map(|g| g.remaining_ms).min().unwrap();
    let calls = &host.eks.calls;
    let during = calls.iter().filter(|c| (from..to).contains(&c.at)).count();
    let failed = calls.iter().filter(|c| c.status != 200).count();
    let metrics = host.agent.metrics();
    println!(
        "outage 5h30-8h, 6 h credentials, refresh 15 min before expiry, 24 h: {} answers to the live pod ({} replayed by the host), statuses {:?}, min remaining {} min; answered at {:?}",
        answers.len(),
        answers.iter().filter(|g| g.replayed).count(),
        answers.iter().map(|g| g.status).collect::<std::collections::BTreeSet<_>>(),
        min_remaining / M,
        answers.iter().map(|g| clock(g.at)).collect::<Vec<_>>(),
    );
    println!(
        "  EKS Auth calls: {} ({} failed; {} during the outage), retry quota left {}/{}; renewals ok {} (cache_state hit), failed {:?}; evictions {:?}",
        calls.len(),
        failed,
        during,
        host.client.quota.available(),
        QUOTA_CAPACITY,
        metrics.cache_hit,
        metrics.cache_errors,
        host.agent.evictions(),
    );

    assert!(answers.len() >= 5, "asked at 0, 5h45, 8h45, 13h45, 18h45...: {answers:?}");
    let chatty: Vec<&Got> = run.got.iter().filter(|g| g.pod == "chatty").collect();
    println!(
        "  a pod asking every 5 min: {} answers ({} replayed by the host), statuses {:?}, min remaining {} min",
        chatty.len(),
        chatty.iter().filter(|g| g.replayed).count(),
        chatty.iter().map(|g| g.status).collect::<std::collections::BTreeSet<_>>(),
        chatty.iter().filter_map(|g| g.remaining_ms).min().unwrap() / M,
    );
    assert!(chatty.len() > 250 && chatty.iter().filter(|g| g.replayed).count() > 200);
    for g in &chatty {
        assert_eq!(g.status, 200, "{g:?}");
        assert!(g.remaining_ms.unwrap() > 15 * M, "{} left at {}", g.remaining_ms.unwrap() / M, clock(g.at));
    }
    for g in &answers {
        assert_eq!(g.status, 200, "{g:?}");
        assert!(g.remaining_ms.unwrap() > 15 * M, "{} left at {}", g.remaining_ms.unwrap() / M, clock(g.at));
    }
    assert_no_call_for_dead_entries(calls, &run.asked, 6 * H);
    // The deleted pod's token: its first call and one renewal at 3h; none after it was dropped.
    let deleted_calls: Vec<u64> = calls.iter().filter(|c| c.token == deleted).map(|c| c.at).collect();
    assert_eq!(deleted_calls.len(), 2, "{:?}", deleted_calls.iter().map(|t| clock(*t)).collect::<Vec<_>>());
    assert!(deleted_calls[1] - T0 >= 3 * H && deleted_calls[1] - T0 < 3 * H + 2 * M);
    assert_eq!(host.agent.evictions().untouched, 1);
    // Renewed in the background at 3h (and the live pod's again once EKS Auth was back).
    let live_ok: Vec<u64> = calls.iter().filter(|c| c.token == live && c.status == 200).map(|c| c.at - T0).collect();
    assert!(live_ok.iter().any(|t| (3 * H..3 * H + 2 * M).contains(t)), "{live_ok:?}");
    assert!(live_ok.iter().any(|t| (8 * H..8 * H + 3 * M).contains(t)), "{live_ok:?}");
    // During the outage the quota ran dry, so retries stopped: fewer calls than 3 a renewal.
    assert!(during > 0);
    assert!(host.client.quota.available() < QUOTA_CAPACITY);
    assert_eq!(metrics.cache_errors.get(&(ErrorType::Recoverable, "ServiceUnavailableException".into())).copied(), Some(metrics.cache_errors.values().sum()));
}

/// Tokens the kubelet rotated away and pods deleted cost no calls once dropped; a rotated token's
/// entry goes when its `exp` passes, with no call for it after.
#[test]
fn rotated_and_abandoned_tokens_cost_no_calls() {
    let mut host = Host::new(config(), FakeEksAuth::new(6 * H));
    let first = token("rotating", Some(T0 + 4 * H), None);
    let second = token("rotating", Some(T0 + 28 * H), None);
    let mut pods = [
        Pod::new("rotating", vec![(0, first.clone()), (T0 + 3 * H + 12 * M, second.clone())], T0, u64::MAX),
        Pod::new("gone", vec![(0, token("gone", Some(T0 + 48 * H), None))], T0, T0 + 30 * M),
        Pod::new("steady", vec![(0, token("steady", Some(T0 + 48 * H), None))], T0 + 10 * M, u64::MAX),
    ];
    let run = run(&mut host, &mut pods, 24 * H);
    let calls = &host.eks.calls;
    println!(
        "rotation and deletion, 24 h: {} answers, {} EKS Auth calls, evictions {:?}",
        run.got.len(),
        calls.len(),
        host.agent.evictions()
    );
    assert!(run.got.iter().all(|g| g.status == 200 && g.remaining_ms.unwrap() > 15 * M), "{:?}", run.got);
    assert_no_call_for_dead_entries(calls, &run.asked, 6 * H);
    let first_calls: Vec<u64> = calls.iter().filter(|c| c.token == first).map(|c| c.at - T0).collect();
    assert_eq!(first_calls.len(), 2, "the first call and the renewal at 3h: {first_calls:?}");
    let evictions = host.agent.evictions();
    assert_eq!(evictions.token_expired, 1, "{evictions:?}");
    assert_eq!(evictions.untouched, 1, "{evictions:?}");
    assert_eq!(host.agent.cache_len(), 2);
}

fn ask(agent: &mut AgentMachine, now: u64, token: &str) -> Decision {
    agent.handle_request(now, &Request { path: CREDENTIALS_PATH, host: Some("169.254.170.23"), token, listener: 0 })
}

fn body(decision: &Decision) -> (u16, String) {
    match decision {
        Decision::Answer(a) => (a.status, a.body.to_string()),
        Decision::Wait(_) => panic!("parked: {decision:?}"),
    }
}

/// `exp` and `nbf` are checked before any call and before a cached answer is replayed, with the
/// agent's 400 bodies word for word.
#[test]
fn tokens_are_checked_locally() {
    let mut agent = AgentMachine::new(config(), 1).unwrap();
    assert_eq!(body(&ask(&mut agent, T0, "")), (400, "Service account token cannot be empty\n".into()));
    let (status, text) = body(&ask(&mut agent, T0, "Bearer abc"));
    assert_eq!(status, 400);
    assert!(text.starts_with("Service account token cannot be parsed: must be a service-account token"), "{text}");
    let expired = token("p", Some(T0 - S), None);
    assert_eq!(body(&ask(&mut agent, T0, &expired)), (400, "Service account token failed basic claim validations: token is expired\n".into()));
    let early = token("p", Some(T0 + H), Some(T0 + M));
    assert_eq!(body(&ask(&mut agent, T0, &early)), (400, "Service account token failed basic claim validations: token is not valid yet\n".into()));
    assert!(agent.poll_exchange().is_none(), "no call for a refused token");
    assert_eq!(agent.metrics().http_response.get(&400), Some(&4));

    // A token living 1 h, credentials 6 h: served until the token's exp, refused after.
    let mut host = Host::new(config(), FakeEksAuth::new(6 * H));
    let short = token("short", Some(T0 + H), None);
    host.advance(T0);
    let Err(id) = host.request(T0, &short) else { panic!("a miss parks") };
    host.run_until(T0 + S);
    let (got, answer) = host.answered.pop().unwrap();
    assert_eq!((got, answer.status, answer.cache), (id, 200, Some(CacheUse::Miss)));
    assert_eq!(answer.serve_until_ms, Some(T0 + H), "the host replays no later than the token's exp");
    let later = host.request(T0 + 2 * H, &short).unwrap();
    assert_eq!((later.status, &*later.body), (400, "Service account token failed basic claim validations: token is expired\n"));
    assert_eq!(host.eks.calls.len(), 1);
    assert_eq!(host.agent.evictions().token_expired, 1);
}

#[test]
fn one_call_for_concurrent_requests() {
    let mut host = Host::new(config(), FakeEksAuth::new(6 * H));
    let t = token("p", Some(T0 + 24 * H), None);
    host.advance(T0);
    let ids: Vec<_> = (0..10).map(|_| host.request(T0, &t).unwrap_err()).collect();
    host.run_until(T0 + S);
    assert_eq!(host.eks.calls.len(), 1);
    assert_eq!(host.answered.len(), 10);
    assert!(host.answered.iter().all(|(id, a)| ids.contains(id) && a.status == 200));
    let uses: Vec<_> = host.answered.iter().map(|(_, a)| a.cache.unwrap()).collect();
    assert_eq!(uses.iter().filter(|u| **u == CacheUse::Miss).count(), 1);
    assert_eq!(uses.iter().filter(|u| **u == CacheUse::Join).count(), 9);
    assert_eq!(host.agent.metrics().cache_miss, 10);
    let hit = host.request(T0 + 2 * S, &t).unwrap();
    assert_eq!((hit.status, host.replayed), (200, 1), "replayed by the host, without the machine");
    assert_eq!(host.eks.calls.len(), 1);
}

/// Host clock 10 minutes off EKS Auth's, either way: one re-sign, outside the retry budget, then
/// every exchange signed right; renewal on the host's clock keeps pods served.
#[test]
fn clock_skew() {
    for skew in [10 * M as i64, -(10 * M as i64)] {
        let mut eks = FakeEksAuth::new(6 * H);
        eks.skew_ms = skew;
        let mut host = Host::new(config(), eks);
        let mut pods = [Pod::new("p", vec![(0, token("p", Some(T0 + 48 * H), None))], T0, u64::MAX)];
        let run = run(&mut host, &mut pods, 12 * H);
        let statuses: Vec<u16> = host.eks.calls.iter().map(|c| c.status).collect();
        println!("skew {} min: EKS Auth statuses {statuses:?}, learnt offset {} ms, {} answers", skew / M as i64, host.client.clock_offset_ms(), run.got.len());
        assert_eq!(statuses.first(), Some(&403), "the first signature is refused");
        assert_eq!(statuses.iter().filter(|s| **s == 403).count(), 1, "then the offset holds: {statuses:?}");
        assert!((host.client.clock_offset_ms() - skew).abs() < 2 * S as i64, "{}", host.client.clock_offset_ms());
        assert_eq!(host.client.quota.available(), QUOTA_CAPACITY, "a re-sign costs no retry");
        assert!(run.got.iter().all(|g| g.status == 200), "{:?}", run.got);
    }
}

/// Drives one exchange whose every attempt gets `reply(attempt_number)`; returns the result, the
/// send times and the quota left.
fn drive(shared: &mut ClientState, config: ExchangeConfig, reply: impl Fn(u32) -> Option<(u16, &'static str)>) -> (Result<Outcome, Failed>, Vec<u64>) {
    let mut exchange = Exchange::new(exchange_request(&token("p", None, None)), config, 9).unwrap();
    let mut now = T0;
    let mut sent = Vec::new();
    loop {
        while let Some(t) = exchange.poll_transmit(now, shared) {
            sent.push(now - T0);
            if let Some((status, body)) = reply(t.attempt.0) {
                let headers = [("x-amzn-errortype", if status == 200 { "" } else { "ServiceUnavailableException" })];
                exchange.handle_response(now + 10, shared, t.attempt, &HttpResponse { status, headers: &headers, body: body.as_bytes() });
            }
        }
        if let Some(result) = exchange.poll_result() {
            return (result, sent);
        }
        now = exchange.poll_timeout().expect("a deadline while not done");
        exchange.handle_timeout(now, shared);
    }
}

const OK: &str = r#"{"credentials":{"accessKeyId":"A","secretAccessKey":"s","sessionToken":"t","expiration":1800021600}}"#;

/// Standard mode's retry quota (§7): 5 a retry, 10 after a timeout, refunded on success; when
/// empty, one attempt an exchange.
#[test]
fn retry_quota() {
    let mut shared = ClientState::new();
    let mut exchanges = 0;
    while shared.quota.available() >= 5 {
        let (result, sent) = drive(&mut shared, ExchangeConfig::AGENT, |_| Some((503, "{}")));
        let failed = result.unwrap_err();
        assert_eq!((failed.attempts, sent.len(), failed.code()), (3, 3, "ServiceUnavailableException"));
        exchanges += 1;
    }
    println!("retry quota: {exchanges} failing exchanges of 3 attempts emptied it");
    assert_eq!((exchanges, shared.quota.available()), (50, 0));
    let (result, _) = drive(&mut shared, ExchangeConfig::AGENT, |_| Some((503, "{}")));
    let failed = result.unwrap_err();
    assert_eq!((failed.attempts, failed.quota_exhausted), (1, true));
    // A first-attempt success gives 1 back; a retried success gives back its retry's cost.
    let (result, _) = drive(&mut shared, ExchangeConfig::AGENT, |_| Some((200, OK)));
    assert_eq!(result.unwrap().attempts, 1);
    assert_eq!(shared.quota.available(), 1);
    let mut shared = ClientState::new();
    let (result, sent) = drive(&mut shared, ExchangeConfig::AGENT, |n| Some(if n < 3 { (503, "{}") } else { (200, OK) }));
    assert_eq!(result.unwrap().attempts, 3);
    assert_eq!(shared.quota.available(), QUOTA_CAPACITY - 5, "two retries took 10, the success gave 5 back");
    assert!(sent[1] >= 10 && sent[2] > sent[1], "backoff between attempts: {sent:?}");
}

/// An attempt with no answer times out at its deadline (1 s for the agent); the retry costs 10; a
/// late answer to the attempt given up on is ignored.
#[test]
fn attempt_deadlines() {
    let mut shared = ClientState::new();
    let (result, sent) = drive(&mut shared, ExchangeConfig::AGENT, |_| None);
    let failed = result.unwrap_err();
    assert_eq!(failed.error, ExchangeError::Transport(Failure::Timeout));
    assert_eq!(sent.len(), 3);
    assert!(sent[1] >= 1000 && sent[2] >= sent[1] + 1000, "{sent:?}");
    assert_eq!(shared.quota.available(), QUOTA_CAPACITY - 20);

    let mut exchange = Exchange::new(exchange_request(&token("p", None, None)), ExchangeConfig::AGENT, 1).unwrap();
    let first = exchange.poll_transmit(T0, &shared).unwrap();
    assert_eq!((first.connect_timeout_ms, first.deadline_ms), (Some(500), Some(T0 + 1000)));
    exchange.handle_timeout(T0 + 1000, &mut shared);
    assert_eq!(exchange.current_attempt(), None);
    let Some(Event::Retry { attempt: 1, code, delay_ms }) = exchange.poll_event() else { panic!("a retry event") };
    assert_eq!((code.as_str(), Some(T0 + 1000 + delay_ms)), ("TimeoutError", exchange.poll_timeout()));
    let ok = HttpResponse { status: 200, headers: &[], body: OK.as_bytes() };
    exchange.handle_response(T0 + 1001, &mut shared, first.attempt, &ok);
    assert!(exchange.poll_result().is_none(), "the late answer is ignored");
    let at = exchange.poll_timeout().unwrap();
    let second = exchange.poll_transmit(at, &shared).unwrap();
    assert_eq!(second.attempt, AttemptId(2));
    exchange.handle_failure(at + 5, &mut shared, second.attempt, Failure::ConnectTimeout);
    let at = exchange.poll_timeout().unwrap();
    let third = exchange.poll_transmit(at, &shared).unwrap();
    exchange.handle_response(at + 5, &mut shared, third.attempt, &ok);
    let outcome = exchange.poll_result().unwrap().unwrap();
    assert_eq!((outcome.attempts, outcome.expiration_ms()), (3, Some(1_800_021_600_000)));
    assert!(exchange.is_done() && exchange.poll_transmit(u64::MAX, &shared).is_none());
}

/// A request waiting longer than `answer_within_ms` gets a 500; the call goes on into the cache.
#[test]
fn answer_within() {
    let mut eks = FakeEksAuth::new(6 * H);
    eks.latency_ms = 475;
    let mut host = Host::new(config(), eks);
    let t = token("p", Some(T0 + 24 * H), None);
    host.advance(T0);
    let id = host.request(T0, &t).unwrap_err();
    host.run_until(T0 + 900);
    let (got, answer) = host.answered.pop().unwrap();
    assert_eq!((got, answer.status), (id, 500));
    assert!(answer.body.starts_with("[]: (TimeoutError): no answer from EKS Auth within 900 ms"), "{}", answer.body);
    host.run_until(T0 + 950);
    assert_eq!(host.agent.cache_len(), 1);
    assert_eq!(host.request(T0 + S, &t).unwrap().status, 200);
}

#[test]
fn capacity_evicts_the_least_recently_used() {
    let mut host = Host::new(AgentConfig { max_cache_size: 3, ..config() }, FakeEksAuth::new(6 * H));
    let tokens: Vec<String> = (0..5).map(|i| token(&format!("p{i}"), Some(T0 + 24 * H), None)).collect();
    host.advance(T0);
    for (i, t) in tokens.iter().take(3).enumerate() {
        let now = T0 + i as u64 * S;
        host.request(now, t).unwrap_err();
        host.run_until(now + 100);
    }
    // Touch the first (through the machine, past the host's replay map: a fresh host map).
    assert_eq!(body(&ask(&mut host.agent, T0 + 4 * S, &tokens[0])).0, 200);
    for (i, t) in tokens.iter().skip(3).enumerate() {
        let now = T0 + (5 + i as u64) * S;
        host.request(now, t).unwrap_err();
        host.run_until(now + 100);
    }
    assert_eq!(host.agent.cache_len(), 3);
    assert_eq!(host.agent.evictions().capacity, 2);
    let first = ask(&mut host.agent, T0 + 10 * S, &tokens[0]);
    assert_eq!(body(&first).0, 200, "the first was used lately: kept");
    assert!(matches!(ask(&mut host.agent, T0 + 10 * S, &tokens[1]), Decision::Wait(_)), "the second was evicted");
}

/// 1000 a second with a burst of 500, one bucket a listener; 429s are not counted in
/// `pod_identity_http_response`, as in the agent.
#[test]
fn rate_limits_and_counters() {
    let mut agent = AgentMachine::new(config(), 1).unwrap();
    let request = |listener| Request { path: CREDENTIALS_PATH, host: Some("169.254.170.23"), token: "", listener };
    let limited = (0..600).filter(|_| matches!(agent.handle_request(T0, &request(0)), Decision::Answer(a) if a.status == 429)).count();
    assert_eq!(limited, 100);
    assert!(matches!(agent.handle_request(T0, &request(1)), Decision::Answer(a) if a.status == 400), "another listener, another bucket");
    assert!(matches!(agent.handle_request(T0 + 1, &request(0)), Decision::Answer(a) if a.status == 400), "one token a millisecond");
    let m = agent.metrics();
    assert_eq!(m.http_response.get(&429), None);
    assert_eq!(m.http_response.get(&400), Some(&502));
    let denied = agent.handle_request(T0 + 2, &Request { host: Some("evil.example"), ..request(0) });
    assert_eq!(
        body(&denied),
        (403, "Access Denied. Called agent through invalid address, please use either [169.254.170.23] address not evil.example\n".into())
    );
    assert_eq!(body(&agent.handle_request(T0 + 3, &Request { path: "/", ..request(0) })).0, 404);
    let names: Vec<&str> = agent.metrics().samples().iter().map(|s| s.name).collect();
    assert!(names.contains(&metrics::HTTP_RESPONSE) && names.contains(&metrics::CACHE_STATE));
}

/// An association deleted while cached: the background renewal's 400 drops the entry, counted as
/// `NonRecoverable`; the pod's next request gets EKS Auth's 400 passed through.
#[test]
fn irrecoverable_renewal_drops_the_entry() {
    let mut host = Host::new(config(), FakeEksAuth::new(6 * H));
    let t = token("p", Some(T0 + 48 * H), None);
    let mut pods = [Pod::new("p", vec![(0, t.clone())], T0, u64::MAX)];
    run(&mut host, &mut pods, 2 * H);
    host.eks.revoked.push(t.clone());
    let mut later = [Pod::new("p", vec![(0, t.clone())], T0 + 5 * H + 45 * M, u64::MAX)];
    let run = run_between(&mut host, &mut later, T0 + 2 * H, T0 + 6 * H);
    let m = host.agent.metrics();
    assert_eq!(m.cache_errors.get(&(ErrorType::NonRecoverable, "AccessDeniedException".into())), Some(&1));
    assert_eq!(host.agent.evictions().irrecoverable, 1);
    let got = run.got.iter().find(|g| g.at >= T0 + 5 * H).unwrap();
    assert_eq!(got.status, 400);
}

fn outcome(expiration_ms: u64) -> Result<Outcome, Failed> {
    let body = format!(r#"{{"credentials":{{"accessKeyId":"A","secretAccessKey":"s","sessionToken":"t","expiration":{}}}}}"#, expiration_ms / 1000);
    let result = eks_auth_wasm::response::parse_assume_role_response(&HttpResponse { status: 200, headers: &[], body: body.as_bytes() }).unwrap();
    Ok(Outcome { result, attempts: 1, clock_offset_ms: 0 })
}

/// A request that finds its credentials too close to expiry while their renewal is in flight
/// joins it, and the renewal's credentials are cached for the next request.
#[test]
fn a_request_joins_a_slow_renewal() {
    let mut agent = AgentMachine::new(AgentConfig { answer_within_ms: 0, ..config() }, 3).unwrap();
    let t = token("p", Some(T0 + 24 * H), None);
    let Decision::Wait(first) = ask(&mut agent, T0, &t) else { panic!() };
    let order = agent.poll_exchange().unwrap();
    assert!(!order.background);
    agent.handle_exchange_result(T0 + 50, order.key, outcome(T0 + 10 * M));
    let (id, answer) = agent.poll_answer().unwrap();
    assert_eq!((id, answer.status, answer.serve_until_ms), (first, 200, Some(T0 + 25 + 5 * M)), "renewal at half-life of the 10 min from 50 ms");
    // The first sweep past 5 min orders the renewal; EKS Auth is slow to answer it.
    agent.handle_timeout(T0 + 5 * M);
    assert!(agent.poll_exchange().is_none(), "not due yet");
    agent.handle_timeout(T0 + 6 * M);
    let renewal = agent.poll_exchange().unwrap();
    assert!(renewal.background);
    let late = T0 + 10 * M - 10 * S;
    let Decision::Wait(joined) = ask(&mut agent, late, &t) else { panic!("10 s left: not served") };
    assert!(agent.poll_exchange().is_none(), "joined the renewal in flight");
    agent.handle_exchange_result(late + 100, renewal.key, outcome(late + 10 * M));
    let (id, answer) = agent.poll_answer().unwrap();
    assert_eq!((id, answer.status, answer.cache), (joined, 200, Some(CacheUse::Join)));
    assert_eq!(agent.metrics().cache_hit, 1, "a background renewal that succeeded");
    assert_eq!(agent.cache_len(), 1);
    assert!(matches!(ask(&mut agent, late + S, &t), Decision::Answer(a) if a.status == 200 && a.cache == Some(CacheUse::Hit)));
}

/// With caching off (`max_cache_size` 0) every request asks EKS Auth and nothing may be replayed.
#[test]
fn caching_off() {
    let mut agent = AgentMachine::new(AgentConfig { max_cache_size: 0, ..config() }, 3).unwrap();
    let t = token("p", Some(T0 + 24 * H), None);
    for i in 0..2 {
        let now = T0 + i * S;
        assert!(matches!(ask(&mut agent, now, &t), Decision::Wait(_)));
        let order = agent.poll_exchange().unwrap();
        agent.handle_exchange_result(now + 50, order.key, outcome(now + 6 * H));
        let (_, answer) = agent.poll_answer().unwrap();
        assert_eq!((answer.status, answer.serve_until_ms), (200, None));
    }
    assert_eq!(agent.cache_len(), 0);
}

/// `Signature expired` names the server's time: the exchange re-signs at once with that offset,
/// outside the retry budget, and says so; the offset then serves the client's next exchanges.
#[test]
fn resign_after_signature_expired() {
    let mut shared = ClientState::new();
    let mut exchange = Exchange::new(exchange_request(&token("p", None, None)), ExchangeConfig::CLIENT, 1).unwrap();
    let first = exchange.poll_transmit(T0, &shared).unwrap();
    let signed_at = |t: &eks_auth_wasm::exchange::Transmit| t.request.headers.iter().find(|(n, _)| n == "x-amz-date").unwrap().1.clone();
    assert_eq!(signed_at(&first), "20270115T080000Z");
    let message = r#"{"message":"Signature expired: 20270115T080000Z is now earlier than 20270115T081500Z (20270115T082000Z - 5 min.)"}"#;
    let headers = [("x-amzn-errortype", "InvalidSignatureException")];
    exchange.handle_response(T0 + 100, &mut shared, first.attempt, &HttpResponse { status: 403, headers: &headers, body: message.as_bytes() });
    assert_eq!(exchange.poll_event(), Some(Event::ClockSkew { offset_ms: 20 * M as i64 - 100, resign: true }));
    let second = exchange.poll_transmit(T0 + 100, &shared).expect("re-signed at once");
    assert_eq!(signed_at(&second), "20270115T082000Z");
    // A second skewed answer is not re-signed again: the 403 is the answer.
    exchange.handle_response(T0 + 200, &mut shared, second.attempt, &HttpResponse { status: 403, headers: &headers, body: message.as_bytes() });
    let failed = exchange.poll_result().unwrap().unwrap_err();
    assert_eq!((failed.code(), failed.attempts), ("InvalidSignatureException", 2));
    assert_eq!(shared.quota.available(), QUOTA_CAPACITY);
    let mut next = Exchange::new(exchange_request(&token("p", None, None)), ExchangeConfig::CLIENT, 2).unwrap();
    assert_eq!(signed_at(&next.poll_transmit(T0 + S, &shared).unwrap()), "20270115T082000Z", "the next exchange signs with the offset learnt");
}

/// The ends of time: no overflow, no panic; a signing time past 9999 is a typed error.
#[test]
fn extreme_times() {
    let mut shared = ClientState::new();
    let mut exchange = Exchange::new(exchange_request(&token("p", None, None)), ExchangeConfig::AGENT, 1).unwrap();
    assert!(exchange.poll_transmit(u64::MAX, &shared).is_none());
    let failed = exchange.poll_result().unwrap().unwrap_err();
    assert_eq!(failed.error.code(), "InvalidInput");
    exchange.handle_timeout(u64::MAX, &mut shared);
    let mut exchange = Exchange::new(exchange_request(&token("p", None, None)), ExchangeConfig::AGENT, 1).unwrap();
    let t = exchange.poll_transmit(0, &shared).unwrap();
    exchange.handle_failure(u64::MAX, &mut shared, t.attempt, Failure::Timeout);
    assert_eq!(exchange.poll_timeout(), Some(u64::MAX));

    let credentials = |expiration: f64| eks_auth_wasm::response::PodCredentials {
        access_key_id: Some("A".into()),
        secret_access_key: Some("s".into()),
        session_token: Some("t".into()),
        expiration: Some(expiration),
    };
    let result = |expiration| eks_auth_wasm::response::AssumeRoleResult { credentials: Some(credentials(expiration)), ..Default::default() };
    for now in [0, u64::MAX] {
        for expiration in [f64::MAX, f64::NAN, -1.0, 1e12, f64::INFINITY] {
            for offset in [i64::MIN, 0, i64::MAX] {
                let mut agent = AgentMachine::new(AgentConfig { answer_within_ms: u64::MAX, sweep_interval_ms: u64::MAX, ..config() }, 1).unwrap();
                let t = token("p", None, None);
                let Decision::Wait(_) = ask(&mut agent, now, &t) else { panic!("a token without exp is asked for") };
                let order = agent.poll_exchange().unwrap();
                agent.handle_exchange_result(now, order.key, Ok(Outcome { result: result(expiration), attempts: 1, clock_offset_ms: offset }));
                let (_, answer) = agent.poll_answer().unwrap();
                assert!(answer.status == 200 || answer.status == 500, "{answer:?}");
                agent.handle_timeout(now);
                agent.handle_timeout(u64::MAX);
                let _ = (ask(&mut agent, u64::MAX, &t), agent.poll_timeout());
            }
        }
    }
}

/// A replay through `replay`: the rate limit, the entry touched (LRU) and counted as a 200, with
/// no token parsed; refused once the entry is gone or due for renewal.
#[test]
fn replays_are_limited_touched_and_counted() {
    let mut agent = AgentMachine::new(AgentConfig { max_cache_size: 2, rate_limit: 1000.0, burst: 2, ..config() }, 1).unwrap();
    let tokens: Vec<String> = (0..3).map(|i| token(&format!("r{i}"), Some(T0 + 24 * H), None)).collect();
    let mut entries = Vec::new();
    for (i, t) in tokens.iter().take(2).enumerate() {
        let now = T0 + i as u64 * S;
        let Decision::Wait(_) = ask(&mut agent, now, t) else { panic!("a miss parks") };
        let order = agent.poll_exchange().unwrap();
        agent.handle_exchange_result(now, order.key, outcome(now + 6 * H));
        let (_, answer) = agent.poll_answer().unwrap();
        assert!(answer.serve_until_ms.is_some());
        entries.push(answer.entry.expect("a cached answer names its entry"));
    }
    let before = agent.metrics().http_response[&200];
    assert_eq!(agent.replay(T0 + 10 * S, 0, entries[0]), Replay::Served);
    assert_eq!(agent.metrics().http_response[&200], before + 1, "counted as the agent's 200");
    // Burst 2 at 1000/s: two at one instant, the third refused.
    assert_eq!(agent.replay(T0 + 11 * S, 0, entries[0]), Replay::Served);
    assert_eq!(agent.replay(T0 + 11 * S, 0, entries[0]), Replay::Served);
    assert_eq!(agent.replay(T0 + 11 * S, 0, entries[0]), Replay::Limited);
    // The replay touched r0: a third token evicts r1, the least recently used.
    let now = T0 + 12 * S;
    let Decision::Wait(_) = ask(&mut agent, now, &tokens[2]) else { panic!("a miss parks") };
    let order = agent.poll_exchange().unwrap();
    agent.handle_exchange_result(now, order.key, outcome(now + 6 * H));
    assert_eq!(agent.evictions().capacity, 1);
    assert_eq!(agent.replay(now + S, 0, entries[1]), Replay::Ask, "r1 is gone");
    assert_eq!(agent.replay(now + S, 0, entries[0]), Replay::Served, "r0 stays");
    assert_eq!(agent.replay(T0 + 3 * H, 0, entries[0]), Replay::Ask, "due for renewal: the machine decides");
}

/// Past `max_flights` a token neither cached nor in flight gets 503 before it is parsed; a
/// request for a token in flight joins it.
#[test]
fn the_flight_bound_sheds_before_parsing() {
    let mut agent = AgentMachine::new(AgentConfig { max_flights: 1, answer_within_ms: 0, ..config() }, 1).unwrap();
    let first = token("f0", Some(T0 + 24 * H), None);
    assert!(matches!(ask(&mut agent, T0, &first), Decision::Wait(_)));
    let (status, text) = body(&ask(&mut agent, T0, "not-a-token"));
    assert_eq!(status, 503);
    assert!(text.starts_with("[]: (TooManyCallsInFlight): 1 calls to EKS Auth are in flight already"), "{text}");
    assert!(matches!(ask(&mut agent, T0, &first), Decision::Wait(_)), "joins the call in flight");
    assert_eq!(agent.flights_len(), 1);
}
