//! The command line as a whole: help for every command, the exit statuses (0 ok, 1
//! processing error, 2 usage error) and error messages that say what to do.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TempDir, mogr, testdata, text};

#[test]
fn the_top_level_help_documents_the_exit_statuses() {
    let run = mogr(&["--help"]);
    assert_eq!(run.status.code(), Some(0));
    let help = text(&run.stdout);
    for needle in [
        "Exit status:",
        "  0  success",
        "  1  processing error",
        "  2  usage error",
        "batch",
        "error <CI code> <name>: <message>",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}

#[test]
fn every_command_has_help_with_examples() {
    for command in ["parse", "plan", "process", "info", "batch"] {
        let run = mogr(&[command, "--help"]);
        assert_eq!(run.status.code(), Some(0), "{command}");
        let help = text(&run.stdout);
        assert!(help.contains(&format!("mogr {command} ")), "{command}: {help}");
        assert!(help.contains("Example"), "{command}: {help}");
        assert!(help.contains("Exit status"), "{command}: {help}");
    }
}

#[test]
fn the_examples_in_the_help_are_valid_rules() {
    for command in ["parse", "plan", "process", "batch"] {
        let help = text(&mogr(&[command, "--help"]).stdout);
        let examples = help.lines().filter(|line| line.starts_with("  mogr "));
        let rules = examples.filter_map(|line| line.split('\'').nth(1)).filter(|rule| !rule.starts_with('{'));
        let rules: Vec<&str> = rules.filter(|rule| !rule.starts_with("http")).collect();
        assert!(rules.len() >= 3, "{command}: {rules:?}");
        for rule in rules {
            let run = mogr(&["parse", rule]);
            assert_eq!(run.status.code(), Some(0), "{command}: {rule}: {}", text(&run.stderr));
        }
    }
}

#[test]
fn clap_usage_errors_exit_2() {
    for args in [&[][..], &["frobnicate"], &["process", "a.jpg"], &["parse", "imageInfo", "--bogus"]] {
        let run = mogr(args);
        assert_eq!(run.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn an_unreadable_input_is_a_usage_error_naming_the_path_and_the_os_error() {
    let missing = testdata("nonexistent.jpg");
    let missing = missing.to_str().unwrap();
    for args in
        [vec!["process", missing, "imageInfo", "-o", "-"], vec!["plan", missing, "imageInfo"], vec!["info", missing]]
    {
        let run = mogr(&args);
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        assert_eq!(
            text(&run.stderr),
            format!("error: cannot read {missing}: No such file or directory (os error 2)\n")
        );
    }
}

#[test]
fn an_invalid_rule_is_reported_before_the_input_is_read() {
    let run = mogr(&["process", "nonexistent.jpg", "imageMogr2/rotate/400", "-o", "-"]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = text(&run.stderr);
    assert!(stderr.starts_with("error -60998 InvalidParameter: at byte 18: "), "{stderr}");
    assert!(stderr.ends_with("  imageMogr2/rotate/400\n                    ^\n"), "{stderr}");
}

#[test]
fn a_non_image_is_a_processing_error() {
    let readme = testdata("README.md");
    let run = mogr(&["info", readme.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    assert!(text(&run.stderr).starts_with("error -443 UnsupportedFormat: "), "{}", text(&run.stderr));
    assert_eq!(text(&run.stdout), "");
}

#[test]
fn an_output_that_cannot_be_written_says_so_and_exits_1() {
    let tmp = TempDir::new("cli-write");
    let output = tmp.join("no/such/folder/out.png");
    let input = testdata("rotating-squares.gif");
    let run = mogr(&["process", input.to_str().unwrap(), "imageMogr2/format/png", "-o", output.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(stderr.starts_with(&format!("error: cannot write {}: ", output.display())), "{stderr}");
    assert!(stderr.contains("check that its folder exists"), "{stderr}");
}

#[test]
fn process_writes_the_file_it_is_given() {
    let tmp = TempDir::new("cli-process");
    let output = tmp.join("thumb.png");
    let input = testdata("rotating-squares.gif");
    let run = mogr(&[
        "process",
        input.to_str().unwrap(),
        "imageMogr2/thumbnail/20x/format/png",
        "-o",
        output.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!((text(&run.stdout), text(&run.stderr)), (String::new(), String::new()));
    assert_eq!(common::shape(&output), (20, 20, mogr::plan::ImageFormat::Png, 1));
}
