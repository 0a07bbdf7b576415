//! The JavaScript boundary's conversions on any JSON argument. See `harness::boundary`.
#![no_main]
#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::boundary(data);
});
