//! Pictures: the decoded frames every step works on, and the metadata that travels with them.
//!
//! A [`Frame`] is RGBA, 8 bits a channel, straight (not premultiplied) alpha, rows top to
//! bottom without padding. Every decoder produces frames in this one layout and every encoder
//! reads it, so a step never needs to know where pixels came from. Frames are allocated with
//! [`Frame::new`], which refuses sizes that do not fit memory instead of aborting.

use crate::ExecError;

/// Bytes per pixel of a frame.
pub const CHANNELS: usize = 4;

/// One RGBA8 image (or animation frame).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels, at least 1.
    pub width: u32,
    /// Height in pixels, at least 1.
    pub height: u32,
    /// `width × height × 4` bytes: R, G, B, A.
    pub pixels: Vec<u8>,
    /// How long the frame shows, in milliseconds (0 for still images).
    pub delay_ms: u32,
}

impl Frame {
    /// A transparent black frame; fails instead of aborting when the size cannot be
    /// allocated.
    pub fn new(width: u32, height: u32) -> Result<Frame, ExecError> {
        let len = buffer_len(width, height)?;
        let mut pixels = Vec::new();
        pixels
            .try_reserve_exact(len)
            .map_err(|_| ExecError::OutOfMemory(format!("a {width}x{height} frame ({len} bytes)")))?;
        pixels.resize(len, 0);
        Ok(Frame { width, height, pixels, delay_ms: 0 })
    }

    /// A frame of given pixels, which must be exactly `width × height × 4` bytes.
    pub fn from_pixels(width: u32, height: u32, pixels: Vec<u8>) -> Result<Frame, ExecError> {
        if pixels.len() != buffer_len(width, height)? {
            return Err(ExecError::Internal(format!("{} bytes of pixels for a {width}x{height} frame", pixels.len())));
        }
        Ok(Frame { width, height, pixels, delay_ms: 0 })
    }

    /// The pixel at (`x`, `y`), or `None` outside the frame.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let at = (y as usize * self.width as usize + x as usize) * CHANNELS;
        let p = self.pixels.get(at..at + CHANNELS)?;
        Some([p[0], p[1], p[2], p[3]])
    }

    /// The bytes of one row.
    pub fn row(&self, y: u32) -> &[u8] {
        let stride = self.width as usize * CHANNELS;
        let start = y as usize * stride;
        self.pixels.get(start..start + stride).unwrap_or(&[])
    }

    /// Whether any pixel is not fully opaque.
    pub fn has_transparency(&self) -> bool {
        self.pixels.chunks_exact(CHANNELS).any(|p| p[3] != 255)
    }
}

/// `width × height × 4`, checked; zero sizes are refused.
fn buffer_len(width: u32, height: u32) -> Result<usize, ExecError> {
    if width == 0 || height == 0 {
        return Err(ExecError::Internal(format!("a {width}x{height} frame")));
    }
    (width as usize)
        .checked_mul(height as usize)
        .and_then(|n| n.checked_mul(CHANNELS))
        .ok_or_else(|| ExecError::OutOfMemory(format!("a {width}x{height} frame")))
}

/// Metadata kept from the input and written back unless `strip`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// EXIF as a TIFF structure (`II*\0…` or `MM\0*…`, without JPEG's `Exif\0\0` prefix).
    pub exif: Option<Vec<u8>>,
    /// The ICC colour profile.
    pub icc: Option<Vec<u8>>,
    /// XMP packet (XML).
    pub xmp: Option<Vec<u8>>,
}

impl Metadata {
    /// Sets the EXIF orientation to 1 (upright), as after `auto-orient`: the tag's value is
    /// rewritten in place; EXIF without the tag, or that cannot be read, is left alone.
    pub fn set_orientation_upright(&mut self) {
        let Some(exif) = self.exif.as_mut() else { return };
        let Some(at) = orientation_value_offset(exif) else { return };
        let one = if exif.starts_with(b"MM") { 1u16.to_be_bytes() } else { 1u16.to_le_bytes() };
        if let Some(slot) = exif.get_mut(at..at + 2) {
            slot.copy_from_slice(&one);
        }
    }
}

/// Where the value of IFD0's Orientation tag (0x0112, SHORT) lies in a TIFF structure.
fn orientation_value_offset(tiff: &[u8]) -> Option<usize> {
    let big_endian = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
        Some(if big_endian { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    };
    let ifd0 = usize::try_from(u32_at(4)?).ok()?;
    let entries = usize::from(u16_at(ifd0)?);
    (0..entries).find_map(|i| {
        let entry = ifd0.checked_add(2)?.checked_add(i.checked_mul(12)?)?;
        (u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3).then_some(entry + 8)
    })
}

/// A decoded image: one frame, or the frames of an animation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    /// The frames, all of the same size (animations are composited on decode).
    pub frames: Vec<Frame>,
    /// For animations: plays (0 forever); `None` when the input did not say.
    pub loop_count: Option<u32>,
    /// What travels with the pixels.
    pub metadata: Metadata,
}

impl Picture {
    /// A still picture.
    pub fn still(frame: Frame, metadata: Metadata) -> Picture {
        Picture { frames: vec![frame], loop_count: None, metadata }
    }

    /// The size of the frames (of the first; all frames share it).
    pub fn size(&self) -> (u32, u32) {
        self.frames.first().map_or((0, 0), |f| (f.width, f.height))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_refuse_impossible_sizes() {
        assert!(Frame::new(0, 5).is_err());
        assert!(Frame::new(u32::MAX, u32::MAX).is_err());
        let frame = Frame::new(3, 2).unwrap();
        assert_eq!(frame.pixels.len(), 24);
        assert_eq!(frame.pixel(2, 1), Some([0, 0, 0, 0]));
        assert_eq!(frame.pixel(3, 0), None);
        assert!(Frame::from_pixels(2, 2, vec![0; 15]).is_err());
    }

    #[test]
    fn orientation_is_rewritten_in_place() {
        // II, 42, IFD0 at 8: two entries, the second the Orientation (6).
        let mut exif = vec![b'I', b'I', 42, 0, 8, 0, 0, 0, 2, 0];
        exif.extend([0x10, 0x01, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
        exif.extend([0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
        let mut metadata = Metadata { exif: Some(exif.clone()), ..Metadata::default() };
        metadata.set_orientation_upright();
        exif[30] = 1;
        assert_eq!(metadata.exif, Some(exif));
        let mut broken = Metadata { exif: Some(vec![b'M', b'M', 0, 42, 255, 255, 255, 255]), ..Metadata::default() };
        broken.set_orientation_upright();
        assert_eq!(broken.exif, Some(vec![b'M', b'M', 0, 42, 255, 255, 255, 255]));
    }
}
