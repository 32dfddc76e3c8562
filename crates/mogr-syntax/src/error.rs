//! Errors: where a rule went wrong, what was expected there and what was found.
//!
//! Grammar functions fail with a [`GrammarError`] that borrows the input at the point of
//! failure. The entry points turn it into an owned [`ParseError`] whose offset is a byte offset
//! into the string the caller gave (before percent-decoding), so a message can point at the
//! exact spot of a URL.

use std::fmt;

/// What the grammar expected at the point of an error.
///
/// The `Display` form completes the sentence "expected …".
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// One of a fixed set of keywords, e.g. an `imageMogr2` parameter name.
    OneOf {
        /// What the keyword names ("an imageMogr2 parameter").
        what: &'static str,
        /// The keywords accepted here.
        choices: &'static [&'static str],
    },
    /// An integer within an inclusive range.
    Integer {
        /// What the number is ("blur radius").
        what: &'static str,
        /// The smallest accepted value.
        min: i64,
        /// The largest accepted value.
        max: i64,
    },
    /// A parameter that may be given only once where it was given again.
    Once {
        /// The parameter's name.
        name: &'static str,
        /// Where it may appear once ("per imageMogr2 stage").
        scope: &'static str,
    },
    /// A parameter of the given watermark kind (1-4).
    WatermarkParameter {
        /// The watermark kind: 1 image, 2 text, 3 blind add, 4 blind extract.
        kind: u8,
    },
    /// A fixed description of the expected text.
    Text(&'static str),
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::OneOf { what, choices } => {
                write!(f, "{what} (one of: {})", choices.join(", "))
            }
            Expected::Integer { what, min, max } => {
                write!(f, "{what}: an integer from {min} to {max}")
            }
            Expected::Once { name, scope } => write!(f, "{name} at most once {scope}"),
            Expected::WatermarkParameter { kind } => {
                let names: Vec<&str> =
                    crate::grammar::watermark::allowed_keys(*kind).iter().map(|k| k.keyword()).collect();
                write!(f, "a watermark/{kind} parameter (one of: {})", names.join(", "))
            }
            Expected::Text(text) => f.write_str(text),
        }
    }
}

/// Which kind of fault a [`ParseError`] reports; the facade maps each to a CI error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The rule (or the `Pic-Operations` JSON) is malformed or a value is out of range
    /// (CI code -60998).
    InvalidRule,
    /// A `Pic-Operations` header lists more rules than allowed (CI code -60997).
    TooManyPicRules,
}

/// A rule that could not be parsed: where, what was expected, and what was there instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    offset: usize,
    expected: Expected,
    found: Option<String>,
    kind: ErrorKind,
    context: Option<String>,
}

/// The longest fragment quoted in a message; longer ones are cut with an ellipsis.
const MAX_FRAGMENT_CHARS: usize = 40;

impl ParseError {
    pub(crate) fn new(offset: usize, expected: Expected, found: &str) -> Self {
        let found = (!found.is_empty()).then(|| quote_fragment(found));
        ParseError { offset, expected, found, kind: ErrorKind::InvalidRule, context: None }
    }

    pub(crate) fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// Names where the error sits inside a larger document, e.g. `rules[2].rule`.
    pub(crate) fn with_context(mut self, context: String) -> Self {
        self.context = Some(context);
        self
    }

    /// Moves the error to another offset (after mapping it through a decoding).
    pub(crate) fn relocated(mut self, offset: usize) -> Self {
        self.offset = offset;
        self
    }

    /// Moves the error by `by` bytes (its text sat at that offset in a larger input).
    pub(crate) fn shifted(mut self, by: usize) -> Self {
        self.offset = self.offset.saturating_add(by);
        self
    }

    /// Byte offset into the input as given (before percent-decoding) where the error starts.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What the grammar expected at [`offset`](Self::offset).
    pub fn expected(&self) -> &Expected {
        &self.expected
    }

    /// The offending fragment (possibly shortened), or `None` at the end of the input.
    pub fn found(&self) -> Option<&str> {
        self.found.as_deref()
    }

