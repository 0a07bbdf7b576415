//! The TypeScript types of `pkg/index.d.ts` held to the Rust shapes they describe: each member's
//! name and whether it is optional, and its type where it is a plain `string`, `number` or
//! `boolean`. A member added, renamed or made optional on one side only fails here.
//!
//! Shapes JavaScript gives (the input, the credentials, a result read back) are probed through
//! their `Deserialize`: a member given the wrong type must be refused by that name, and leaving it
//! out must be refused exactly when TypeScript requires it. Shapes the core answers are probed
//! through their `Serialize`: a value with every member and one with none but the required. The
//! state machines' shapes (`ExchangeClient`, `AgentMachine`) are held the same way.

use eks_auth_wasm::boundary;
use eks_auth_wasm::credentials::{to_container_credentials, to_credential_process};
use eks_auth_wasm::error::{Error, ErrorFields, Fault};
use eks_auth_wasm::machines::{Agent, AnswerShape, DecisionShape, EventShape, ExchangeClient, ExchangeEnd, ParkedAnswer};
use eks_auth_wasm::request::build_assume_role_request;
use eks_auth_wasm::response::{parse_assume_role_response, AssumeRoleResult, HttpResponse};
use eks_auth_wasm::token::parse_token;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// A member of an interface: optional or not, and its type's text.
#[derive(Debug, Clone)]
struct Member {
    optional: bool,
    ty: String,
}

type Interface = BTreeMap<String, Member>;

fn declarations() -> String {
    let text = std::fs::read_to_string(format!("{}/pkg/index.d.ts", env!("CARGO_MANIFEST_DIR"))).unwrap();
    // Comments out: they hold braces and colons of their own.
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..].split_once("*/").map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out.lines().map(|l| l.split_once("//").map_or(l, |(code, _)| code)).collect::<Vec<_>>().join("\n")
}

/// The text between the brace at `open` and its match.
fn braced(text: &str, open: usize) -> &str {
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced braces in pkg/index.d.ts");
}

