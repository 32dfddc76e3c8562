//! A batch converter on the library: every image of a folder (not recursive) processed with
//! one rule, in parallel, into another folder. The `mogr batch` command does this properly
//! (recursion, progress, summaries); this example shows the few calls it takes.
//!
//! ```sh
//! cargo run --release -p mogr --example batch_convert -- ../shared/testimages/exif-orientation /tmp/out 'imageMogr2/auto-orient/thumbnail/400x/format/webp'
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, rule] = args.as_slice() else {
        eprintln!("usage: batch_convert INPUT_DIR OUTPUT_DIR RULE");
        return ExitCode::from(2);
    };
    // Check the rule once, before touching any file.
    if let Err(error) = mogr::parse(rule) {
        eprintln!("invalid rule: {error}");
        return ExitCode::from(2);
    }
    let files = match images_in(Path::new(input)) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("cannot read {input}: {error}");
            return ExitCode::from(2);
        }
    };
    if let Err(error) = std::fs::create_dir_all(output) {
        eprintln!("cannot create {output}: {error}");
        return ExitCode::FAILURE;
    }
    // One engine for all files; one image per thread, each single-threaded inside.
    let engine = match mogr::Engine::builder().threads(1).build() {
        Ok(engine) => engine,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let failed = AtomicUsize::new(0);
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(file) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if let Err(message) = convert(&engine, file, Path::new(output), rule) {
                        eprintln!("failed {}: {message}", file.display());
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let failed = failed.into_inner();
    println!("{} converted, {failed} failed", files.len() - failed);
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The regular files of `folder`, sorted.
fn images_in(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Converts one file into `output`, named after it with the result's extension.
fn convert(engine: &mogr::Engine, file: &Path, output: &Path, rule: &str) -> Result<(), String> {
    let image = std::fs::read(file).map_err(|e| e.to_string())?;
    let response = engine.process(&image, rule).map_err(|e| e.to_string())?;
    let stem = file.file_stem().unwrap_or(file.as_os_str());
    let target = output.join(stem).with_extension(response.extension());
    // Never overwrite: an existing file (an earlier run's, or an input) is a failure.
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
        .and_then(|mut file| std::io::Write::write_all(&mut file, &response.body));
    written.map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    println!(
        "{} -> {} ({}x{}, {} bytes)",
        file.display(),
        target.display(),
        response.width,
        response.height,
        response.len()
    );
    Ok(())
}
