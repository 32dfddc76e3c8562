//! The size `imageMogr2/format/svgc` saves on every SVG of a folder, as a Markdown table (the
//! README's table comes from this).
//!
//! ```sh
//! cargo run --release -p mogr --example svgc_savings -- ../shared/testimages/svg
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let folder = std::env::args().nth(1).map_or_else(|| PathBuf::from("../shared/testimages/svg"), PathBuf::from);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        eprintln!("cannot read the folder {}", folder.display());
        return ExitCode::FAILURE;
    };
    let mut files: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "svg")).collect();
    files.sort();
    println!("| file | bytes | svgc bytes | saved |");
    println!("| --- | ---: | ---: | ---: |");
    let (mut total_in, mut total_out) = (0usize, 0usize);
    for path in files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Ok(input) = std::fs::read(&path) else { continue };
        match mogr::process(&input, "imageMogr2/format/svgc", &mogr::plan::Limits::default()) {
            Ok(response) => {
                total_in += input.len();
                total_out += response.body.len();
                println!(
                    "| {name} | {} | {} | {} |",
                    input.len(),
                    response.body.len(),
                    saved(input.len(), response.body.len())
                );
            }
            Err(e) => println!("| {name} | {} | error: {e} | |", input.len()),
        }
    }
    println!("| **all** | {total_in} | {total_out} | {} |", saved(total_in, total_out));
    ExitCode::SUCCESS
}

fn saved(before: usize, after: usize) -> String {
    if before == 0 {
        return "0 %".to_owned();
    }
    format!("{:.1} %", 100.0 * (before as f64 - after as f64) / before as f64)
}
