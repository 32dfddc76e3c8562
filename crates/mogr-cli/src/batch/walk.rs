//! Finding a batch's files: the files named on the command line, and the files under the
//! folders named, walked recursively in sorted order. Each file comes with the relative path
//! its output mirrors under the output folder: a file named on the command line keeps its
//! name; a folder's files keep their path from the folder's parent (`photos/2024/a.jpg` of
//! the input `photos` or `/data/photos` is `photos/2024/a.jpg`; `.` adds no folder).
//!
//! Hidden files and folders (names starting with `.`) inside a folder are not walked; a file
//! named on the command line is always taken. Links to files are followed, links to folders
//! are not (they are listed as skipped: no loops, no walking out of the tree). The output
//! folder, when it lies inside an input folder, is not walked.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// One file of the batch.
#[derive(Debug)]
pub struct Entry {
    /// The file, as found (the input joined with its path in the folder).
    pub path: PathBuf,
    /// Its path under the output folder (before the output's extension is chosen).
    pub relative: PathBuf,
    /// Why it is not processed at all (a link to a folder, a device, ...), if so.
    pub skip: Option<String>,
}

/// The files of `inputs`, not walking into `out_dir`; a path that cannot be read is an error
/// naming the path and the OS error.
pub fn collect(inputs: &[PathBuf], out_dir: &Path) -> Result<Vec<Entry>, String> {
    let excluded = out_dir.canonicalize().ok();
    let mut entries = Vec::new();
    for input in inputs {
        let metadata = std::fs::metadata(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
        if metadata.is_dir() {
            let prefix = input.file_name().map(PathBuf::from).unwrap_or_default();
            walk_folder(input, &prefix, excluded.as_deref(), &mut entries)?;
        } else if metadata.is_file() {
            let name = input.file_name().ok_or_else(|| format!("{} names no file", input.display()))?;
            entries.push(Entry { path: input.clone(), relative: PathBuf::from(name), skip: None });
        } else {
            return Err(format!("{} is neither a file nor a folder", input.display()));
        }
    }
    Ok(entries)
}

/// Adds the files under `folder` (its path in the output tree: `relative`) to `entries`.
fn walk_folder(
    folder: &Path,
    relative: &Path,
    excluded: Option<&Path>,
    entries: &mut Vec<Entry>,
) -> Result<(), String> {
    if excluded.is_some() && folder.canonicalize().ok().as_deref() == excluded {
        return Ok(());
    }
    for name in sorted_names(folder)? {
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = folder.join(&name);
        let relative = relative.join(&name);
        let file_type =
            std::fs::symlink_metadata(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?.file_type();
        if file_type.is_dir() {
            walk_folder(&path, &relative, excluded, entries)?;
        } else {
            let skip = if file_type.is_symlink() { why_link_is_skipped(&path) } else { why_not_a_file(file_type) };
            entries.push(Entry { path, relative, skip });
        }
    }
    Ok(())
}

/// The names in `folder`, sorted.
fn sorted_names(folder: &Path) -> Result<Vec<OsString>, String> {
    let cannot = |e: std::io::Error| format!("cannot read the folder {}: {e}", folder.display());
    let mut names = std::fs::read_dir(folder)
        .map_err(cannot)?
        .map(|entry| entry.map(|entry| entry.file_name()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(cannot)?;
    names.sort();
    Ok(names)
}

/// Why a link found in a folder is not processed: it leads to a folder (not followed) or
/// nowhere; `None` for a link to a file.
fn why_link_is_skipped(link: &Path) -> Option<String> {
    match std::fs::metadata(link) {
        Ok(target) if target.is_file() => None,
        Ok(target) if target.is_dir() => Some("a link to a folder (links to folders are not followed)".to_owned()),
        Ok(_) => Some("a link to something that is not a file".to_owned()),
        Err(e) => Some(format!("a link that cannot be followed: {e}")),
    }
}

/// Why a non-folder entry that is no link is not processed: `None` for a regular file.
fn why_not_a_file(file_type: std::fs::FileType) -> Option<String> {
    (!file_type.is_file()).then(|| "not a regular file (a device, a pipe or a socket)".to_owned())
}
