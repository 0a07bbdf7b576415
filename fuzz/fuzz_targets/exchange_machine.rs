//! The exchange state machine under any sequence of inputs. See `harness::exchange_machine`.
#![no_main]
#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::exchange_machine(data);
});
