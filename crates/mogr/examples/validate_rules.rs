//! Validating rules users type, with the grammar alone: no image, no engine, no codecs
//! (a web form for image styles, say). Prints each rule's canonical form or where it is wrong.
//!
//! ```sh
//! cargo run -p mogr --example validate_rules -- 'imageMogr2/thumbnail/!50p' 'imageMogr2/rotate/720'
//! ```
//!
//! A crate that needs only this can depend on `mogr-syntax` directly (it is `mogr::syntax`
//! here); its only dependency is `nom`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let rules: Vec<String> = std::env::args().skip(1).collect();
    if rules.is_empty() {
        eprintln!("usage: validate_rules RULE...");
        return ExitCode::from(2);
    }
    let mut all_valid = true;
    for rule in &rules {
        match mogr::syntax::parse(rule) {
            Ok(pipeline) => println!("ok       {pipeline}"),
            Err(error) => {
                all_valid = false;
                println!("invalid  {rule}");
                // The byte offset points into the rule: show it with a caret.
                let column = rule.get(..error.offset()).map_or(0, |before| before.chars().count());
                println!("         {}^ {error}", " ".repeat(column));
            }
        }
    }
    if all_valid { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
