//! The commands on one rule or one image: `parse`, `plan`, `process` and `info`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::options::RunOptions;
use crate::report::{fail, usage_error};

/// `mogr parse`: the canonical form of a rule (or a `Pic-Operations` header).
pub fn parse(rule: &str, pic_operations: bool) -> ExitCode {
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

/// `mogr plan`: what the rule would produce from this image, as JSON.
pub fn plan(input: &Path, rule: &str, limits: &mogr::plan::Limits) -> ExitCode {
    if let Err(error) = mogr::parse(rule) {
        return fail(&error, rule);
    }
    let image = match read_input(input) {
        Ok(image) => image,
        Err(code) => return code,
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

/// What one request may draw on: the bucket folder of watermark images, and its limits.
pub struct Request {
    /// The folder of the input's bucket.
    pub bucket: PathBuf,
    /// The spec's limits and the memory budget.
    pub limits: mogr::plan::Limits,
    /// Where to write the mark a semi-blind extraction recovers (`--recovered-mark`).
    pub recovered_mark: Option<PathBuf>,
}

/// `mogr process`: the response body, written to `output` (`-`: standard output).
pub fn process(input: &Path, rule: &str, output: &Path, request: &Request, run: &RunOptions) -> ExitCode {
    let pipeline = match mogr::parse(rule) {
        Err(error) => return fail(&error, rule),
        Ok(pipeline) if request.recovered_mark.is_some() && !extracts_semi_blind(&pipeline) => {
            eprintln!(
                "error: --recovered-mark needs a rule ending in a semi-blind extraction, watermark/4/type/1/image/<original>"
            );
            return ExitCode::from(2);
        }
        Ok(pipeline) => pipeline,
    };
    let image = match read_input(input) {
        Ok(image) => image,
        Err(code) => return code,
    };
    let builder = run.builder(request.limits, run.threads).recovered_marks(request.recovered_mark.is_some());
    let engine = match builder.build() {
        Ok(engine) => engine,
        Err(error) => return fail(&error, rule),
    };
    let objects = mogr::exec::FolderObjects::new(&request.bucket);
    let response = match engine.process_pipeline(&image, &pipeline, mogr::Bucket::new(&objects)) {
        Ok(response) => response,
        Err(error) => return fail(&error, rule),
    };
    let written = write_output(output, &response.body);
    match &request.recovered_mark {
        Some(file) if written == ExitCode::SUCCESS => write_recovered_mark(&response.body, file),
        _ => written,
    }
}

/// `--recovered-mark FILE`: the PNG of the report's `RecoveredMark`, written to `file`; when
/// nothing was recovered (status under 60) the file is not written and stderr says so.
fn write_recovered_mark(report: &[u8], file: &Path) -> ExitCode {
    use base64::Engine as _;
    let report: serde_json::Value = serde_json::from_slice(report).unwrap_or_default();
    let Some(encoded) = report.get("RecoveredMark").and_then(serde_json::Value::as_str) else {
        let status = report.get("WatermarkStatus").map_or_else(String::new, ToString::to_string);
        eprintln!("no mark recovered (WatermarkStatus {status}, under 60): {} not written", file.display());
        return ExitCode::SUCCESS;
    };
    let png = match base64::engine::general_purpose::STANDARD.decode(encoded) {
        Ok(png) => png,
        Err(e) => {
            eprintln!("error: the recovered mark is not valid base64: {e}");
            return ExitCode::FAILURE;
        }
    };
    write_output(file, &png)
}

/// Whether `rule` ends in a semi-blind extraction (`watermark/4/type/1`), the one report that
/// can carry a recovered mark.
pub fn extracts_semi_blind(pipeline: &mogr::Pipeline) -> bool {
    use mogr::syntax::ast::{BlindExtract, Stage, Watermark};
    matches!(pipeline.stages.last(), Some(Stage::Watermark(Watermark::Extract(BlindExtract::SemiBlind { .. }))))
}

/// `mogr info`: `imageInfo` of the input, on standard output.
pub fn info(input: &Path) -> ExitCode {
    let request = Request { bucket: folder_of(input), limits: mogr::plan::Limits::DEFAULT, recovered_mark: None };
    process(input, "imageInfo", Path::new("-"), &request, &RunOptions::default())
}

/// Writes `body` to `output`, or to standard output for `-`.
fn write_output(output: &Path, body: &[u8]) -> ExitCode {
    let written = if output == Path::new("-") {
        std::io::Write::write_all(&mut std::io::stdout().lock(), body)
    } else {
        std::fs::write(output, body)
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write {}: {e} (check that its folder exists and is writable)", output.display());
            ExitCode::FAILURE
        }
    }
}

/// The input file's bytes; when it cannot be read, the exit status (2: the path is wrong)
/// after saying why.
fn read_input(input: &Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(input).map_err(|e| usage_error(&format!("cannot read {}: {e}", input.display())))
}

/// The folder a file is in (`.` for a bare file name).
pub fn folder_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
