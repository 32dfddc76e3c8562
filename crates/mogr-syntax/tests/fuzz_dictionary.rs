//! The fuzz dictionary (`fuzz/parse.dict`) must hold every keyword of the grammar.
//!
//! The dictionary is generated from `mogr_syntax::keywords::all_keywords()` by
//! `cargo run --manifest-path fuzz/Cargo.toml -p mogr-fuzz-gen`; this test fails, naming the
//! missing keywords, when a keyword was added to the tables and the dictionary was not
//! regenerated, so the fuzzer never falls behind the grammar.

#![allow(clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;

const DICT: &str = "../../fuzz/parse.dict";

/// Reads a libFuzzer dictionary: `#` comments, blank lines, and entries `[name=]"token"` whose
/// token may escape `\\`, `\"` and `\xNN`. Returns the tokens, or the first malformed line.
fn read_dictionary(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut tokens = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || format!("line {}: not a dictionary entry: {line}", n + 1);
        let quoted = match line.find('"') {
            Some(0) => line,
            Some(at) if line[..at].ends_with('=') && !line[..at - 1].contains(char::is_whitespace) => &line[at..],
            _ => return Err(bad()),
        };
        let body = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')).ok_or_else(bad)?;
        let mut token = Vec::new();
        let mut bytes = body.bytes();
        while let Some(b) = bytes.next() {
            match b {
                b'\\' => match bytes.next() {
                    Some(b'\\') => token.push(b'\\'),
                    Some(b'"') => token.push(b'"'),
                    Some(b'x') => {
                        let hex = [bytes.next().ok_or_else(bad)?, bytes.next().ok_or_else(bad)?];
                        let hex = std::str::from_utf8(&hex).map_err(|_| bad())?;
                        token.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                    }
                    _ => return Err(bad()),
                },
                b'"' => return Err(bad()),
                _ => token.push(b),
            }
        }
        tokens.push(token);
    }
    Ok(tokens)
}

#[test]
fn the_fuzz_dictionary_has_every_keyword() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DICT);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let tokens: BTreeSet<Vec<u8>> =
        read_dictionary(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())).into_iter().collect();
    let missing: Vec<&str> = mogr_syntax::keywords::all_keywords().filter(|k| !tokens.contains(k.as_bytes())).collect();
    assert!(
        missing.is_empty(),
        "{} lacks these keywords of the grammar: {}\n\
         regenerate it with `cargo run --manifest-path fuzz/Cargo.toml -p mogr-fuzz-gen`",
        path.display(),
        missing.join(", ")
    );
}

#[test]
fn dictionary_entries_are_read_as_libfuzzer_reads_them() {
    let text = "# comment\n\n\"a\\\"b\"\nkw1=\"\\x41\\\\\"\n";
    assert_eq!(read_dictionary(text), Ok(vec![b"a\"b".to_vec(), b"A\\".to_vec()]));
    assert!(read_dictionary("imageMogr2\n").is_err());
    assert!(read_dictionary("\"open\n").is_err());
    assert!(read_dictionary("\"a\"b\"\n").is_err());
}
