//! Processing one file of a batch: read it, run the rule, write the output; and the outcome
//! the user sees (`done`, `skipped` with the reason, `failed` with the CI error line).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::output::{Target, Writer, Written, with_extension};
use super::walk::Entry;

/// What became of one file.
#[derive(Debug)]
pub enum Outcome {
    /// The output was written: where, and what it is (`1200x800 webp, 84 KiB`).
    Done {
        /// The output file.
        output: PathBuf,
        /// Its size, format and length.
        description: String,
    },
    /// Nothing was written, and nothing went wrong (not an image, the output exists, ...).
    Skipped(String),
    /// The file could not be processed or written: the error line.
    Failed(String),
}

/// What every file of a batch shares.
pub struct Batch<'a> {
    /// The rule, parsed.
    pub pipeline: &'a mogr::Pipeline,
    /// Whether the rule is only `ci-process=ImageInspect`, which answers for any file.
    pub inspects_any_file: bool,
    /// The spec's limits and the memory budget, per file.
    pub limits: &'a mogr::plan::Limits,
    /// The bucket of watermark images; `None`: each file's own folder.
    pub bucket_root: Option<&'a Path>,
    /// The output folder.
    pub out_dir: &'a Path,
    /// How outputs are written.
    pub writer: &'a Writer,
    /// Every entry (to name the one whose output path another takes).
    pub entries: &'a [Entry],
}

impl Batch<'_> {
    /// Processes the entry at `index`, whose output goes to `target`, on `engine`.
    pub fn run(&self, index: usize, target: &Target, engine: &mogr::Engine) -> Outcome {
        let Some(entry) = self.entries.get(index) else {
            return Outcome::Failed(format!("internal error: no file {index}"));
        };
        if let Some(reason) = &entry.skip {
            return Outcome::Skipped(reason.clone());
        }
        let stem = match target {
            Target::Stem(stem) => stem,
            Target::Taken(first) => return self.taken_by(*first),
        };
        match self.read(&entry.path) {
            Ok(image) => self.process(&entry.path, &image, stem, engine),
            Err(outcome) => outcome,
        }
    }

    /// Runs the rule on `image` (the file `path`) and writes the output to `stem` plus its
    /// extension, unless that output is known to exist already.
    fn process(&self, path: &Path, image: &[u8], stem: &Path, engine: &mogr::Engine) -> Outcome {
        if let Some(existing) = self.existing_output(stem, image) {
            return exists(&existing);
        }
        let objects = match self.bucket_root {
            Some(root) => mogr::exec::FolderObjects::new(root),
            None => mogr::exec::FolderObjects::new(crate::single::folder_of(path)),
        };
        match engine.process_pipeline(image, self.pipeline, mogr::Bucket::new(&objects)) {
            Ok(response) => self.write(stem, &response),
            Err(error) if is_not_an_image(&error, image) => not_an_image(),
            Err(error) => Outcome::Failed(format!("error {error}")),
        }
    }

    /// The outcome of an entry whose output path the entry at `first` has.
    fn taken_by(&self, first: usize) -> Outcome {
        let first = self.entries.get(first).map_or_else(String::new, |entry| entry.path.display().to_string());
        Outcome::Failed(format!("its output would be the same file as that of {first}; rename one of them"))
    }

    /// The file's bytes; a file over the input size limit that is not an image is skipped
    /// after reading its head only.
    fn read(&self, path: &Path) -> Result<Vec<u8>, Outcome> {
        let cannot = |e: std::io::Error| Outcome::Failed(format!("cannot read {}: {e}", path.display()));
        let mut file = std::fs::File::open(path).map_err(cannot)?;
        let size = file.metadata().map_err(cannot)?.len();
        let mut image = Vec::new();
        if self.limits.max_input_bytes.is_some_and(|limit| size > limit) && !self.inspects_any_file {
            file.by_ref().take(HEAD_BYTES).read_to_end(&mut image).map_err(cannot)?;
            if matches!(mogr::plan::probe(&image), Err(mogr::plan::ProbeError::UnsupportedFormat)) {
                return Err(not_an_image());
            }
        }
        file.read_to_end(&mut image).map_err(cannot)?;
        Ok(image)
    }

    /// Without `--overwrite`: the output already there for this file, when its plan (from the
    /// headers) names it, so that a batch run again skips done files without decoding them.
    /// A plan that ignores an error (`ignore-error/1`) may answer the input instead: no guess.
    fn existing_output(&self, stem: &Path, image: &[u8]) -> Option<PathBuf> {
        if self.writer.overwrite {
            return None;
        }
        let probe = mogr::plan::probe(image).ok()?;
        let plan =
            mogr::plan::plan(self.pipeline, &probe, self.limits).ok().filter(|plan| plan.ignored_error.is_none())?;
        let output = plan.output();
        let format = if output.report.is_some() { None } else { Some(output.format) };
        let path = self.out_dir.join(with_extension(stem, mogr::file_extension(format)));
        std::fs::symlink_metadata(&path).is_ok().then_some(path)
    }

    /// Writes the response under the output folder.
    fn write(&self, stem: &Path, response: &mogr::Response) -> Outcome {
        let output = self.out_dir.join(with_extension(stem, response.extension()));
        match self.writer.write(&output, &response.body) {
            Ok(Written::Written) => Outcome::Done { description: describe(response), output },
            Ok(Written::Exists) => exists(&output),
            Err(message) => Outcome::Failed(message),
        }
    }
}

/// The outcome of a file whose output exists (and no `--overwrite`).
fn exists(output: &Path) -> Outcome {
    Outcome::Skipped(format!("{} exists (--overwrite replaces it)", output.display()))
}

/// How much of a file over the size limit is read to tell whether it is an image.
const HEAD_BYTES: u64 = 1 << 20;

/// Whether `error` only says that `image` is not in a format mogr reads.
fn is_not_an_image(error: &mogr::Error, image: &[u8]) -> bool {
    error.code() == mogr::ErrorCode::UnsupportedFormat
        && matches!(mogr::plan::probe(image), Err(mogr::plan::ProbeError::UnsupportedFormat))
}

/// The outcome of a file that is not an image mogr reads.
fn not_an_image() -> Outcome {
    Outcome::Skipped("not an image mogr reads".to_owned())
}

/// `1200x800 webp, 84 KiB` (`80x80 gif, 30 frames, 12 KiB`; `json, 312 B` for a report).
fn describe(response: &mogr::Response) -> String {
    let size = human_size(response.body.len());
    match response.format {
        None => format!("json, {size}"),
        Some(format) if response.frames > 1 => {
            format!("{}x{} {}, {} frames, {size}", response.width, response.height, format.name(), response.frames)
        }
        Some(format) => format!("{}x{} {}, {size}", response.width, response.height, format.name()),
    }
}

/// `312 B`, `84 KiB`, `3.2 MiB`.
pub fn human_size(bytes: usize) -> String {
    const KIB: usize = 1 << 10;
    const MIB: usize = 1 << 20;
    match bytes {
        0..KIB => format!("{bytes} B"),
        KIB..MIB => format!("{} KiB", bytes.div_ceil(KIB)),
        _ => format!("{:.1} MiB", bytes as f64 / MIB as f64),
    }
}
