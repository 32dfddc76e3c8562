//! `mogr`: the command line of the mogr image engine.
//!
//! Contract (DESIGN.md): `mogr parse RULE` prints the canonical form and exits 0; an invalid
//! rule exits non-zero with `error <CI code> <name>: <message>` on stderr, the message naming
//! the byte offset and what was expected there. `mogr plan INPUT RULE` prints, from the
//! headers alone, what processing would produce, as JSON. `mogr process INPUT RULE -o OUTPUT`
//! (`-o -` for stdout) writes the result; `mogr info INPUT` prints `imageInfo`. `mogr batch
//! RULE --out DIR INPUTS...` runs one rule over files and folders.
//!
//! Exit status: 0 ok; 1 an image could not be processed (refused, undecodable, over a limit,
//! an internal error; for `batch`, any file failed); 2 a usage error (the rule or the
//! arguments are wrong, clap's own errors included).
//!
//! This file owns the command line's shape and help; [`single`] the one-image commands,
//! [`batch`] the many-file one, [`options`] the options they share, [`report`] how errors
//! are shown.

#![forbid(unsafe_code)]

mod batch;
mod options;
mod report;
mod single;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use options::{Budget, RunOptions};

/// The top-level help's closing part: exit statuses and the error format.
const EXIT_STATUS_HELP: &str = "Exit status:
  0  success (for `batch`: every file done or skipped)
  1  processing error: an image was refused, could not be decoded or went over a limit, the
     output could not be written, or mogr failed internally (for `batch`: any file failed)
  2  usage error: the rule or the arguments are wrong (an invalid rule, an unknown option, an
     input path that cannot be read, an output folder that cannot be created)

Errors are printed on stderr as `error <CI code> <name>: <message>`; when the rule is at fault
a caret marks the byte, e.g.
  error -60998 InvalidParameter: at byte 16: expected blur radius: an integer from 1 to 50, found \"80\"
    imageMogr2/blur/80x5
                    ^

`mogr help <COMMAND>` or `mogr <COMMAND> --help` shows each command's options and examples.";

#[derive(Parser)]
#[command(
    name = "mogr",
    version,
    about = "The Tencent Cloud Infinite image-processing language, as an engine",
    after_help = EXIT_STATUS_HELP
)]
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
  mogr parse --pic-operations '{\"is_pic_info\":1,\"rules\":[{\"fileid\":\"a.jpg\",\"rule\":\"imageInfo\"}]}'

Exit status: 0 for a valid rule, 2 for an invalid one (the error names the byte offset and
what was expected there, with a caret under it).")]
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
  mogr plan photo.jpg 'imageView2/1/w/400/h/600'