    /// Which kind of fault this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The keyword the user most likely meant, when one of the expected keywords is within
    /// two edits of what was found (letter case aside).
    pub fn suggestion(&self) -> Option<&'static str> {
        let (Expected::OneOf { choices, .. }, Some(found)) = (&self.expected, &self.found) else {
            return None;
        };
        let found = found.to_ascii_lowercase();
        choices
            .iter()
            .map(|&choice| (edit_distance(&found, &choice.to_ascii_lowercase()), choice))
            .filter(|&(distance, _)| distance <= 2)
            .min_by_key(|&(distance, _)| distance)
            .map(|(_, choice)| choice)
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}", self.offset)?;
        if let Some(context) = &self.context {
            write!(f, " ({context})")?;
        }
        write!(f, ": expected {}, found ", self.expected)?;
        match &self.found {
            Some(found) => write!(f, "\"{found}\"")?,
            None => f.write_str("end of input")?,
        }
        if let Some(suggestion) = self.suggestion() {
            write!(f, " (did you mean \"{suggestion}\"?)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

/// Levenshtein distance over characters (inputs are short: fragments are cut at 40).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

fn quote_fragment(found: &str) -> String {
    let mut quoted: String = found.chars().take(MAX_FRAGMENT_CHARS).flat_map(char::escape_debug).collect();
    if found.chars().nth(MAX_FRAGMENT_CHARS).is_some() {
        quoted.push('…');
    }
    quoted
}

/// The error grammar functions return: the input from the point of failure, how many bytes of
/// it are the offending fragment, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GrammarError<'a> {
    pub at: &'a str,
    pub len: usize,
    pub expected: Expected,
}

impl<'a> GrammarError<'a> {
    /// An error about the fragment `at[..len]`.
    pub fn new(at: &'a str, len: usize, expected: Expected) -> Self {
        GrammarError { at, len: len.min(at.len()), expected }
    }

    /// An error about the whole of `fragment`.
    pub fn fragment(fragment: &'a str, expected: Expected) -> Self {
        GrammarError::new(fragment, fragment.len(), expected)
    }

    /// Converts to an owned error, with the offset taken relative to `base`, the string that
    /// `at` is a part of.
    pub fn into_parse_error(self, base: &str) -> ParseError {
        let offset = offset_in(base, self.at);
        // An empty fragment before more input quotes the next character instead.
        let len = match self.len {
            0 => self.at.chars().next().map_or(0, char::len_utf8),
            len => len,
        };
        let found = self.at.get(..len).unwrap_or(self.at);
        ParseError::new(offset, self.expected, found)
    }
}

/// Byte offset of `part` inside `base`; `part` must be a sub-slice of `base` (it always is for
/// grammar errors, which only ever point into the input). Anything else yields `base.len()`.
pub(crate) fn offset_in(base: &str, part: &str) -> usize {
    let start = base.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    match at.checked_sub(start) {
        Some(offset) if offset <= base.len() => offset,
        _ => base.len(),
    }
}

impl<'a> nom::error::ParseError<&'a str> for GrammarError<'a> {
    fn from_error_kind(input: &'a str, kind: nom::error::ErrorKind) -> Self {
        let _ = kind;
        GrammarError::new(input, 0, Expected::Text("valid syntax"))
    }

    fn append(_input: &'a str, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

/// The result type of every grammar function.
pub(crate) type PResult<'a, T> = nom::IResult<&'a str, T, GrammarError<'a>>;

/// The error half of [`PResult`].
pub(crate) type Failure<'a> = nom::Err<GrammarError<'a>>;

/// A committed failure about `at[..len]` (no alternative is tried after it).
pub(crate) fn failure(at: &str, len: usize, expected: Expected) -> Failure<'_> {
    nom::Err::Failure(GrammarError::new(at, len, expected))
}

/// A committed failure about `at[..len]`, as a result.
pub(crate) fn fail<'a, T>(at: &'a str, len: usize, expected: Expected) -> PResult<'a, T> {
    Err(failure(at, len, expected))
}

/// A committed failure about the whole of `fragment`.
pub(crate) fn fail_fragment<'a, T>(fragment: &'a str, expected: Expected) -> PResult<'a, T> {
    Err(nom::Err::Failure(GrammarError::fragment(fragment, expected)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keywords::Mogr2Key;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("thumb", "thumbnail"), 4);
        assert_eq!(edit_distance("rotat", "rotate"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn near_misses_get_a_suggestion() {
        let error = |found| ParseError::new(0, Mogr2Key::expected(), found);
        assert_eq!(error("thumbnial").suggestion(), Some("thumbnail"));
        assert_eq!(error("Thumbnail").suggestion(), Some("thumbnail"));
        assert_eq!(error("autoorient").suggestion(), Some("auto-orient"));
        assert_eq!(error("zzz").suggestion(), None);
        assert!(error("rotat").to_string().ends_with("(did you mean \"rotate\"?)"));
    }
}
