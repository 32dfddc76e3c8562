//! `mogr batch RULE --out DIR INPUTS...`: folders walked and mirrored, extensions following
//! the output, non-images skipped, failures reported, nothing overwritten without
//! `--overwrite`, the same bytes for any `--jobs`, and the exit statuses 0, 1 and 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{TempDir, corpus, files_under, mogr, shape, testdata, text};
use mogr::plan::ImageFormat;

/// Runs `mogr batch RULE --out OUT INPUTS... EXTRA...`.
fn batch(rule: &str, out: &Path, inputs: &[&Path], extra: &[&str]) -> std::process::Output {
    let mut args: Vec<std::ffi::OsString> = vec!["batch".into(), rule.into(), "--out".into(), out.into()];
    args.extend(inputs.iter().map(|input| input.as_os_str().to_owned()));
    args.extend(extra.iter().map(Into::into));
    mogr(&args)
}

/// The photo (stored 1200x1800), the animation (80x80, 30 frames) and a 32x32 PNG.
fn photo() -> std::path::PathBuf {
    testdata("landscape_orient6.jpg")
}
fn animation() -> std::path::PathBuf {
    testdata("rotating-squares.gif")
}
fn small_png() -> std::path::PathBuf {
    corpus("png/pngsuite/basn2c08.png")
}

