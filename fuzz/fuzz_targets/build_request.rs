//! Request validation and building: any text in every input field, any time. See `harness::build_request`.
#![no_main]
#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::build_request(data);
});
