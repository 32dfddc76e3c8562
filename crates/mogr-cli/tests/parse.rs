//! The `mogr parse` contract of DESIGN.md: canonical form on stdout and exit 0; an invalid
//! rule exits non-zero with `error <CI code> <name>: <message>` on stderr, naming the byte
//! offset and what was expected.

// Test helpers outside #[test] functions may panic: a panic is a failed test.
#![allow(clippy::expect_used)]

use std::process::{Command, Output};

fn mogr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mogr")).args(args).output().expect("mogr runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

#[test]
fn a_valid_rule_prints_its_canonical_form() {
    let out = mogr(&["parse", "imageMogr2/format/PNG/thumbnail/300x300%3E|imageInfo&q-sign-algorithm=sha1"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "imageMogr2/thumbnail/300x300>/format/png|imageInfo\n");
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn an_invalid_rule_names_code_offset_and_expectation() {
    let out = mogr(&["parse", "imageMogr2/blur/80x5"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "");
    let stderr = text(&out.stderr);
    let first = stderr.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "error -60998 InvalidParameter: at byte 16: expected blur radius: an integer from 1 to 50, found \"80\""
    );
    // The caret stands under the offending byte.
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines[1], "  imageMogr2/blur/80x5");
    assert_eq!(lines[2].find('^'), Some(2 + 16));
}

#[test]
fn pic_operations_headers_are_checked_too() {
    let ok =
        mogr(&["parse", "--pic-operations", r#"{"rules":[{"fileid":"a.jpg","rule":"imageMogr2/thumbnail/!50p"}]}"#]);
    assert!(ok.status.success());
    assert_eq!(
        text(&ok.stdout),
        "{\"is_pic_info\":0,\"rules\":[{\"fileid\":\"a.jpg\",\"rule\":\"imageMogr2/thumbnail/!50p\"}]}\n"
    );

    let rule = r#"{"fileid":"a.jpg","rule":"imageInfo"}"#;
    let six = format!(r#"{{"rules":[{}]}}"#, [rule; 6].join(","));
    let out = mogr(&["parse", "--pic-operations", &six]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).starts_with("error -60997 TooManyRules: at byte "), "{}", text(&out.stderr));
}

#[test]
fn hostile_rules_end_in_an_error_not_a_panic() {
    let long = "imageMogr2/".repeat(4000);
    for rule in ["", "%", "|||", "imageMogr2/blur/8x18446744073709551.999", "watermark/2/text/", long.as_str()] {
        let out = mogr(&["parse", rule]);
        assert_eq!(out.status.code(), Some(2), "{rule:.40}");
        assert!(text(&out.stderr).starts_with("error -60998 InvalidParameter: at byte "), "{rule:.40}");
    }
}
