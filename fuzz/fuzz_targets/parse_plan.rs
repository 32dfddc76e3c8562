//! Fuzzes `mogr_plan::plan`: the input is a rule line and the image bytes after it, checked by
//! `check_parse_plan` of `fuzz/checks/plan.rs`, which
//! `crates/mogr-plan/tests/fuzz_regression.rs` also replays `testdata/regression/parse_plan/`
//! through.

#![no_main]

#[path = "../checks/plan.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(message) = checks::check_parse_plan(data) {
        panic!("{message}");
    }
});
