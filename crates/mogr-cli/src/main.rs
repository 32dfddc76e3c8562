//! `mogr`: the command line of the mogr image engine.
//!
//! Contract (DESIGN.md): `mogr parse RULE` prints the canonical form and exits 0; an invalid
//! rule exits non-zero with `error <CI code> <name>: <message>` on stderr, the message naming
//! the byte offset and what was expected there. `mogr plan INPUT RULE` prints, from the
//! headers alone, what processing would produce, as JSON. `mogr process INPUT RULE -o OUTPUT`
//! (`-o -` for stdout) writes the result; `mogr info INPUT` prints `imageInfo`.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "mogr", version, about = "The Tencent Cloud Infinite image-processing language, as an engine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a rule and print it in canonical form.
    #[command(after_help = "Examples:
  mogr parse 'imageMogr2/thumbnail/!50p|watermark/2/text/5rC05Y2w'
  mogr parse 'imageMogr2/crop/300x400/gravity/center&q-sign-algorithm=sha1'
  mogr parse 'imageView2/1/w/400/h/600/q/85'
  mogr parse --pic-operations '{\"is_pic_info\":1,\"rules\":[{\"fileid\":\"a.jpg\",\"rule\":\"imageInfo\"}]}'")]
    Parse {
        /// The rule, as it follows `?` in a URL (it may be percent-encoded and carry other
        /// query parameters).
        rule: String,
        /// Read RULE as a `Pic-Operations` JSON header instead.
        #[arg(long)]
        pic_operations: bool,
    },
    /// Print, from the image's headers alone, what a rule would produce (JSON).
    #[command(after_help = "The JSON has the output's width, height, format, frames and quality at the top,
then the input plan (shrink-on-load, frames decoded), the resolved steps of each stage and the
predicted peak memory in bytes.

Examples:
  mogr plan photo.jpg 'imageMogr2/thumbnail/720x/quality/80'
  mogr plan anim.gif 'imageMogr2/format/webp/cgif/10'
  mogr plan photo.jpg 'imageView2/1/w/400/h/600'")]
    Plan {
        /// The image file.
        input: std::path::PathBuf,
        /// The rule, as it follows `?` in a URL.
        rule: String,
        #[command(flatten)]
        budget: Budget,
    },
    /// Process an image with a rule and write the result (an image, or JSON for reports).
    #[command(after_help = "Examples:
  mogr process photo.jpg 'imageMogr2/thumbnail/720x/format/webp' -o thumb.webp
  mogr process anim.gif 'imageMogr2/thumbnail/200x/format/webp' -o anim.webp
  mogr process photo.jpg 'imageMogr2/auto-orient/crop/400x400/gravity/center|imageInfo' -o -
  mogr process photo.jpg 'imageMogr2/quality/80' --jpeg compact --threads 1 -o small.jpg
  mogr process photo.jpg 'watermark/2/text/5rC05Y2w/fontsize/40/fill/I0ZGRkZGRg/gravity/south/dy/20' -o marked.jpg
  mogr process photo.jpg \"watermark/1/image/$(printf 'http://b-125.cos.ap-shanghai.myqcloud.com/logo.png' | base64 -w0 | tr '+/' '-_' | tr -d '=')\" -o marked.jpg

An image watermark's URL names an object of the input's bucket: the path after the host is a
key under the input's folder (or under --bucket-root). Nothing is fetched from the network, and
keys that leave the bucket (`..`, absolute paths, links outside) are refused.")]
    Process {
        /// The image file.
        input: std::path::PathBuf,
        /// The rule, as it follows `?` in a URL.
        rule: String,
        /// Where to write the result; `-` for standard output.
        #[arg(short, long)]
        output: std::path::PathBuf,
        /// The folder that holds the input's bucket, where watermark image keys are found
        /// (default: the input's folder).
        #[arg(long, value_name = "DIR")]
        bucket_root: Option<std::path::PathBuf>,
        #[command(flatten)]
        budget: Budget,
        #[command(flatten)]
        run: RunOptions,
    },
    /// Print an image's basic information (the same as `process INPUT imageInfo -o -`).
    Info {
        /// The image file.
        input: std::path::PathBuf,
    },
}

/// The memory budget of a request.
#[derive(clap::Args)]
struct Budget {
    /// The most memory a request may be predicted to need, in MiB (default 4096); a rule that
    /// needs more is refused (-447) before anything is decoded. 0 lifts the budget.
    #[arg(long, value_name = "MIB")]
    max_memory: Option<u64>,
}

