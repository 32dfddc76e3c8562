//! The one error type of this crate.

use std::fmt;

use crate::table::FONT_NAMES;

/// Why a text could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TextError {
    /// The rule names a font that is not in the spec's list.
    UnknownFont {
        /// The name as the rule wrote it.
        name: String,
    },
    /// No font of the fallback chain can draw this character (or it is a control character).
    Undrawable {
        /// The first such character of the text.
        character: char,
    },
    /// The text has nothing to draw: it is empty, only white space or line breaks, or its size is 0.
    EmptyText,
    /// The raster would hold more than the allowed number of pixels (or could not be allocated).
    TooLarge {
        /// The raster's width as far as it was measured.
        width: u64,
        /// The raster's height as far as it was measured.
        height: u64,
        /// The request's limit.
        max_pixels: u64,
    },
    /// None of the files that can draw this font is installed.
    FontMissing {
        /// The spec name (or fallback role) that needed the file.
        font: String,
        /// The file names that were looked for, best first.
        files: Vec<String>,
        /// The Debian package that provides the preferred open file.
        package: &'static str,
    },
    /// A font file was found but could not be read or parsed.
    BadFont {
        /// The file's path.
        file: String,
        /// What went wrong.
        reason: String,
    },
}

impl TextError {
    /// True when the request (the rule) is at fault, false when the server's setup is.
    pub fn is_request_fault(&self) -> bool {
        match self {
            Self::UnknownFont { .. } | Self::Undrawable { .. } | Self::EmptyText | Self::TooLarge { .. } => true,
            Self::FontMissing { .. } | Self::BadFont { .. } => false,
        }
    }
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownFont { name } => {
                write!(f, "unknown font {name:?}; supported fonts: {}", FONT_NAMES.join(", "))
            }
            Self::Undrawable { character } => {
                write!(f, "no font can draw the character U+{:04X} {character:?}", u32::from(*character))
            }
            Self::EmptyText => f.write_str("the text has nothing to draw"),
            Self::TooLarge { width, height, max_pixels } => {
                write!(f, "the text would need {width}x{height} pixels, over the limit of {max_pixels} pixels")
            }
            Self::FontMissing { font, files, package } => write!(
                f,
                "font {font} is not installed: none of {} was found; install the Debian package {package}",
                files.join(", ")
            ),
            Self::BadFont { file, reason } => write!(f, "cannot use the font file {file}: {reason}"),
        }
    }
}

impl std::error::Error for TextError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_font_lists_the_supported_names() {
        let message = TextError::UnknownFont { name: "Comic.ttf".into() }.to_string();
        assert!(message.contains("SimHei.ttf") && message.contains("HelveticaNeue.dfont"), "{message}");
    }

    #[test]
    fn faults_split_between_rule_and_server() {
        assert!(TextError::EmptyText.is_request_fault());
        assert!(TextError::Undrawable { character: '\u{1}' }.is_request_fault());
        let missing = TextError::FontMissing { font: "SimHei.ttf".into(), files: vec![], package: "fonts-noto-cjk" };
        assert!(!missing.is_request_fault());
        assert!(missing.to_string().contains("fonts-noto-cjk"));
        assert!(!TextError::BadFont { file: "x".into(), reason: "y".into() }.is_request_fault());
    }

    #[test]
    fn undrawable_names_the_code_point() {
        let message = TextError::Undrawable { character: '\u{e000}' }.to_string();
        assert!(message.contains("U+E000"), "{message}");
    }
}
