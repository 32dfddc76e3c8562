//! The options the image commands share: the memory budget (`--max-memory`) and how
//! processing runs (`--threads`, `--jpeg`, `--scrop-fallback`, `--blind-watermark-key`).

use std::num::NonZeroUsize;

/// The memory budget of a request.
#[derive(clap::Args)]
pub struct Budget {
    /// The most memory a request may be predicted to need, in MiB (default 4096); a rule that
    /// needs more is refused (-447) before anything is decoded. 0 lifts the budget.
    #[arg(long, value_name = "MIB")]
    max_memory: Option<u64>,
}

impl Budget {
    /// The spec's limits with this budget.
    pub fn limits(&self) -> mogr::plan::Limits {
        let max_peak_bytes = match self.max_memory {
            None => mogr::plan::Limits::DEFAULT.max_peak_bytes,
            Some(0) => None,
            Some(mib) => Some(mib.saturating_mul(1 << 20)),
        };
        mogr::plan::Limits { max_peak_bytes, ..mogr::plan::Limits::DEFAULT }
    }
}

/// How processing runs; the output's size and format do not depend on these.
#[derive(clap::Args)]
pub struct RunOptions {
    /// Worker threads (default: one per core). The output bytes are the same for any count.
    #[arg(long, value_name = "N")]
    pub threads: Option<NonZeroUsize>,
    /// JPEG compression: `fast` (libjpeg-turbo) or `compact` (trellis quantisation: smaller
    /// files at the same quality, slower; CI's "Guetzli" setting).
    #[arg(long, value_name = "MODE", default_value = "fast", value_parser = jpeg_mode)]
    jpeg: mogr::exec::JpegMode,
    /// When `scrop` finds no face: `input` (answer with the input unchanged, as CI does) or
    /// `saliency` (crop the window with the most detail instead).
    #[arg(long, value_name = "WHAT", default_value = "input", value_parser = scrop_fallback)]
    scrop_fallback: mogr::exec::ScropFallback,
    /// The secret key blind watermarks (`watermark/3`, `watermark/4`) are added and extracted
    /// with: a mark reads back only with its key (default: mogr's public key).
    #[arg(long, value_name = "KEY")]
    blind_watermark_key: Option<String>,
}

impl Default for RunOptions {
    /// All threads, fast JPEG, the input when `scrop` finds no face, the public blind key.
    fn default() -> Self {
        RunOptions {
            threads: None,
            jpeg: mogr::exec::JpegMode::Fast,
            scrop_fallback: mogr::exec::ScropFallback::Input,
            blind_watermark_key: None,
        }
    }
}

/// Parses a `--scrop-fallback` value.
fn scrop_fallback(name: &str) -> Result<mogr::exec::ScropFallback, String> {
    match name {
        "input" => Ok(mogr::exec::ScropFallback::Input),
        "saliency" => Ok(mogr::exec::ScropFallback::Saliency),
        _ => Err(format!("`{name}`: expected `input` or `saliency`")),
    }
}

/// Parses a `--jpeg` value.
fn jpeg_mode(name: &str) -> Result<mogr::exec::JpegMode, String> {
    mogr::exec::JpegMode::from_name(name).ok_or_else(|| format!("`{name}`: expected `fast` or `compact`"))
}

impl RunOptions {
    /// The engine these options describe, with `threads` worker threads instead.
    pub fn engine_with_threads(
        &self,
        limits: mogr::plan::Limits,
        threads: Option<NonZeroUsize>,
    ) -> Result<mogr::Engine, mogr::Error> {
        self.builder(limits, threads).build()
    }

    /// The engine builder these options describe, with `threads` worker threads.
    pub fn builder(&self, limits: mogr::plan::Limits, threads: Option<NonZeroUsize>) -> mogr::EngineBuilder {
        let mut engine = mogr::Engine::builder()
            .limits(limits)
            .threads(threads.map_or(0, NonZeroUsize::get))
            .jpeg_mode(self.jpeg)
            .scrop_fallback(self.scrop_fallback);
        if let Some(key) = self.blind_watermark_key.as_ref().filter(|key| !key.is_empty()) {
            engine = engine.blind_watermark_key(key.as_bytes());
        }
        engine
    }
}