impl Budget {
    /// The spec's limits with this budget.
    fn limits(&self) -> mogr::plan::Limits {
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
struct RunOptions {
    /// Worker threads (default: one per core). The output bytes are the same for any count.
    #[arg(long, value_name = "N")]
    threads: Option<std::num::NonZeroUsize>,
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
    /// The executor these options describe.
    fn executor(&self) -> Result<mogr::exec::Executor, mogr::Error> {
        let settings = mogr::exec::Settings::default()
            .with_threads(self.threads)
            .with_jpeg(self.jpeg)
            .with_scrop_fallback(self.scrop_fallback);
        let executor = mogr::exec::Executor::new(settings)?;
        Ok(match &self.blind_watermark_key {
            Some(key) if !key.is_empty() => executor.with_blind_key(key.as_bytes()),
            _ => executor,
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Parse { rule, pic_operations } => parse(&rule, pic_operations),
        Command::Plan { input, rule, budget } => plan(&input, &rule, &budget.limits()),
        Command::Process { input, rule, output, bucket_root, budget, run } => {
            let request = Request { bucket: bucket_root.unwrap_or_else(|| folder_of(&input)), limits: budget.limits() };
            process(&input, &rule, &output, &request, &run)
        }
        Command::Info { input } => {
            let run = RunOptions {
                threads: None,
                jpeg: mogr::exec::JpegMode::Fast,
                scrop_fallback: mogr::exec::ScropFallback::Input,
                blind_watermark_key: None,
            };
            let request = Request { bucket: folder_of(&input), limits: mogr::plan::Limits::DEFAULT };
            process(&input, "imageInfo", std::path::Path::new("-"), &request, &run)
        }
    }
}

/// The folder a file is in (`.` for a bare file name).
fn folder_of(file: &std::path::Path) -> std::path::PathBuf {
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    }
}

/// What one request may draw on: the bucket folder of watermark images, and its limits.
struct Request {
    bucket: std::path::PathBuf,
    limits: mogr::plan::Limits,
}

fn process(
    input: &std::path::Path,
    rule: &str,
    output: &std::path::Path,
    request: &Request,
    run: &RunOptions,
) -> ExitCode {
    let Some(image) = read_input(input) else {
        return ExitCode::FAILURE;
    };
    let executor = match run.executor() {
        Ok(executor) => executor,
        Err(error) => return fail(&error, rule),
    };
    let objects = mogr::exec::FolderObjects::new(&request.bucket);
    let context = mogr::exec::Context { objects: &objects, limits: &request.limits };
    let response = match mogr::process_in(&image, rule, &executor, context) {
        Ok(response) => response,
        Err(error) => return fail(&error, rule),
    };
    let written = if output == std::path::Path::new("-") {
        std::io::Write::write_all(&mut std::io::stdout().lock(), &response.body)
    } else {
        std::fs::write(output, &response.body)
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", output.display());
            ExitCode::FAILURE
        }
    }
}

/// The input file's bytes, or `None` after saying why not.
fn read_input(input: &std::path::Path) -> Option<Vec<u8>> {
    match std::fs::read(input) {
        Ok(image) => Some(image),
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", input.display());
            None
        }
    }
}

fn plan(input: &std::path::Path, rule: &str, limits: &mogr::plan::Limits) -> ExitCode {
    let Some(image) = read_input(input) else {
        return ExitCode::FAILURE;
    };
    match mogr::plan(&image, rule, limits) {
        Ok(plan) => {
            println!("{}", plan_json(&plan));
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error, rule),
    }
}

/// The plan as JSON, the output's shape first.
fn plan_json(plan: &mogr::plan::Plan) -> serde_json::Value {
    let output = plan.output();
    serde_json::json!({
        "width": output.width,
        "height": output.height,
        "format": output.format,
        "frames": output.frames,
        "quality": output.quality,
        "lossless": output.lossless,
        "report": output.report,
        "shrink_on_load": plan.input.shrink_on_load,
        "peak_bytes": plan.peak_bytes,
        "ignored_error": plan.ignored_error.as_ref().map(ToString::to_string),
        "input": plan.input,
        "stages": plan.stages,
    })
}

fn parse(rule: &str, pic_operations: bool) -> ExitCode {
    let canonical = if pic_operations {
        mogr::parse_pic_operations(rule).map(|p| p.to_string())
    } else {
        mogr::parse(rule).map(|p| p.to_string())
    };
    match canonical {
        Ok(canonical) => {
            println!("{canonical}");
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error, rule),
    }
}

/// Reports an error on stderr (with a caret under the rule when it is at fault).
fn fail(error: &mogr::Error, rule: &str) -> ExitCode {
    eprintln!("error {error}");
    if let Some(offset) = error.rule_offset() {
        eprint!("{}", caret(rule, offset));
    }
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(1))
}

/// The longest rule shown with a caret under the error.
const MAX_CARET_LINE_CHARS: usize = 120;

/// The rule with a `^` under the byte at `offset`, when the rule fits on one line.
fn caret(rule: &str, offset: usize) -> String {
    if rule.chars().count() > MAX_CARET_LINE_CHARS || rule.contains(['\n', '\r']) {
        return String::new();
    }
    let column = rule.get(..offset).map_or(0, |before| before.chars().count());
    format!("  {rule}\n  {}^\n", " ".repeat(column))
}
