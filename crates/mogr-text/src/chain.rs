//! The fallback chain: the requested font, then the CJK sans, then DejaVu Sans.
//!
//! Only the members that draw something the earlier ones cannot are loaded, so a Latin watermark
//! never reads the 20 MB CJK collection. A character none of them draws is an error naming it:
//! no `.notdef` box is ever drawn.

use std::collections::HashSet;

use rustybuzz::ttf_parser;

use crate::error::TextError;
use crate::lines::is_default_ignorable;
use crate::store::{LoadedFont, Store};
use crate::table::{CJK_SANS, FontEntry, FontFile, LAST_RESORT};

/// The fonts the text needs, in fallback order, each face once.
pub(crate) fn load_chain(store: &Store, entry: &FontEntry, lines: &[String]) -> Result<Vec<LoadedFont>, TextError> {
    let members: [(&str, &[FontFile]); 3] =
        [(entry.name, entry.files), ("CJK fallback", CJK_SANS), ("last-resort fallback", LAST_RESORT)];
    let mut pending = characters_needing_glyphs(lines);
    let mut fonts: Vec<LoadedFont> = Vec::with_capacity(members.len());
    for (role, files) in members {
        if !fonts.is_empty() && pending.is_empty() {
            break;
        }
        let font = store.load(role, files)?;
        if fonts.iter().any(|loaded| loaded.same_face(&font)) {
            continue;
        }
        let face = parse_face(&font)?;
        pending.retain(|&character| !has_glyph(&face, character));
        fonts.push(font);
    }
    match pending.first() {
        Some(&character) => Err(TextError::Undrawable { character }),
        None => Ok(fonts),
    }
}

/// True when the face maps the character to a real glyph (not `.notdef`).
pub(crate) fn has_glyph(face: &ttf_parser::Face<'_>, character: char) -> bool {
    face.glyph_index(character).is_some_and(|glyph| glyph.0 != 0)
}

/// The distinct characters of the text that need a glyph, in order of first appearance.
fn characters_needing_glyphs(lines: &[String]) -> Vec<char> {
    let mut seen = HashSet::new();
    lines
        .iter()
        .flat_map(|line| line.chars())
        .filter(|&character| !is_default_ignorable(character) && seen.insert(character))
        .collect()
}

fn parse_face(font: &LoadedFont) -> Result<ttf_parser::Face<'_>, TextError> {
    ttf_parser::Face::parse(&font.data, font.index).map_err(|err| TextError::BadFont {
        file: font.path.display().to_string(),
        reason: format!("face {}: {err}", font.index),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needed_characters_are_distinct_and_in_order() {
        let lines = vec!["abba".to_string(), "\u{200d}ca".to_string()];
        assert_eq!(characters_needing_glyphs(&lines), vec!['a', 'b', 'c']);
    }
}
