//! How the executor runs, beside what the plan says: threads and encoder choices.
//!
//! A [`Plan`](mogr_plan::Plan) says *what* to produce; [`Settings`] say *how*, for choices
//! that never change the output's size, format or frames. They are server- or bucket-wide
//! (Tencent CI's "Guetzli compression" is a bucket setting, not a rule). An [`Executor`] is
//! built once from them and shared: it owns the thread pool, if the settings ask for one.
//!
//! ```text
//! Settings { threads, jpeg } ──Executor::new──▶ Executor (rayon pool of `threads`, or the
//!   global pool) ──execute(plan, bytes, probe)──▶ Output (the same bytes whatever the pool)
//! ```

use std::num::NonZeroUsize;

use mogr_plan::{Plan, Probe};

use crate::{ExecError, Output};

/// How JPEG output is compressed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JpegMode {
    /// libjpeg-turbo: standard Huffman tables for baseline, optimised ones for progressive.
    /// The fast choice, and the default.
    #[default]
    Fast,
    /// Trellis quantisation and optimised Huffman tables (mozjpeg's method, in Rust): smaller
    /// files at the same quality setting for several times the encoding time; what CI's
    /// Guetzli setting asks for.
    Compact,
}

impl JpegMode {
    /// The mode's name, as the CLI spells it.
    pub const fn name(self) -> &'static str {
        match self {
            JpegMode::Fast => "fast",
            JpegMode::Compact => "compact",
        }
    }

    /// The mode named `name` (`fast` or `compact`).
    pub fn from_name(name: &str) -> Option<JpegMode> {
        [JpegMode::Fast, JpegMode::Compact].into_iter().find(|m| m.name() == name)
    }
}

/// Encoder choices that leave the output's size, format and frames as planned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct EncodeOptions {
    /// How JPEG output is compressed.
    pub jpeg: JpegMode,
}

/// How an [`Executor`] runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Settings {
    /// Worker threads for frames and row stripes; `None`: rayon's global pool (one thread per
    /// core, or `RAYON_NUM_THREADS`). The output bytes do not depend on it.
    pub threads: Option<NonZeroUsize>,
    /// Encoder choices.
    pub encode: EncodeOptions,
}

impl Settings {
    /// The settings with `threads` worker threads.
    pub fn with_threads(mut self, threads: Option<NonZeroUsize>) -> Settings {
        self.threads = threads;
        self
    }

    /// The settings with JPEG `mode`.
    pub fn with_jpeg(mut self, mode: JpegMode) -> Settings {
        self.encode.jpeg = mode;
        self
    }
}

/// Runs plans with fixed [`Settings`]; build once, share across threads.
#[derive(Debug)]
pub struct Executor {
    settings: Settings,
    /// The pool of `settings.threads`, or `None` for the global pool.
    pool: Option<rayon::ThreadPool>,
}

impl Executor {
    /// An executor with `settings` (starting its threads when it has its own pool).
    pub fn new(settings: Settings) -> Result<Executor, ExecError> {
        let pool = match settings.threads {
            None => None,
            Some(threads) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads.get())
                    .thread_name(|i| format!("mogr-{i}"))
                    .build()
                    .map_err(|e| ExecError::Internal(format!("starting {threads} worker threads: {e}")))?,
            ),
        };
        Ok(Executor { settings, pool })
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Runs `plan` on `data`, whose headers `probe` read.
    pub fn execute(&self, plan: &Plan, data: &[u8], probe: &Probe) -> Result<Output, ExecError> {
        let run = || crate::execute::run(plan, data, probe, &self.settings.encode);
        match &self.pool {
            Some(pool) => pool.install(run),
            None => run(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_modes_round_trip_through_their_names() {
        for mode in [JpegMode::Fast, JpegMode::Compact] {
            assert_eq!(JpegMode::from_name(mode.name()), Some(mode));
        }
        assert_eq!(JpegMode::from_name("guetzli"), None);
    }

    #[test]
    fn an_executor_of_one_thread_runs_on_its_own_pool() {
        let one = Executor::new(Settings::default().with_threads(NonZeroUsize::new(1))).unwrap();
        assert_eq!(one.pool.as_ref().map(rayon::ThreadPool::current_num_threads), Some(1));
        assert!(Executor::new(Settings::default()).unwrap().pool.is_none());
    }
}
