//! The small text parsers hosts feed with untrusted input: tokens, Host headers, dates, endpoints.
#![no_main]
use eks_auth_wasm::{agent, endpoint, retry, time, token};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = token::parse_token(&text);
    let _ = agent::host_allowed(&text, &["127.0.0.1", "::", "localhost"]);
    let _ = time::parse_iso8601(&text);
    let _ = retry::parse_http_date(&text);
    let _ = retry::clock_skew_ms(0.0, Some(&text), Some("InvalidSignatureException"), Some(&text));
    let _ = endpoint::resolve_endpoint(&endpoint::EndpointParams { region: Some(&text), use_fips: true, endpoint: None });
    let _ = endpoint::resolve_endpoint(&endpoint::EndpointParams { region: Some("us-east-1"), use_fips: false, endpoint: Some(&text) });
    let _ = eks_auth_wasm::redact::redact(&text, &[&text]);
});
