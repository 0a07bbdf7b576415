//! The small text parsers hosts feed with untrusted input. See `harness::parse_text`.
#![no_main]
#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::parse_text(data);
});