/// The members of an object type's body, split at `;` or line ends outside nested braces.
fn members(body: &str) -> Interface {
    let mut out = Interface::new();
    let (mut depth, mut start) = (0, 0);
    let mut parts = Vec::new();
    for (i, c) in body.char_indices() {
        match c {
            '{' | '(' | '<' | '[' => depth += 1,
            '}' | ')' | '>' | ']' => depth -= 1,
            ';' | '\n' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let part = part.strip_prefix("readonly ").unwrap_or(part);
        let Some((name, ty)) = part.split_once(':') else { continue };
        // Methods and the constructor are not members of the shape.
        if name.contains('(') || name.starts_with("constructor") {
            continue;
        }
        let (name, optional) = match name.trim().strip_suffix('?') {
            Some(n) => (n, true),
            None => (name.trim(), false),
        };
        out.insert(name.to_string(), Member { optional, ty: ty.trim().to_string() });
    }
    out
}

/// `export interface <name> [extends <base>] { ... }` (or a class), with its base's members.
fn interface(name: &str) -> Interface {
    let text = declarations();
    let at = [format!("export interface {name} "), format!("export class {name} ")]
        .iter()
        .find_map(|head| text.find(head.as_str()))
        .unwrap_or_else(|| panic!("{name} is not declared in pkg/index.d.ts"));
    let open = at + text[at..].find('{').unwrap();
    let mut out = members(braced(&text, open));
    let head = &text[at..open];
    if let Some((_, bases)) = head.split_once(" extends ") {
        for base in bases.split(',').map(str::trim).filter(|b| !b.is_empty() && *b != "Error") {
            out.extend(interface(base));
        }
    }
    out
}

/// The members of an inline object type (`{ a?: string; b: number }`).
fn inline(ty: &str) -> Interface {
    let ty = ty.trim();
    assert!(ty.starts_with('{'), "not an object type: {ty}");
    members(braced(ty, 0))
}

/// A value TypeScript's type does not allow: probes whether Rust reads the member.
fn wrong_for(ty: &str) -> Value {
    if ty.starts_with("string") { json!([1]) } else { json!("not of the type") }
}

/// Holds a `Deserialize` shape to an interface: `full` has every member; `read` reads a value.
fn hold_input(what: &str, ts: &Interface, full: &Value, read: &dyn Fn(&Value) -> Result<(), String>) {
    let full = full.as_object().unwrap();
    let names: Vec<&String> = full.keys().collect();
    let declared: Vec<&String> = ts.keys().collect();
    assert_eq!(names, declared, "{what}: the probe's members are the declared ones");
    assert_eq!(read(&Value::Object(full.clone())), Ok(()), "{what}: every member given");
    for (name, member) in ts {
        let mut wrong = full.clone();
        wrong.insert(name.clone(), wrong_for(&member.ty));
        assert!(read(&Value::Object(wrong)).is_err(), "{what}.{name}: Rust does not read it by that name (TypeScript: {})", member.ty);
        let mut without = full.clone();
        without.remove(name);
        let outcome = read(&Value::Object(without));
        assert_eq!(outcome.is_ok(), member.optional, "{what}.{name}: TypeScript has it {}, Rust {:?} without it", if member.optional { "optional" } else { "required" }, outcome);
    }
}

/// Holds a `Serialize` shape to an interface: `full` serialized with every member, `bare` with
/// only the required ones.
fn hold_output(what: &str, ts: &Interface, full: &Value, bare: &Value) {
    let full = full.as_object().unwrap();
    let names: Vec<&String> = full.keys().collect();
    let declared: Vec<&String> = ts.keys().collect();
    assert_eq!(names, declared, "{what}: members");
    let required: Vec<&String> = ts.iter().filter(|(_, m)| !m.optional).map(|(n, _)| n).collect();
    let present: Vec<&String> = bare.as_object().unwrap().keys().collect();
    assert_eq!(present, required, "{what}: the members always present are TypeScript's required ones");
    for (name, member) in ts {
        let value = &full[name];
        let ok = match member.ty.as_str() {
            "string" => value.is_string(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "string[]" => value.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            "1" => value == &json!(1),
            ty if ty.starts_with('\'') => value.as_str().is_some_and(|v| ty.split('|').any(|t| t.trim().trim_matches('\'') == v)),
            ty if ty.starts_with('{') => {
                hold_output(&format!("{what}.{name}"), &inline(ty), value, &Value::Object(Map::new()));
                true
            }
            _ => true,
        };
        assert!(ok, "{what}.{name}: TypeScript says {}, Rust gives {value}", member.ty);
    }
}

const TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImFiYyJ9.eyJpc3MiOiJpIiwic3ViIjoicyIsImF1ZCI6WyJwb2RzLmVrcy5hbWF6b25hd3MuY29tIl0sImV4cCI6MiwiaWF0IjoxLCJuYmYiOjEsImt1YmVybmV0ZXMuaW8iOnsibmFtZXNwYWNlIjoibnMiLCJzZXJ2aWNlYWNjb3VudCI6eyJuYW1lIjoic2EifSwicG9kIjp7Im5hbWUiOiJwIn19fQ.c2ln";

/// A token whose `exp` is in the year 3000: the agent machine orders an exchange for it.
const LIVE_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJpIiwic3ViIjoicyIsImF1ZCI6WyJwb2RzLmVrcy5hbWF6b25hd3MuY29tIl0sImV4cCI6MzI1MDM2ODAwMDAsImlhdCI6MSwibmJmIjoxLCJrdWJlcm5ldGVzLmlvIjp7Im5hbWVzcGFjZSI6Im5zIiwic2VydmljZWFjY291bnQiOnsibmFtZSI6InNhIn0sInBvZCI6eyJuYW1lIjoicCJ9fX0.c2ln";

fn full_input() -> Value {
    json!({
        "clusterName": "c",
        "credentials": { "accessKeyId": "AKID", "secretAccessKey": "S", "sessionToken": "T" },
        "eksNodeName": "n",
        "endpoint": "https://eks-auth.example.com",
        "instanceId": "i",
        "now": 1_700_000_000_000u64,
        "region": "us-east-1",
        "token": "a.b.c",
        "useFips": false,
        "zone": "z",
    })
}

#[test]
fn assume_role_input_and_caller_credentials() {
    // The input reads whether or not it builds a request (an endpoint with FIPS, for one).
    let read = |v: &Value| boundary::assume_role_input(v).map(|_| ()).map_err(|e| e.to_string());
    hold_input("AssumeRoleInput", &interface("AssumeRoleInput"), &full_input(), &read);
    let read_credentials = |v: &Value| {
        let mut input = full_input();
        input["credentials"] = v.clone();
        read(&input)
    };
    hold_input("CallerCredentials", &interface("CallerCredentials"), &full_input()["credentials"], &read_credentials);
}

fn result() -> AssumeRoleResult {
    let body = br#"{"subject":{"namespace":"n","serviceAccount":"s"},"audience":"a","podIdentityAssociation":{"associationArn":"arn","associationId":"id"},"assumedRoleUser":{"arn":"arn:aws:sts::111122223333:assumed-role/r/s","assumeRoleId":"AROA:s"},"credentials":{"sessionToken":"t","secretAccessKey":"k","accessKeyId":"ASIA","expiration":1764342000},"workloadIdentityProviderArn":"w"}"#;
    parse_assume_role_response(&HttpResponse { status: 200, headers: &[], body }).unwrap()
}

#[test]
fn signed_request_and_signing_stages() {
    let input = boundary::assume_role_input(&full_input()).unwrap();
    let signed = build_assume_role_request(&input).unwrap();
    let request = serde_json::to_value(&signed).unwrap();
    let ts = interface("SignedRequest");
    // `headers` is a Record: an object of strings, set in botocore's order (which serde_json's
    // sorted map does not keep: the order is pkg's tests' to hold).
    let names: Vec<&str> = signed.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["content-type", "x-amz-date", "x-amz-security-token", "authorization"]);
    assert!(request["headers"].as_object().unwrap().values().all(Value::is_string));
    assert_eq!(ts["headers"].ty, "Record<string, string>");
    hold_output("SignedRequest", &ts, &request, &request);
    let stages = serde_json::to_value(boundary::signing_stages(&full_input()).unwrap().unwrap()).unwrap();
    hold_output("SigningStages", &interface("SigningStages"), &stages, &stages);
}

#[test]
fn assume_role_result_both_ways() {
    let ts = interface("AssumeRoleResult");
    hold_output("AssumeRoleResult", &ts, &serde_json::to_value(result()).unwrap(), &serde_json::to_value(AssumeRoleResult::default()).unwrap());
    let full = serde_json::to_value(result()).unwrap();
    let read = |v: &Value| boundary::to_shell_exports(v).map(|_| ()).map_err(|e| e.to_string());
    // Read back, every member is optional for the result (the formats then need the credentials).
    for name in ts.keys() {
        let mut wrong = full.as_object().unwrap().clone();
        wrong.insert(name.clone(), json!(5));
        assert!(read(&Value::Object(wrong)).is_err(), "AssumeRoleResult.{name} is not read by that name");
    }
}

#[test]
fn credential_formats_and_token_claims() {
    let r = result();
    let full = serde_json::to_value(to_container_credentials(&r).unwrap()).unwrap();
    let mut no_account = r.clone();
    no_account.assumed_role_user = None;
    let bare = serde_json::to_value(to_container_credentials(&no_account).unwrap()).unwrap();
    hold_output("ContainerCredentials", &interface("ContainerCredentials"), &full, &bare);
    let process = serde_json::to_value(to_credential_process(&r).unwrap()).unwrap();
    hold_output("CredentialProcessOutput", &interface("CredentialProcessOutput"), &process, &process);

    let claims = serde_json::to_value(parse_token(TOKEN).unwrap()).unwrap();
    let bare = serde_json::to_value(parse_token("eyJhbGciOiJSUzI1NiJ9.e30.c2ln").unwrap()).unwrap();
    let ts = interface("TokenClaims");
    hold_output("TokenClaims", &ts, &claims, &{
        let mut b = bare.as_object().unwrap().clone();
        b.remove("algorithm");
        Value::Object(b)
    });
}

#[test]
fn the_error_shape_is_eks_auth_error() {
    let ts = interface("EksAuthError");
    let full = error_fields();
    let bare = ErrorFields::from(&Error::InvalidConfiguration { message: "Invalid Configuration: Missing Region".into() });
    let mut ts_fields = ts.clone();
    // `name` is the class's own; `attempts` is the client's; `message` is `Error`'s.
    ts_fields.remove("name");
    ts_fields.remove("attempts");
    ts_fields.insert("message".into(), Member { optional: false, ty: "string".into() });
    let (full, bare) = (serde_json::to_value(full).unwrap(), serde_json::to_value(bare).unwrap());
    hold_output("EksAuthError", &ts_fields, &full, &bare);
}

fn error_fields() -> ErrorFields {
    ErrorFields {
        code: "ThrottlingException".into(),
        message: "m".into(),
        field: Some("f".into()),
        status: Some(429),
        request_id: Some("r".into()),
        retryable: true,
        irrecoverable: false,
        fault: Fault::Client,
    }
}

#[test]
fn exchange_client_shapes() {
    let bare_error = ErrorFields::from(&Error::InvalidConfiguration { message: "m".into() });
    hold_output("ErrorFields", &interface("ErrorFields"), &serde_json::to_value(error_fields()).unwrap(), &serde_json::to_value(bare_error).unwrap());

    let config = json!({ "maxAttempts": 3, "connectTimeoutMs": 500, "attemptTimeoutMs": 1000 });
    let start = |config: &Value| ExchangeClient::new().start(&full_input(), config, 1).map(|_| ()).map_err(|e| e.to_string());
    hold_input("ExchangeConfig", &interface("ExchangeConfig"), &config, &start);

    // A transmit as the machine gives it: with both timeouts, and with neither.
    let transmit = |config: &Value| {
        let mut client = ExchangeClient::new();
        let id = client.start(&full_input(), config, 1).unwrap();
        serde_json::to_value(client.poll_transmit(id, 1_700_000_000_000).unwrap()).unwrap()
    };
    let ts = interface("ExchangeTransmit");
    assert_eq!(ts["request"].ty, "SignedRequest");
    hold_output("ExchangeTransmit", &ts, &transmit(&config), &transmit(&json!({ "connectTimeoutMs": 0, "attemptTimeoutMs": 0 })));

    let retry = serde_json::to_value(EventShape::Retry { attempt: 1, code: "ThrottlingException".into(), delay_ms: 250 }).unwrap();
    hold_output("ExchangeRetryEvent", &interface("ExchangeRetryEvent"), &retry, &retry);
    let skew = serde_json::to_value(EventShape::Skew { offset_ms: -600_000, resign: true }).unwrap();
    hold_output("ExchangeSkewEvent", &interface("ExchangeSkewEvent"), &skew, &skew);

    // The end as `pollResult` gives it, and as `AgentMachine.handleExchangeEnd` reads it back.
    let ts = interface("ExchangeEnd");
    let full = ExchangeEnd { result: Some(result()), error: Some(error_fields()), attempts: 2, clock_offset_ms: -5 };
    let bare = ExchangeEnd { result: None, error: None, attempts: 0, clock_offset_ms: 0 };
    let full = serde_json::to_value(full).unwrap();
    hold_output("ExchangeEnd", &ts, &full, &serde_json::to_value(bare).unwrap());
    let mut agent = Agent::new(&json!(null), 1).unwrap();
    let key = "ab".repeat(32);
    assert_eq!(agent.handle_exchange_end(0, &key, &full).map_err(|e| e.to_string()), Ok(()));
    for name in ts.keys() {
        let mut wrong = full.as_object().unwrap().clone();
        wrong.insert(name.clone(), json!("not of the type"));
        assert!(agent.handle_exchange_end(0, &key, &Value::Object(wrong)).is_err(), "ExchangeEnd.{name} is not read by that name");
    }
}

#[test]
fn agent_machine_shapes() {
    let config = json!({
        "answerWithinMs": 900, "burst": 500, "hosts": ["169.254.170.23"], "maxCacheSize": 2000, "maxFlights": 256,
        "maxRetentionMs": 10_800_000u64, "rateLimit": 1000, "refreshRateLimit": 3, "sweepIntervalMs": 60_000,
    });
    let new = |config: &Value| Agent::new(config, 1).map(|_| ()).map_err(|e| e.to_string());
    hold_input("AgentConfig", &interface("AgentConfig"), &config, &new);

    let agent = Agent::new(&config, 1).unwrap();
    let settings = serde_json::to_value(agent.config()).unwrap();
    hold_output("AgentSettings", &interface("AgentSettings"), &settings, &settings);

    let request = json!({ "host": "169.254.170.23", "listener": 0, "path": "/v1/credentials", "token": TOKEN });
    let handle = |request: &Value| Agent::new(&config, 1).unwrap().handle_request(0, request, false).map(|_| ()).map_err(|e| e.to_string());
    hold_input("AgentRequest", &interface("AgentRequest"), &request, &handle);

    let answer = AnswerShape { status: 200, content_type: "application/json", body: "{}".into(), serve_until: Some(1), cache: Some("hit"), entry: Some(1), code: Some("TimeoutError".into()) };
    let bare_answer = AnswerShape { status: 500, content_type: "text/plain", body: String::new(), serve_until: None, cache: None, entry: None, code: None };
    hold_output("AgentAnswer", &interface("AgentAnswer"), &serde_json::to_value(&answer).unwrap(), &serde_json::to_value(&bare_answer).unwrap());
    let full = DecisionShape { answer: Some(answer), wait: Some(1), token_hash: Some("0123456789abcdef".into()) };
    let bare = DecisionShape { answer: None, wait: None, token_hash: None };
    hold_output("AgentDecision", &interface("AgentDecision"), &serde_json::to_value(full).unwrap(), &serde_json::to_value(bare).unwrap());
    let parked = serde_json::to_value(ParkedAnswer { id: 1, answer: bare_answer }).unwrap();
    hold_output("AgentParkedAnswer", &interface("AgentParkedAnswer"), &parked, &parked);

    // The order, the metrics and the evictions as the machine gives them.
    let mut agent = Agent::new(&json!({ "hosts": ["127.0.0.1"] }), 1).unwrap();
    agent.handle_request(1_700_000_000_000, &json!({ "path": "/v1/credentials", "host": "127.0.0.1", "token": LIVE_TOKEN }), false).unwrap();
    let order = serde_json::to_value(agent.poll_exchange().expect("an exchange ordered")).unwrap();
    hold_output("AgentOrder", &interface("AgentOrder"), &order, &order);
    let metrics = serde_json::to_value(agent.metrics()).unwrap();
    let sample = &metrics.as_array().unwrap()[0];
    hold_output("AgentMetricSample", &interface("AgentMetricSample"), sample, sample);
    assert!(sample["labels"].as_object().unwrap().values().all(Value::is_string));
    let evictions = serde_json::to_value(agent.evictions()).unwrap();
    hold_output("AgentEvictions", &interface("AgentEvictions"), &evictions, &evictions);
}
