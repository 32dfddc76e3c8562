//! Fuzzes `mogr_plan::probe` with the checks of `fuzz/checks/plan.rs` (`check_probe`), which
//! `crates/mogr-plan/tests/fuzz_regression.rs` also replays `testdata/regression/probe/` through.

#![no_main]

#[path = "../checks/plan.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(message) = checks::check_probe(data) {
        panic!("{message}");
    }
});
