//! Finding font files on disk and keeping their bytes.
//!
//! The folders are listed once, at the first render that needs a font, and the listing is kept:
//! fonts installed later are seen by a new [`crate::FontLibrary`]. A file's bytes are read on
//! first use and shared (`Arc`) by every face and every later render.

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::error::TextError;
use crate::table::{FontFile, package_of};

/// How deep below a font folder the listing looks (guards against symlink loops).
const MAX_DEPTH: usize = 12;

/// File extensions of the fonts the parsers here read (ASCII case ignored).
const FONT_EXTENSIONS: [&str; 4] = ["ttf", "ttc", "otf", "otc"];

/// One face of one font file, its bytes loaded.
#[derive(Debug, Clone)]
pub(crate) struct LoadedFont {
    /// Where the file is.
    pub(crate) path: PathBuf,
    /// The face inside a collection.
    pub(crate) index: u32,
    /// The whole file.
    pub(crate) data: Arc<Vec<u8>>,
}

impl LoadedFont {
    /// True when both are the same face of the same file.
    pub(crate) fn same_face(&self, other: &LoadedFont) -> bool {
        self.path == other.path && self.index == other.index
    }
}

/// The font folders, their listing and the bytes read so far.
#[derive(Debug)]
pub(crate) struct Store {
    dirs: Vec<PathBuf>,
    listing: OnceLock<Vec<PathBuf>>,
    bytes: Mutex<HashMap<PathBuf, Arc<Vec<u8>>>>,
}

impl Store {
    /// A store over these folders, searched in order; nothing is read yet.
    pub(crate) fn new(dirs: Vec<PathBuf>) -> Store {
        Store { dirs, listing: OnceLock::new(), bytes: Mutex::new(HashMap::new()) }
    }

    /// The first of `candidates` found on disk, loaded and checked; `role` names it in errors.
    pub(crate) fn load(&self, role: &str, candidates: &[FontFile]) -> Result<LoadedFont, TextError> {
        let (path, index) = self.locate(candidates).ok_or_else(|| missing(role, candidates))?;
        let data = self.read(&path)?;
        check_face(&path, &data, index)?;
        Ok(LoadedFont { path, index, data })
    }

    /// The path and face index of the first candidate present, candidates in order of preference,
    /// folders in search order for each.
    fn locate(&self, candidates: &[FontFile]) -> Option<(PathBuf, u32)> {
        let listing = self.listing.get_or_init(|| list_font_files(&self.dirs));
        candidates.iter().find_map(|candidate| {
            let path = listing.iter().find(|path| ends_with_ignoring_case(path, candidate.suffix))?;
            Some((path.clone(), candidate.index))
        })
    }

    /// The bytes of a file, read once and shared.
    fn read(&self, path: &Path) -> Result<Arc<Vec<u8>>, TextError> {
        let mut cache = self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(data) = cache.get(path) {
            return Ok(Arc::clone(data));
        }
        let data = Arc::new(fs::read(path).map_err(|err| bad_font(path, err.to_string()))?);
        cache.insert(path.to_path_buf(), Arc::clone(&data));
        Ok(data)
    }
}

/// The error for an entry none of whose files is installed.
fn missing(role: &str, candidates: &[FontFile]) -> TextError {
    TextError::FontMissing {
        font: role.to_string(),
        files: candidates.iter().map(|file| file.suffix.to_string()).collect(),
        package: package_of(candidates),
    }
}

fn bad_font(path: &Path, reason: String) -> TextError {
    TextError::BadFont { file: path.display().to_string(), reason }
}

/// Refuses a file whose face the parsers cannot read.
fn check_face(path: &Path, data: &[u8], index: u32) -> Result<(), TextError> {
    match rustybuzz::ttf_parser::Face::parse(data, index) {
        Ok(_) => Ok(()),
        Err(err) => Err(bad_font(path, format!("face {index}: {err}"))),
    }
}

/// Every font file below `dirs`, folder by folder in order, each folder's entries sorted by name.
fn list_font_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in dirs {
        collect_font_files(dir, 0, &mut files);
    }
    files
}

/// Appends the font files below `dir` (unreadable folders are skipped: they hold no usable font).
fn collect_font_files(dir: &Path, depth: usize, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).collect();
    paths.sort();
    for path in paths {
        let Ok(metadata) = fs::metadata(&path) else { continue };
        if metadata.is_dir() && depth < MAX_DEPTH {
            collect_font_files(&path, depth + 1, files);
        } else if metadata.is_file() && has_font_extension(&path) {
            files.push(path);
        }
    }
}

fn has_font_extension(path: &Path) -> bool {
    let extension = path.extension().and_then(|ext| ext.to_str()).unwrap_or("");
    FONT_EXTENSIONS.iter().any(|known| extension.eq_ignore_ascii_case(known))
}

/// True when the last components of `path` are those of `suffix`, ignoring ASCII case.
fn ends_with_ignoring_case(path: &Path, suffix: &str) -> bool {
    let mut tail = path.components().rev();
    Path::new(suffix).components().rev().all(|wanted| match (tail.next(), wanted) {
        (Some(Component::Normal(have)), Component::Normal(want)) => {
            have.to_str().is_some_and(|have| want.to_str().is_some_and(|want| have.eq_ignore_ascii_case(want)))
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_match_whole_components_ignoring_case() {
        let path = Path::new("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf");
        assert!(ends_with_ignoring_case(path, "LiberationSans-Regular.ttf"));
        assert!(ends_with_ignoring_case(path, "liberation2/liberationsans-regular.TTF"));
        assert!(!ends_with_ignoring_case(path, "liberation/LiberationSans-Regular.ttf"));
        assert!(!ends_with_ignoring_case(path, "Sans-Regular.ttf"));
        assert!(!ends_with_ignoring_case(Path::new("a.ttf"), "x/a.ttf"));
    }

    #[test]
    fn a_store_without_folders_reports_the_package() {
        let store = Store::new(vec![PathBuf::from("/nonexistent/mogr-text")]);
        let file = FontFile { suffix: "x.ttf", index: 0, package: "fonts-x", licence: "OFL-1.1" };
        let err = store.load("X.ttf", &[file]).err();
        assert_eq!(
            err,
            Some(TextError::FontMissing { font: "X.ttf".into(), files: vec!["x.ttf".into()], package: "fonts-x" })
        );
    }

    #[test]
    fn only_font_extensions_are_listed() {
        assert!(has_font_extension(Path::new("a/b.TTC")));
        assert!(has_font_extension(Path::new("b.otf")));
        assert!(!has_font_extension(Path::new("b.dfont")));
        assert!(!has_font_extension(Path::new("fonts.dir")));
    }
}
