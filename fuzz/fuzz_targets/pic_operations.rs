//! Fuzzes `mogr_syntax::parse_pic_operations` with `check_pic_operations` of
//! `fuzz/checks/syntax.rs`, which `crates/mogr-syntax/tests/regression.rs` also replays
//! `testdata/regression/pic_operations/` through.

#![no_main]

#[path = "../checks/syntax.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(message) = checks::check_pic_operations(input) {
        panic!("{message}");
    }
});