#[test]
fn folders_are_walked_recursively_and_mirrored_under_the_output() {
    let tmp = TempDir::new("walk");
    tmp.copy(&photo(), "in/photos/a.jpg");
    tmp.copy(&animation(), "in/photos/sub/deeper/b.gif");
    tmp.write("in/photos/notes.txt", b"not an image");
    tmp.copy(&photo(), "in/photos/.hidden.jpg");
    tmp.copy(&photo(), "in/photos/.cache/c.jpg");
    let out = tmp.join("out");
    let run = batch("imageMogr2/thumbnail/60x", &out, &[&tmp.join("in/photos")], &["--jobs", "2"]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert_eq!(files_under(&out), ["photos/a.jpg", "photos/sub/deeper/b.gif"]);
    assert_eq!(shape(&out.join("photos/a.jpg")), (60, 90, ImageFormat::Jpeg, 1));
    assert_eq!(shape(&out.join("photos/sub/deeper/b.gif")), (60, 60, ImageFormat::Gif, 30));
    let notes = tmp.join("in/photos/notes.txt");
    assert!(stderr.contains(&format!("skipped {}: not an image mogr reads\n", notes.display())), "{stderr}");
    assert!(!stderr.contains("hidden") && !stderr.contains(".cache"), "{stderr}");
    assert!(stderr.ends_with("2 done, 1 skipped, 0 failed\n"), "{stderr}");
    assert_eq!(text(&run.stdout), "");
}

#[test]
fn plain_lines_name_input_output_size_and_format() {
    let tmp = TempDir::new("lines");
    let input = tmp.copy(&animation(), "in/anim.gif");
    let out = tmp.join("out");
    let run = batch("imageMogr2/thumbnail/40x", &out, &[&input], &[]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    let output = out.join("anim.gif");
    let size = std::fs::metadata(&output).unwrap().len().div_ceil(1024);
    let expected = format!(
        "done {} -> {} (40x40 gif, 30 frames, {size} KiB)\n1 done, 0 skipped, 0 failed\n",
        input.display(),
        output.display()
    );
    assert_eq!(stderr, expected);
}

#[test]
fn quiet_prints_the_summary_and_the_failures_only() {
    let tmp = TempDir::new("quiet");
    tmp.copy(&photo(), "in/a.jpg");
    let bad = tmp.copy(&corpus("hostile/png/truncated.png"), "in/bad.png");
    let run = batch("imageMogr2/thumbnail/50x", &tmp.join("out"), &[&tmp.join("in")], &["--quiet"]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    let mut lines = stderr.lines();
    assert_eq!(lines.next(), Some("1 done, 0 skipped, 1 failed"));
    assert_eq!(lines.next(), Some("failures:"));
    assert!(
        lines.next().unwrap().starts_with(&format!("  {}: error -62999 InvalidImage: ", bad.display())),
        "{stderr}"
    );
    assert_eq!(lines.next(), None);
}

#[test]
fn a_corrupt_image_fails_with_its_reason_and_the_batch_exits_1() {
    let tmp = TempDir::new("corrupt");
    tmp.copy(&photo(), "in/a.jpg");
    let bad = tmp.copy(&corpus("hostile/png/truncated.png"), "in/b.png");
    tmp.copy(&small_png(), "in/c.png");
    let out = tmp.join("out");
    let run = batch("imageMogr2/thumbnail/30x/format/png", &out, &[&tmp.join("in")], &["--jobs", "1"]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert_eq!(files_under(&out), ["in/a.png", "in/c.png"]);
    let reason_at = stderr.find(&format!("failed {}: error -62999 InvalidImage: ", bad.display())).expect(&stderr);
    let summary_at = stderr.find("2 done, 0 skipped, 1 failed\nfailures:\n").expect(&stderr);
    assert!(reason_at < summary_at, "{stderr}");
    let listed = &stderr[summary_at..];
    assert!(listed.contains(&format!("\n  {}: error -62999 InvalidImage: ", bad.display())), "{stderr}");
}

#[test]
fn extensions_follow_the_output_format_and_reports_are_json() {
    let tmp = TempDir::new("ext");
    let jpg = tmp.copy(&photo(), "in/a.jpg");
    let gif = tmp.copy(&animation(), "in/b.gif");
    let out = tmp.join("out");
    let run = batch("imageMogr2/thumbnail/40x/format/webp", &out, &[&jpg, &gif], &[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(files_under(&out), ["a.webp", "b.webp"]);
    let (width, height, format, _) = shape(&out.join("b.webp"));
    assert_eq!((width, height, format), (40, 40, ImageFormat::Webp));

    let reports = tmp.join("reports");
    let run = batch("imageMogr2/thumbnail/40x|imageInfo", &reports, &[&jpg, &gif], &[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(files_under(&reports), ["a.json", "b.json"]);
    let info: serde_json::Value = serde_json::from_slice(&std::fs::read(reports.join("a.json")).unwrap()).unwrap();
    assert_eq!(
        (info["format"].as_str(), info["width"].as_str(), info["height"].as_str()),
        (Some("jpg"), Some("40"), Some("60"))
    );
    assert!(text(&run.stderr).contains(" -> ") && text(&run.stderr).contains("(json, "), "{}", text(&run.stderr));
}

#[test]
fn inputs_differing_only_by_extension_keep_it_and_do_not_meet() {
    let tmp = TempDir::new("stems");
    tmp.copy(&photo(), "in/a.jpg");
    tmp.copy(&small_png(), "in/a.png");
    tmp.copy(&animation(), "in/b.gif");
    let out = tmp.join("out");
    let run = batch("imageMogr2/thumbnail/20x/format/webp", &out, &[&tmp.join("in")], &[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(files_under(&out), ["in/a.jpg.webp", "in/a.png.webp", "in/b.webp"]);
    assert_eq!(shape(&out.join("in/a.jpg.webp")).0, 20);
    assert_eq!(shape(&out.join("in/a.png.webp")).1, 20);
}

#[test]
fn two_inputs_with_one_output_path_do_not_overwrite_each_other() {
    let tmp = TempDir::new("same");
    let first = tmp.copy(&photo(), "x/a.jpg");
    let second = tmp.copy(&small_png(), "y/a.jpg");
    let out = tmp.join("out");
    let run = batch("imageMogr2/thumbnail/10x", &out, &[&first, &second], &[]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert_eq!(files_under(&out), ["a.jpg"]);
    assert_eq!(shape(&out.join("a.jpg")), (10, 15, ImageFormat::Jpeg, 1), "the first input's output");
    let line = format!("failed {}: its output would be the same file as that of {}", second.display(), first.display());
    assert!(stderr.contains(&line), "{stderr}");
    assert!(stderr.contains("1 done, 0 skipped, 1 failed"), "{stderr}");
}

#[test]
fn existing_outputs_are_kept_unless_overwrite() {
    let tmp = TempDir::new("keep");
    let input = tmp.copy(&photo(), "in/a.jpg");
    let old = tmp.write("out/a.webp", b"the user's file");
    let out = tmp.join("out");
    let rule = "imageMogr2/thumbnail/30x/format/webp";
    let run = batch(rule, &out, &[&input], &[]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert_eq!(std::fs::read(&old).unwrap(), b"the user's file");
    let line = format!("skipped {}: {} exists (--overwrite replaces it)\n", input.display(), old.display());
    assert!(stderr.starts_with(&line), "{stderr}");
    assert!(stderr.ends_with("0 done, 1 skipped, 0 failed\n"), "{stderr}");
    assert_eq!(files_under(&out), ["a.webp"], "no temporary file is left behind");

    let run = batch(rule, &out, &[&input], &["--overwrite"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(shape(&old), (30, 45, ImageFormat::Webp, 1));
    assert_eq!(files_under(&out), ["a.webp"]);
}

#[test]
fn an_input_is_never_written_over_even_with_overwrite() {
    let tmp = TempDir::new("input");
    let input = tmp.copy(&photo(), "out/a.jpg");
    let before = std::fs::read(&input).unwrap();
    let run = batch("imageMogr2/thumbnail/30x", &tmp.join("out"), &[&input], &["--overwrite"]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is an input: inputs are never written over"), "{stderr}");
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn any_job_count_writes_the_same_bytes() {
    let tmp = TempDir::new("jobs");
    tmp.copy(&photo(), "in/a.jpg");
    tmp.copy(&animation(), "in/b.gif");
    tmp.copy(&small_png(), "in/sub/c.png");
    tmp.copy(&photo(), "in/sub/d.jpg");
    let rule = "imageMogr2/auto-orient/thumbnail/64x/rotate/30/format/webp";
    let (one, four) = (tmp.join("one"), tmp.join("four"));
    for (out, jobs) in [(&one, "1"), (&four, "4")] {
        let run = batch(rule, out, &[&tmp.join("in")], &["--jobs", jobs]);
        assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    }
    let files = files_under(&one);
    assert_eq!(files, ["in/a.webp", "in/b.webp", "in/sub/c.webp", "in/sub/d.webp"]);
    assert_eq!(files_under(&four), files);
    for file in &files {
        assert!(std::fs::read(one.join(file)).unwrap() == std::fs::read(four.join(file)).unwrap(), "{file} differs");
    }
}

#[test]
fn an_output_folder_inside_the_input_folder_is_not_walked() {
    let tmp = TempDir::new("inside");
    tmp.copy(&photo(), "photos/a.jpg");
    let photos = tmp.join("photos");
    let out = photos.join("thumbs");
    let rule = "imageMogr2/thumbnail/20x";
    for _ in 0..2 {
        let run = batch(rule, &out, &[&photos], &["--overwrite"]);
        let stderr = text(&run.stderr);
        assert_eq!(run.status.code(), Some(0), "{stderr}");
        assert!(stderr.ends_with("1 done, 0 skipped, 0 failed\n"), "{stderr}");
    }
    assert_eq!(files_under(&photos), ["a.jpg", "thumbs/photos/a.jpg"]);
}

#[cfg(unix)]
#[test]
fn links_to_folders_are_not_followed() {
    let tmp = TempDir::new("links");
    tmp.copy(&small_png(), "in/a.png");
    std::os::unix::fs::symlink(tmp.join("in"), tmp.join("in/loop")).unwrap();
    let out = tmp.join("out");
    let run = batch("imageMogr2/thumbnail/8x", &out, &[&tmp.join("in")], &[]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert_eq!(files_under(&out), ["in/a.png"]);
    let line =
        format!("skipped {}: a link to a folder (links to folders are not followed)", tmp.join("in/loop").display());
    assert!(stderr.contains(&line), "{stderr}");
}

#[test]
fn watermark_images_come_from_each_files_folder_or_the_bucket_root() {
    let tmp = TempDir::new("bucket");
    let input = tmp.copy(&animation(), "in/b.gif");
    let url = mogr::syntax::encode_base64(
        b"http://examplebucket-1250000000.cos.ap-shanghai.myqcloud.com/landscape_orient6.jpg",
    );
    let rule = format!("watermark/1/image/{url}/scatype/1/spcent/50");
    let run = batch(&rule, &tmp.join("own"), &[&input], &[]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("failed {}: error -60987 ImageNotRetrieved: ", input.display())), "{stderr}");

    let root = testdata("");
    let run = batch(&rule, &tmp.join("root"), &[&input], &["--bucket-root", root.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(shape(&tmp.join("root/b.gif")), (80, 80, ImageFormat::Gif, 30));
    assert_ne!(std::fs::read(tmp.join("root/b.gif")).unwrap(), std::fs::read(&input).unwrap());
}

#[test]
fn an_invalid_rule_exits_2_before_touching_any_file() {
    let tmp = TempDir::new("rule");
    let input = tmp.copy(&photo(), "in/a.jpg");
    let out = tmp.join("out");
    let run = batch("imageMogr2/blur/80x5", &out, &[&input], &[]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = text(&run.stderr);
    assert!(stderr.starts_with("error -60998 InvalidParameter: at byte 16: "), "{stderr}");
    assert!(stderr.contains("  imageMogr2/blur/80x5\n                  ^\n"), "{stderr}");
    assert!(!out.exists(), "the output folder was created");
}

#[test]
fn unreadable_inputs_and_empty_folders_are_usage_errors() {
    let tmp = TempDir::new("usage");
    let out = tmp.join("out");
    let missing = tmp.join("missing.jpg");
    let run = batch("imageMogr2/thumbnail/10x", &out, &[&tmp.copy(&photo(), "a.jpg"), &missing], &[]);
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        text(&run.stderr),
        format!("error: cannot read {}: No such file or directory (os error 2)\n", missing.display())
    );

    std::fs::create_dir_all(tmp.join("empty/sub")).unwrap();
    tmp.write("empty/.hidden.jpg", b"");
    let run = batch("imageMogr2/thumbnail/10x", &out, &[&tmp.join("empty")], &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).starts_with("error: no files found in "), "{}", text(&run.stderr));
    assert!(!out.exists(), "the output folder was created");

    let run = mogr(&["batch", "imageMogr2/thumbnail/10x", "--out", out.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2), "INPUTS are required");
    let run = batch("imageMogr2/thumbnail/10x", &out, &[&tmp.join("a.jpg")], &["--jobs", "0"]);
    assert_eq!(run.status.code(), Some(2), "--jobs 0");
}

#[test]
fn an_output_folder_that_cannot_be_created_is_a_usage_error() {
    let tmp = TempDir::new("nofolder");
    let input = tmp.copy(&photo(), "a.jpg");
    let out = tmp.write("file", b"a file, not a folder").join("out");
    let run = batch("imageMogr2/thumbnail/10x", &out, &[&input], &[]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = text(&run.stderr);
    assert!(stderr.starts_with(&format!("error: cannot create the output folder {}: ", out.display())), "{stderr}");
}

#[test]
fn batch_help_has_examples_and_exit_statuses() {
    let run = mogr(&["batch", "--help"]);
    assert_eq!(run.status.code(), Some(0));
    let help = text(&run.stdout);
    for needle in [
        "Usage: mogr batch [OPTIONS] --out <DIR> <RULE> <INPUTS>...",
        "Examples:",
        "--jobs <N>",
        "--overwrite",
        "Exit status: 0 when every file",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}

#[test]
fn a_rerun_skips_existing_outputs_without_decoding_their_inputs() {
    let tmp = TempDir::new("rerun");
    // Its headers plan fine; decoding it fails.
    let bad = tmp.copy(&corpus("hostile/png/truncated.png"), "in/bad.png");
    let out = tmp.join("out");
    let run = batch("imageMogr2/thumbnail/10x", &out, &[&bad], &[]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    let old = tmp.write("out/bad.png", b"an earlier run's output");
    let run = batch("imageMogr2/thumbnail/10x", &out, &[&bad], &[]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.starts_with(&format!("skipped {}: {} exists", bad.display(), old.display())), "{stderr}");
    assert_eq!(std::fs::read(&old).unwrap(), b"an earlier run's output");
}

#[test]
fn files_over_the_size_limit_are_skipped_if_not_images_and_fail_if_images() {
    let tmp = TempDir::new("big");
    let over_limit = 33 << 20; // The input limit is 32 MB.
    let blob = tmp.write("in/video.bin", b"not an image");
    std::fs::File::options().write(true).open(&blob).unwrap().set_len(over_limit).unwrap();
    let png = tmp.copy(&small_png(), "in/padded.png");
    std::fs::File::options().write(true).open(&png).unwrap().set_len(over_limit).unwrap();
    let run = batch("imageMogr2/thumbnail/10x", &tmp.join("out"), &[&tmp.join("in")], &["--jobs", "1"]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("failed {}: error -60996 FileTooLarge: ", png.display())), "{stderr}");
    assert!(stderr.contains(&format!("skipped {}: not an image mogr reads\n", blob.display())), "{stderr}");
    assert!(!tmp.join("out").join("in").exists());
}

#[test]
fn compressed_svg_is_svg_and_image_inspect_answers_for_any_file() {
    let tmp = TempDir::new("svg");
    let svg = tmp.copy(&corpus("svg/check.svg"), "in/check.svg");
    let run = batch("imageMogr2/format/svgc", &tmp.join("svgc"), &[&svg], &[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(files_under(&tmp.join("svgc")), ["check.svg"]);
    assert!(std::fs::read(tmp.join("svgc/check.svg")).unwrap().starts_with(b"<svg"));

    let notes = tmp.write("in/notes.txt", b"plain text");
    let run = batch("ci-process=ImageInspect", &tmp.join("inspect"), &[&notes, &svg], &[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(files_under(&tmp.join("inspect")), ["check.json", "notes.json"]);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.join("inspect/notes.json")).unwrap()).unwrap();
    assert_eq!((report["picType"].as_str(), report["picSize"].as_u64()), (Some("UNKNOWN"), Some(10)));
}
