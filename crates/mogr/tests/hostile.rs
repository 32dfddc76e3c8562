//! Every file of the shared corpus's `hostile/` folder (pixel floods, decompression bombs, a
//! 40 000-frame GIF, truncated and fuzz-crash files of every format, hostile SVGs) through the
//! whole pipeline, `mogr::process`, under a small memory budget: each ends in a correct result
//! or a clear error, never a panic, an internal error or a hang.
//!
//! A correct result is one whose bytes mogr probes back to the size and frames the response
//! states. A hang shows as a file that has not finished after [`HANG`]: the walk runs each
//! file on a thread of its own and names the one it waited for (speed is not asserted; this is
//! far beyond any honest run).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use mogr::ErrorCode;
use mogr::plan::Limits;

/// How long a file may run before the walk calls it a hang.
const HANG: Duration = Duration::from_secs(60);

/// The rules every hostile file goes through: a thumbnail (decode, resize, encode), the
/// reports that read headers or pixels, and a full-size re-encode.
const RULES: &[&str] = &[
    "imageMogr2/thumbnail/200x/format/png",
    "imageMogr2/format/webp",
    "imageInfo",
    "imageAve",
    "ci-process=ImageInspect",
];

/// The budget: the spec's limits and at most 256 MiB of predicted memory a request.
fn limits() -> Limits {
    Limits { max_peak_bytes: Some(256 << 20), ..Limits::default() }
}

fn hostile_files() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testimages/hostile");
    let mut files = Vec::new();
    for folder in std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display())) {
        let folder = folder.unwrap().path();
        for file in std::fs::read_dir(&folder).unwrap() {
            files.push(file.unwrap().path());
        }
    }
    files.sort();
    files
}

/// What happened to one file under one rule, or why that is wrong.
fn outcome(file: &Path, rule: &str) -> Result<&'static str, String> {
    let bytes = std::fs::read(file).unwrap();
    match mogr::process(&bytes, rule, &limits()) {
        Ok(response) => check_result(&response, &bytes).map(|()| "result"),
        Err(e) if e.code() == ErrorCode::Internal => Err(format!("internal error: {e}")),
        Err(e) if e.message().is_empty() => Err(format!("an error without a message: {e:?}")),
        Err(_) => Ok("error"),
    }
}

fn check_result(response: &mogr::Response, input: &[u8]) -> Result<(), String> {
    if response.format.is_none() {
        return serde_json::from_slice::<serde_json::Value>(&response.body).map(drop).map_err(|e| e.to_string());
    }
    if response.body == input {
        return Ok(());
    }
    let probe = mogr::plan::probe(&response.body).map_err(|e| format!("the output does not probe: {e}"))?;
    if (probe.decoded_size(), probe.frames) != ((response.width, response.height), response.frames) {
        return Err(format!(
            "the output is {:?} with {} frames, the response says {}x{} with {}",
            probe.decoded_size(),
            probe.frames,
            response.width,
            response.height,
            response.frames
        ));
    }
    Ok(())
}

#[test]
fn every_hostile_file_ends_in_a_result_or_a_clear_error() {
    let files = hostile_files();
    assert!(files.len() >= 60, "only {} hostile files: is the corpus there?", files.len());
    let mut failures = Vec::new();
    let (mut results, mut errors) = (0, 0);
    for file in &files {
        for rule in RULES {
            let (sender, receiver) = mpsc::channel();
            let (path, rule_owned) = (file.clone(), (*rule).to_owned());
            std::thread::spawn(move || {
                let caught = std::panic::catch_unwind(|| outcome(&path, &rule_owned));
                let _ = sender.send(caught.unwrap_or_else(|_| Err("panicked".into())));
            });
            let name = format!(
                "{} with {rule}",
                file.strip_prefix(file.parent().unwrap().parent().unwrap()).unwrap().display()
            );
            match receiver.recv_timeout(HANG) {
                Ok(Ok("result")) => results += 1,
                Ok(Ok(_)) => errors += 1,
                Ok(Err(why)) => failures.push(format!("{name}: {why}")),
                Err(_) => panic!("{name}: still running after {HANG:?}"),
            }
        }
    }
    println!("{} files x {} rules: {results} results, {errors} clear errors", files.len(), RULES.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    // Both kinds happen: many hostile files are refused, some are valid and merely large.
    assert!(results > 0 && errors > 0, "{results} results, {errors} errors");
}
