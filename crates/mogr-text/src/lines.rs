//! The request's text cut into lines, with the characters no font draws dealt with.
//!
//! `'\n'` starts a new line. `'\r'` is dropped (so `"\r\n"` is one line break), and `'\t'` is
//! drawn as one space: both come from texts typed on other systems and have an obvious meaning.
//! Every other control character (Unicode category Cc) is refused as undrawable. Default-ignorable
//! code points (zero-width joiners, variation selectors, bidi marks, ...) are kept for the shaper,
//! which hides them, and need no glyph.

use crate::error::TextError;

/// The text's lines, in order; an error if it has a control character or nothing visible.
pub(crate) fn split_lines(text: &str) -> Result<Vec<String>, TextError> {
    let mut lines = vec![String::new()];
    let mut visible = false;
    for character in text.chars() {
        match character {
            '\n' => lines.push(String::new()),
            '\r' => {}
            '\t' => push_char(&mut lines, ' '),
            _ if character.is_control() => return Err(TextError::Undrawable { character }),
            _ => {
                visible |= !character.is_whitespace() && !is_default_ignorable(character);
                push_char(&mut lines, character);
            }
        }
    }
    if visible { Ok(lines) } else { Err(TextError::EmptyText) }
}

fn push_char(lines: &mut [String], character: char) {
    if let Some(line) = lines.last_mut() {
        line.push(character);
    }
}

/// Unicode's `Default_Ignorable_Code_Point` property (Unicode 15): drawn as nothing.
pub(crate) fn is_default_ignorable(character: char) -> bool {
    matches!(
        u32::from(character),
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFF8
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_split_and_carriage_returns_vanish() {
        assert_eq!(split_lines("a\r\nb\nc"), Ok(vec!["a".to_string(), "b".to_string(), "c".to_string()]));
        assert_eq!(split_lines("a\n"), Ok(vec!["a".to_string(), String::new()]));
    }

    #[test]
    fn tabs_are_spaces() {
        assert_eq!(split_lines("a\tb"), Ok(vec!["a b".to_string()]));
    }

    #[test]
    fn control_characters_are_undrawable() {
        assert_eq!(split_lines("a\u{7}b"), Err(TextError::Undrawable { character: '\u{7}' }));
        assert_eq!(split_lines("a\u{85}"), Err(TextError::Undrawable { character: '\u{85}' }));
    }

    #[test]
    fn nothing_visible_is_empty() {
        for text in ["", "\n", " \n\t ", "\u{200b}", "\u{3000}", "\u{feff}\r"] {
            assert_eq!(split_lines(text), Err(TextError::EmptyText), "{text:?}");
        }
    }

    #[test]
    fn ignorables_are_kept_for_the_shaper() {
        assert_eq!(split_lines("a\u{200d}b"), Ok(vec!["a\u{200d}b".to_string()]));
        assert!(is_default_ignorable('\u{fe0f}') && !is_default_ignorable('a'));
    }
}
