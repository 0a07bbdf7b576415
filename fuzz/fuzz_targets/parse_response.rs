//! Response parsing: any status, headers and body. See `harness::parse_response`.
#![no_main]
#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::parse_response(data);
});
