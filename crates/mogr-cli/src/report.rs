//! How errors reach the user: `error <CI code> <name>: <message>` on stderr, a caret under
//! the rule when the rule is at fault, and the exit status (0 ok, 1 the image could not be
//! processed, 2 the rule or the arguments are wrong).

use std::process::ExitCode;

/// Exit status 2: the rule or the command's arguments are wrong (clap's own errors too).
const USAGE_ERROR: u8 = 2;

/// Reports an error on stderr (with a caret under the rule when it is at fault) and answers
/// its exit status.
pub fn fail(error: &mogr::Error, rule: &str) -> ExitCode {
    eprintln!("error {error}");
    if let Some(offset) = error.rule_offset() {
        eprint!("{}", caret(rule, offset));
    }
    exit_code(error)
}

/// The exit status of `error`.
pub fn exit_code(error: &mogr::Error) -> ExitCode {
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(1))
}

/// Reports a usage problem that is not mogr's (a path, a folder) and answers exit status 2.
pub fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(USAGE_ERROR)
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
