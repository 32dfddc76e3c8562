//! Fuzzes the whole pipeline, `mogr::Engine::process_in`, on small inputs under small limits: the input
//! is a rule line and the image bytes after it, checked by `check_process` of
//! `fuzz/checks/process.rs`, which `crates/mogr/tests/fuzz_regression.rs` also replays
//! `testdata/regression/process/` through.

#![no_main]

#[path = "../checks/plan.rs"]
mod plan_checks;
#[path = "../checks/process.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(message) = checks::check_process(data) {
        panic!("{message}");
    }
});
