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

use mogr_plan::{Limits, Plan, Probe};
use mogr_text::FontLibrary;

use crate::face_crop::ScropFallback;
use crate::fonts::Fonts;
use crate::watermark::blind::DEFAULT_BLIND_KEY;

use crate::execute::Job;
use crate::objects::{NoObjects, ObjectResolver};
use crate::watermark::Sources;
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
    /// What `scrop` does when it finds no face (default: the input, as the spec says).
    pub scrop_fallback: ScropFallback,
    /// Whether `watermark/4/type/1` reports carry the recovered mark as a PNG
    /// (`"RecoveredMark"`, base64); off by default, as CI's reports have no such field.
    pub recovered_marks: bool,
}

impl Settings {
    /// The settings with semi-blind extraction reports carrying the recovered mark, or not.
    pub fn with_recovered_marks(mut self, recovered_marks: bool) -> Settings {
        self.recovered_marks = recovered_marks;
        self
    }

    /// The settings with `scrop`'s no-face `fallback`.
    pub fn with_scrop_fallback(mut self, fallback: ScropFallback) -> Settings {
        self.scrop_fallback = fallback;
        self
    }

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

/// What one request draws on beside its input bytes: the input's bucket (watermark images)
/// and the limits the images fetched from it are held to.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The input's bucket.
    pub objects: &'a dyn ObjectResolver,
    /// The limits of watermark images (bytes, sides, pixels), as for inputs.
    pub limits: &'a Limits,
}

impl Default for Context<'static> {
    /// No bucket (every watermark image fails to load), the default limits.
    fn default() -> Self {
        Context { objects: &NoObjects, limits: &Limits::DEFAULT }
    }
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("limits", self.limits).finish_non_exhaustive()
    }
}

/// Runs plans with fixed [`Settings`]; build once, share across threads.
pub struct Executor {
    settings: Settings,
    /// The pool of `settings.threads`, or `None` for the global pool.
    pool: Option<rayon::ThreadPool>,
    /// The fonts of text watermarks and SVG text.
    fonts: Fonts,
    /// The key of blind watermarks.
    blind_key: Vec<u8>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor").field("settings", &self.settings).finish_non_exhaustive()
    }
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
        let fonts = Fonts::new(Fonts::system().library().clone());
        Ok(Executor { settings, pool, fonts, blind_key: DEFAULT_BLIND_KEY.to_vec() })
    }

    /// The executor drawing text (watermarks, SVG text) with `fonts` instead of the system's.
    pub fn with_fonts(mut self, fonts: FontLibrary) -> Executor {
        self.fonts = Fonts::new(fonts);
        self
    }

    /// The executor adding and extracting blind watermarks (`watermark/3`, `/4`) with `key`
    /// instead of the default one: an installation reads back only the marks made with its key.
    pub fn with_blind_key(mut self, key: impl Into<Vec<u8>>) -> Executor {
        self.blind_key = key.into();
        self
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Runs `plan` on `data`, whose headers `probe` read, with the default [`Context`] (no
    /// bucket).
    pub fn execute(&self, plan: &Plan, data: &[u8], probe: &Probe) -> Result<Output, ExecError> {
        self.execute_in(plan, data, probe, Context::default())
    }

    /// Runs `plan` on `data`, whose headers `probe` read, drawing watermark images from
    /// `context`'s bucket.
    pub fn execute_in(
        &self,
        plan: &Plan,
        data: &[u8],
        probe: &Probe,
        context: Context<'_>,
    ) -> Result<Output, ExecError> {
        let sources = Sources {
            objects: context.objects,
            limits: context.limits,
            fonts: &self.fonts,
            blind_key: &self.blind_key,
            recovered_marks: self.settings.recovered_marks,
        };
        let job = Job { encode: &self.settings.encode, scrop_fallback: self.settings.scrop_fallback, sources };
        let run = || crate::execute::run(plan, data, probe, &job);
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
