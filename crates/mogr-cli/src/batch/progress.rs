//! What a batch tells the user, on stderr: on a terminal a progress bar (counts and the
//! current file) with skipped and failed files printed above it; otherwise one plain line per
//! file (`done IN -> OUT (...)`, `skipped IN: reason`, `failed IN: error ...`). At the end,
//! always, the summary (`N done, M skipped, K failed`) and each failure with its reason.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};

use super::work::Outcome;

/// The per-file report and the counts for the summary.
pub struct Reporter {
    /// The bar, on a terminal (and not `--quiet`).
    bar: Option<ProgressBar>,
    /// No per-file lines.
    quiet: bool,
    done: usize,
    skipped: usize,
    /// The failed files, with their order in the batch and their reason.
    failed: Vec<(usize, PathBuf, String)>,
}

impl Reporter {
    /// A reporter for `total` files: a bar when stderr is a terminal, lines otherwise.
    pub fn new(total: usize, quiet: bool) -> Reporter {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| progress_bar(total));
        Reporter { bar, quiet, done: 0, skipped: 0, failed: Vec::new() }
    }

    /// `path` is being processed.
    pub fn started(&self, path: &Path) {
        if let Some(bar) = &self.bar {
            bar.set_message(path.display().to_string());
        }
    }

    /// `path` (the batch's file number `index`) ended in `outcome`.
    pub fn finished(&mut self, index: usize, path: &Path, outcome: Outcome) {
        let line = match &outcome {
            Outcome::Done { output, description } => {
                format!("done {} -> {} ({description})", path.display(), output.display())
            }
            Outcome::Skipped(reason) => format!("skipped {}: {reason}", path.display()),
            Outcome::Failed(reason) => format!("failed {}: {reason}", path.display()),
        };
        self.print(&line, matches!(outcome, Outcome::Done { .. }));
        match outcome {
            Outcome::Done { .. } => self.done += 1,
            Outcome::Skipped(_) => self.skipped += 1,
            Outcome::Failed(reason) => self.failed.push((index, path.to_path_buf(), reason)),
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Prints a file's line: above the bar (not for a `done`), or as a plain line.
    fn print(&self, line: &str, done: bool) {
        match &self.bar {
            Some(bar) if !done => bar.println(line),
            Some(_) => {}
            None if !self.quiet => eprintln!("{line}"),
            None => {}
        }
    }

    /// Prints the summary and the failures; answers whether any file failed.
    pub fn summarise(mut self) -> bool {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        eprintln!("{} done, {} skipped, {} failed", self.done, self.skipped, self.failed.len());
        self.failed.sort_by_key(|(index, _, _)| *index);
        if !self.failed.is_empty() {
            eprintln!("failures:");
        }
        for (_, path, reason) in &self.failed {
            eprintln!("  {}: {reason}", path.display());
        }
        !self.failed.is_empty()
    }
}

/// A bar of `total` files: `[=====>    ] 12/40 photos/a.jpg`.
fn progress_bar(total: usize) -> ProgressBar {
    let bar = ProgressBar::new(u64::try_from(total).unwrap_or(u64::MAX));
    if let Ok(style) = ProgressStyle::with_template("[{elapsed_precise}] [{bar:30}] {pos}/{len} {wide_msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
