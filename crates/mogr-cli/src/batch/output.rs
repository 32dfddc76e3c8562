//! Where each output goes and how it is written, without losing data.
//!
//! The output of `photos/a.jpg` is `DIR/photos/a.<ext>`, `<ext>` following the response: the
//! image format's extension (`jpg`, `png`, `gif`, `webp`, `bmp`, `avif`, `heif`, `heic`,
//! `svg`) or `json` for reports. Two inputs of one folder that differ only by extension
//! (`a.jpg`, `a.png`) keep it before the new one (`a.jpg.webp`, `a.png.webp`) so that they
//! cannot meet; two inputs with the very same path under DIR (the same file named twice, two
//! folders of one name) cannot both be written: the later ones fail.
//!
//! Each output is written to a hidden temporary file in its folder, then moved into place,
//! so that a reader never sees half a file. An existing file is left alone unless
//! `--overwrite`; an input file is never written over.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::walk::Entry;

/// Where an entry's output goes, before its extension is known.
#[derive(Debug)]
pub enum Target {
    /// The output path under DIR, without the output's extension.
    Stem(PathBuf),
    /// Another entry (this index) already has this output path.
    Taken(usize),
}

/// The target of each entry, in order.
pub fn targets(entries: &[Entry]) -> Vec<Target> {
    let mut stems: HashMap<PathBuf, HashSet<&Path>> = HashMap::new();
    for entry in entries {
        stems.entry(entry.relative.with_extension("")).or_default().insert(&entry.relative);
    }
    let mut first_of: HashMap<&Path, usize> = HashMap::new();
    let mut targets = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        if let Some(&first) = first_of.get(entry.relative.as_path()) {
            targets.push(Target::Taken(first));
            continue;
        }
        first_of.insert(&entry.relative, index);
        let stem = entry.relative.with_extension("");
        let shared = stems.get(&stem).is_some_and(|paths| paths.len() > 1);
        targets.push(Target::Stem(if shared { entry.relative.clone() } else { stem }));
    }
    targets
}

/// `stem` with `.extension` added (`photos/a` and `webp`: `photos/a.webp`).
pub fn with_extension(stem: &Path, extension: &str) -> PathBuf {
    let mut name = OsString::from(stem.as_os_str());
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

/// What became of a write.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    /// The file holds the output.
    Written,
    /// The file already existed and was left as it was (no `--overwrite`).
    Exists,
}

/// How outputs are written: whether existing files are replaced, and the files never to be.
pub struct Writer {
    /// Replace existing outputs.
    pub overwrite: bool,
    /// The inputs' canonical paths: never written over.
    pub inputs: HashSet<PathBuf>,
}

impl Writer {
    /// Writes `body` to `path` through a temporary file in its folder.
    pub fn write(&self, path: &Path, body: &[u8]) -> Result<Written, String> {
        let folder = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(folder).map_err(|e| format!("cannot create the folder {}: {e}", folder.display()))?;
        if std::fs::symlink_metadata(path).is_ok() {
            if !self.overwrite {
                return Ok(Written::Exists);
            }
            if path.canonicalize().is_ok_and(|real| self.inputs.contains(&real)) {
                return Err(format!("{} is an input: inputs are never written over", path.display()));
            }
        }
        let temp = temp_path(folder, path);
        let written = std::fs::write(&temp, body)
            .map_err(|e| format!("cannot write {}: {e}", temp.display()))
            .and_then(|()| self.move_into_place(&temp, path));
        // After a move the temporary file is gone; after a failure or a no-clobber link it is not.
        let _ = std::fs::remove_file(&temp);
        written
    }

    /// Moves the finished `temp` file to `path`, replacing a file there only if allowed.
    fn move_into_place(&self, temp: &Path, path: &Path) -> Result<Written, String> {
        let cannot = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
        if self.overwrite {
            return std::fs::rename(temp, path).map(|()| Written::Written).map_err(cannot);
        }
        // A hard link never replaces a file: the check and the write are one step.
        match std::fs::hard_link(temp, path) {
            Ok(()) => Ok(Written::Written),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Written::Exists),
            // A file system without hard links: check, then move.
            Err(_) if std::fs::symlink_metadata(path).is_ok() => Ok(Written::Exists),
            Err(_) => std::fs::rename(temp, path).map(|()| Written::Written).map_err(cannot),
        }
    }
}

/// A fresh hidden temporary file's path in `folder`, named after `path`.
fn temp_path(folder: &Path, path: &Path) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let serial = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    folder.join(format!(".{name}.{}-{serial}.mogr-tmp", std::process::id()))
}
