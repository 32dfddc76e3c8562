//! `mogr`: the command line of the mogr image engine.
//!
//! Contract (DESIGN.md): `mogr parse RULE` prints the canonical form and exits 0; an invalid
//! rule exits non-zero with `error <CI code> <name>: <message>` on stderr, the message naming
//! the byte offset and what was expected there. Processing subcommands follow with the later
//! stages of the engine.

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Parse { rule, pic_operations } => parse(&rule, pic_operations),
    }
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
        Err(error) => {
            eprintln!("error {error}");
            if let Some(offset) = error.rule_offset() {
                eprint!("{}", caret(rule, offset));
            }
            ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(1))
        }
    }
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
