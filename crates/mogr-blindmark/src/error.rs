//! The errors of embedding and extracting.

use std::fmt;

/// Why a blind watermark could not be embedded or extracted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlindError {
    /// The pixel buffer is not `width * height * 4` bytes (or that size overflows).
    BufferSize {
        /// Width given.
        width: u32,
        /// Height given.
        height: u32,
        /// Bytes in the buffer.
        actual: usize,
    },
    /// The image is smaller than one watermark tile, so the payload does not fit.
    ImageTooSmall {
        /// Width of the image.
        width: u32,
        /// Height of the image.
        height: u32,
        /// Smallest width and height accepted.
        minimum: u32,
    },
    /// The text is empty.
    EmptyText,
    /// The text holds a character other than an ASCII digit or letter.
    TextCharacter {
        /// The offending character.
        character: char,
    },
    /// The text has more characters than the capacity.
    TextTooLong {
        /// Characters in the text.
        length: usize,
        /// Capacity in characters.
        capacity: usize,
    },
    /// The watermark image is empty or its buffer is not `width * height` bytes.
    MarkBuffer {
        /// Width given.
        width: u32,
        /// Height given.
        height: u32,
        /// Bytes in the buffer.
        actual: usize,
    },
    /// The watermark image is wider or taller than 1/8 of the input image.
    MarkTooLarge {
        /// Watermark width.
        mark_width: u32,
        /// Watermark height.
        mark_height: u32,
        /// Largest width allowed (input width / 8).
        max_width: u32,
        /// Largest height allowed (input height / 8).
        max_height: u32,
    },
}

impl fmt::Display for BlindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferSize { width, height, actual } => {
                write!(f, "pixel buffer of {actual} bytes does not hold {width}x{height} RGBA pixels")
            }
            Self::ImageTooSmall { width, height, minimum } => write!(
                f,
                "image {width}x{height} is too small for a blind watermark: width and height must be at least {minimum}"
            ),
            Self::EmptyText => write!(f, "blind watermark text is empty"),
            Self::TextCharacter { character } => {
                write!(f, "blind watermark text may hold only digits and ASCII letters, not {character:?}")
            }
            Self::TextTooLong { length, capacity } => {
                write!(f, "blind watermark text has {length} characters; the capacity is {capacity}")
            }
            Self::MarkBuffer { width, height, actual } => {
                write!(
                    f,
                    "watermark image buffer of {actual} bytes does not hold a non-empty {width}x{height} luma image"
                )
            }
            Self::MarkTooLarge { mark_width, mark_height, max_width, max_height } => write!(
                f,
                "watermark image {mark_width}x{mark_height} exceeds 1/8 of the input image ({max_width}x{max_height} at most)"
            ),
        }
    }
}

impl std::error::Error for BlindError {}
