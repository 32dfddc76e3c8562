//! `mogr batch RULE --out DIR INPUTS...`: one rule over many files, in parallel.
//!
//! The rule is parsed once, before any file is touched; the inputs are collected
//! ([`walk`]), each gets its output path ([`output`]), `--jobs` workers process them
//! ([`work`]) and the user sees each outcome and a summary ([`progress`]).
//!
//! Threads: with one job, an image is processed with `--threads` threads (default: one per
//! core). With more jobs, each job has its own engine of `--threads` threads, default 1,
//! so the default `--jobs` (one per core) keeps every core busy without oversubscribing.
//! Memory: `--max-memory` is per image; a batch may need up to jobs x that.

mod output;
mod progress;
mod walk;
mod work;

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::options::{Budget, RunOptions};
use crate::report::{fail, usage_error};
use output::{Target, Writer};
use progress::Reporter;
use walk::Entry;
use work::{Batch, Outcome};

/// The arguments of `mogr batch`.
#[derive(clap::Args)]
pub struct BatchArgs {
    /// The rule, as it follows `?` in a URL.
    rule: String,
    /// The folder the outputs go to (created if missing); it mirrors the inputs' paths.
    #[arg(short, long, value_name = "DIR")]
    out: PathBuf,
    /// Image files and folders (walked recursively).
    #[arg(required = true, value_name = "INPUTS")]
    inputs: Vec<PathBuf>,
    /// Files processed at once (default: one per core).
    #[arg(short, long, value_name = "N")]
    jobs: Option<NonZeroUsize>,
    /// Replace output files that already exist (inputs are never replaced).
    #[arg(long)]
    overwrite: bool,
    /// No line per file, no progress bar: only the summary and the failures.
    #[arg(short, long)]
    quiet: bool,
    /// The folder that holds the inputs' bucket, where watermark image keys are found
    /// (default: each input file's own folder, as for `process`).
    #[arg(long, value_name = "DIR")]
    bucket_root: Option<PathBuf>,
    #[command(flatten)]
    budget: Budget,
    #[command(flatten)]
    run: RunOptions,
}

/// Runs `mogr batch`: 0 when every file is done or skipped, 1 when any failed, 2 when the
/// rule or the arguments are wrong (nothing is processed then).
pub fn run(args: &BatchArgs) -> ExitCode {
    let pipeline = match mogr::parse(&args.rule) {
        Ok(pipeline) => pipeline,
        Err(error) => return fail(&error, &args.rule),
    };
    let entries = match walk::collect(&args.inputs, &args.out) {
        Ok(entries) if entries.is_empty() => return usage_error(&no_files(&args.inputs)),
        Ok(entries) => entries,
        Err(message) => return usage_error(&message),
    };
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        return usage_error(&format!("cannot create the output folder {}: {e}", args.out.display()));
    }
    let jobs = job_count(args.jobs, entries.len());
    let limits = args.budget.limits();
    let engines = match engines(&args.run, limits, jobs) {
        Ok(engines) => engines,
        Err(error) => return fail(&error, &args.rule),
    };
    let writer = Writer { overwrite: args.overwrite, inputs: canonical_paths(&entries) };
    let batch = Batch {
        pipeline: &pipeline,
        inspects_any_file: matches!(pipeline.stages.as_slice(), [mogr::syntax::Stage::ImageInspect]),
        limits: &limits,
        bucket_root: args.bucket_root.as_deref(),
        out_dir: &args.out,
        writer: &writer,
        entries: &entries,
    };
    let any_failed = process_all(&batch, &output::targets(&entries), engines, args.quiet);
    if any_failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// The message when the inputs hold no file.
fn no_files(inputs: &[PathBuf]) -> String {
    let names: Vec<String> = inputs.iter().map(|input| input.display().to_string()).collect();
    format!("no files found in {} (hidden files and the output folder are not walked)", names.join(", "))
}

/// `--jobs`, or one per core; never more than the files.
fn job_count(jobs: Option<NonZeroUsize>, files: usize) -> usize {
    let jobs = jobs.or_else(|| std::thread::available_parallelism().ok()).map_or(1, NonZeroUsize::get);
    jobs.min(files).max(1)
}

/// One engine per job (an engine's own pool runs one image at a time): `--threads` threads
/// each, default all cores for a single job and one thread per job otherwise.
fn engines(run: &RunOptions, limits: mogr::plan::Limits, jobs: usize) -> Result<Vec<mogr::Engine>, mogr::Error> {
    let threads = if jobs > 1 { run.threads.or(Some(NonZeroUsize::MIN)) } else { run.threads };
    (0..jobs).map(|_| run.engine_with_threads(limits, threads)).collect()
}

/// The canonical paths of the entries (the files never written over).
fn canonical_paths(entries: &[Entry]) -> std::collections::HashSet<PathBuf> {
    entries.iter().filter_map(|entry| entry.path.canonicalize().ok()).collect()
}

/// What a worker tells the reporter.
enum Event {
    /// The entry at this index is being processed.
    Started(usize),
    /// The entry at this index ended so.
    Finished(usize, Outcome),
}

/// Processes every entry, one worker per engine, reporting as they go; answers whether any
/// failed.
fn process_all(batch: &Batch<'_>, targets: &[Target], engines: Vec<mogr::Engine>, quiet: bool) -> bool {
    let mut reporter = Reporter::new(batch.entries.len(), quiet);
    let next = AtomicUsize::new(0);
    let (events, received) = mpsc::channel();
    std::thread::scope(|scope| {
        for engine in engines {
            let (events, next) = (events.clone(), &next);
            scope.spawn(move || work_through(batch, targets, &engine, next, &events));
        }
        drop(events);
        for event in received {
            match event {
                Event::Started(index) => reporter.started(path_of(batch.entries, index)),
                Event::Finished(index, outcome) => reporter.finished(index, path_of(batch.entries, index), outcome),
            }
        }
    });
    reporter.summarise()
}

/// One worker: takes the next entry until none is left.
fn work_through(
    batch: &Batch<'_>,
    targets: &[Target],
    engine: &mogr::Engine,
    next: &AtomicUsize,
    events: &mpsc::Sender<Event>,
) {
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(target) = targets.get(index) else {
            return;
        };
        let _ = events.send(Event::Started(index));
        let outcome = batch.run(index, target, engine);
        let _ = events.send(Event::Finished(index, outcome));
    }
}

/// The path of the entry at `index`.
fn path_of(entries: &[Entry], index: usize) -> &Path {
    entries.get(index).map_or(Path::new(""), |entry| entry.path.as_path())
}
