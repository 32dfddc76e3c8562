//! Replaying fuzz inputs: the findings kept in `testdata/regression/<folder>/` and the seeds of
//! `fuzz/seeds/<folder>/` run through a fuzz target's checks, panics caught, every failing file
//! named. Included with `#[path]` by the regression tests of `mogr-syntax`, `mogr-plan` and
//! `mogr`, so `cargo test` covers what the fuzz targets already cover without building them.

#![allow(dead_code, clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// The folder `testdata/regression/<folder>`.
pub fn folder(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/regression").join(name)
}

/// The inputs kept in `testdata/regression/<folder>`, sorted; fails when the folder or its
/// `README.md` is missing.
pub fn inputs(name: &str) -> Vec<PathBuf> {
    let dir = folder(name);
    assert!(dir.join("README.md").is_file(), "{} has no README.md: is this the regression folder?", dir.display());
    files_in(&dir)
}

/// The seeds of `fuzz/seeds/<folder>`, sorted; fails when the folder is missing or empty.
pub fn seeds(name: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds").join(name);
    let files = files_in(&dir);
    assert!(!files.is_empty(), "{} holds no seed", dir.display());
    files
}

/// The files of `dir` but its `README.md`, sorted.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())).path())
        .filter(|path| path.is_file() && path.file_name().is_some_and(|name| name != "README.md"))
        .collect();
    files.sort();
    files
}

/// Up to 64 bytes of `data` in hex, for messages.
pub fn hex(data: &[u8]) -> String {
    let shown: String = data.iter().take(64).map(|b| format!("{b:02x}")).collect();
    if data.len() > 64 { format!("{shown}… ({} bytes)", data.len()) } else { shown }
}

/// Runs `check` on every input of `name`, catching panics; returns how many were replayed.
pub fn replay(name: &str, check: fn(&[u8]) -> Result<(), String>) -> usize {
    replay_files(&inputs(name), check)
}

/// Runs `check` on every seed of `fuzz/seeds/<name>`, catching panics; returns how many.
pub fn replay_seeds(name: &str, check: fn(&[u8]) -> Result<(), String>) -> usize {
    replay_files(&seeds(name), check)
}

/// Runs `check` on every file, catching panics, and fails naming every file that fails.
fn replay_files(files: &[PathBuf], check: fn(&[u8]) -> Result<(), String>) -> usize {
    let mut failures = Vec::new();
    for path in files {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        match panic::catch_unwind(AssertUnwindSafe(|| check(&data))) {
            Ok(Ok(())) => {}
            Ok(Err(message)) => failures.push(format!("{}: input {}: {message}", path.display(), hex(&data))),
            Err(payload) => {
                let message = payload
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| payload.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)");
                failures.push(format!("{}: input {}: panicked: {message}", path.display(), hex(&data)));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} replayed inputs fail:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    files.len()
}
