//! What the CLI tests share: running the built `mogr`, the test images, and temporary
//! folders that clean up after themselves.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `mogr` with `args`.
pub fn mogr<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mogr")).args(args).output().expect("mogr runs")
}

/// The text of stdout or stderr.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// A file of the repository's `testdata/`.
pub fn testdata(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(file)
}

/// A file of the shared test corpus.
pub fn corpus(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testimages").join(file)
}

/// A fresh folder under the system's temporary folder, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty folder named after `name`, the process and a counter.
    pub fn new(name: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let serial = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("mogr-cli-{name}-{}-{serial}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary folder");
        TempDir(path)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `relative` inside the folder.
    pub fn join(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }

    /// Copies `from` to `relative` inside the folder (creating its folders).
    pub fn copy(&self, from: &Path, relative: &str) -> PathBuf {
        self.write(relative, &std::fs::read(from).expect("the test image"))
    }

    /// Writes `bytes` to `relative` inside the folder (creating its folders).
    pub fn write(&self, relative: &str, bytes: &[u8]) -> PathBuf {
        let path = self.join(relative);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("the folders");
        std::fs::write(&path, bytes).expect("the file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The files under `folder`, relative to it, sorted.
pub fn files_under(folder: &Path) -> Vec<String> {
    let mut files = Vec::new();
    collect(folder, folder, &mut files);
    files.sort();
    files
}

fn collect(root: &Path, folder: &Path, files: &mut Vec<String>) {
    for entry in std::fs::read_dir(folder).expect("a folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            files.push(path.strip_prefix(root).expect("under root").to_string_lossy().into_owned());
        }
    }
}

/// Width, height, format and frames of an image file, as mogr probes it.
pub fn shape(file: &Path) -> (u32, u32, mogr::plan::ImageFormat, u32) {
    let bytes = std::fs::read(file).expect("the output");
    let probe = mogr::plan::probe(&bytes).expect("an image");
    (probe.width, probe.height, probe.format, probe.frames)
}
