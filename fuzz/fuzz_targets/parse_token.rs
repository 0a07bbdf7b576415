//! Token inspection: any text, and JWTs around any JSON. See `harness::parse_token`.
#![no_main]
#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::parse_token(data);
});