Exit status: 0 with the plan; 1 when the image is refused (-447 over a limit, -442 output too
large, -443 unsupported format, ...); 2 for an invalid rule or an unreadable INPUT path.")]
    Plan {
        /// The image file.
        input: PathBuf,
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
keys that leave the bucket (`..`, absolute paths, links outside) are refused.

Exit status: 0 with the output written; 1 when the image is refused or the output cannot be
written; 2 for an invalid rule (checked before INPUT is read) or an unreadable INPUT path.")]
    Process {
        /// The image file.
        input: PathBuf,
        /// The rule, as it follows `?` in a URL.
        rule: String,
        /// Where to write the result; `-` for standard output.
        #[arg(short, long)]
        output: PathBuf,
        /// The folder that holds the input's bucket, where watermark image keys are found
        /// (default: the input's folder).
        #[arg(long, value_name = "DIR")]
        bucket_root: Option<PathBuf>,
        /// With a semi-blind extraction (`watermark/4/type/1/image/<original>`): also write
        /// the recovered mark, a PNG of its 12x12 grid (16 px a cell), to FILE. Nothing is
        /// written when no mark was found (WatermarkStatus under 60).
        #[arg(long, value_name = "FILE")]
        recovered_mark: Option<PathBuf>,
        #[command(flatten)]
        budget: Budget,
        #[command(flatten)]
        run: RunOptions,
    },
    /// Print an image's basic information (the same as `process INPUT imageInfo -o -`).
    #[command(after_help = "Example:
  mogr info photo.jpg
  {\"format\":\"jpg\",\"width\":\"1200\",\"height\":\"1800\",\"size\":\"352727\",\"md5\":\"f687c231dab880c9fe98e2b1e06dce61\",\"frame_count\":\"1\"}

Exit status: 0 with the JSON; 1 when the file is not an image mogr reads; 2 for an unreadable
INPUT path.")]
    Info {
        /// The image file.
        input: PathBuf,
    },
    /// Process many files with one rule: files and folders in, a mirrored folder tree out.
    #[command(after_help = BATCH_HELP)]
    Batch(batch::BatchArgs),
}

/// `mogr batch --help`'s closing part: examples and behaviour.
const BATCH_HELP: &str = "Examples:
  mogr batch 'imageMogr2/auto-orient/thumbnail/720x/format/webp' --out thumbs photos/
  mogr batch 'imageMogr2/thumbnail/!50p' --out half --jobs 4 a.jpg b.png scans/
  mogr batch 'imageView2/1/w/400/h/600/q/85' --out grid --overwrite photos/
  mogr batch 'watermark/2/text/5rC05Y2w/fontsize/40/gravity/south/dy/20' --out marked photos/
  mogr batch 'imageInfo' --out info photos/          (one .json report per image)

Outputs: a file named on the command line keeps its name; a folder's files keep their path
from the folder's parent: `photos/2024/a.jpg` becomes `DIR/photos/2024/a.webp`. The extension
follows the output: jpg, png, gif, webp, bmp, avif, heif, heic, svg, or json for reports.
Inputs of one folder that differ only by extension keep it (`a.jpg.webp`, `a.png.webp`);
two inputs with the same output path (the same name given twice) fail rather than overwrite.

Safety: existing outputs are kept (the file is skipped, not even decoded when its plan names
that output, so a batch run again resumes) unless --overwrite; an input is never written
over; each output is written to a hidden temporary file and moved into place. Hidden files
and folders (`.name`) are not walked, links to folders are not followed, and DIR is not
walked when it lies inside an input folder.

Per file: `done IN -> OUT (1200x800 webp, 84 KiB)`; `skipped IN: reason` (not an image mogr
reads, the output exists, a link to a folder); `failed IN: error <CI code> <name>: <message>`.
On a terminal a progress bar replaces the `done` lines. At the end: `N done, M skipped, K
failed` and each failure with its reason. All of it goes to stderr.

Parallelism: --jobs files at once (default: one per core). With more than one job each job
runs with --threads threads (default 1, so jobs x threads stays at the core count); with one
job, --threads defaults to all cores. The output bytes are the same for any --jobs and
--threads. Memory: --max-memory is per image, so a batch may use up to jobs x that.

Watermark images: their keys are looked up under --bucket-root, by default under each input
file's own folder, as `process` does.

Exit status: 0 when every file is done or skipped; 1 when any file failed; 2 when the rule is
invalid (checked before any file is touched), an input path cannot be read, the inputs hold
no file, or DIR cannot be created.";

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Parse { rule, pic_operations } => single::parse(&rule, pic_operations),
        Command::Plan { input, rule, budget } => single::plan(&input, &rule, &budget.limits()),
        Command::Process { input, rule, output, bucket_root, recovered_mark, budget, run } => {
            let bucket = bucket_root.unwrap_or_else(|| single::folder_of(&input));
            let request = single::Request { bucket, limits: budget.limits(), recovered_mark };
            single::process(&input, &rule, &output, &request, &run)
        }
        Command::Info { input } => single::info(&input),
        Command::Batch(args) => batch::run(&args),
    }
}
