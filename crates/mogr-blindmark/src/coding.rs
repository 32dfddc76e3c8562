//! Payloads to channel bits and back: text (6 bits a character, a keyed CRC-24, decoded by trying
//! every length), marks (the binarised watermark image resampled to 12 x 12), the keyed
//! scrambling that makes every channel look random, and the confidence scale of statuses.

use crate::convolutional;
use crate::key::{KeyStream, purpose};
use crate::layout::DATA_COUNT;

/// Longest text, in characters.
pub const MAX_TEXT_CHARS: usize = 16;
/// Side of the grid a watermark image is resampled to before embedding.
pub const MARK_GRID: usize = 12;
/// CRC bits appended to a text. 24 rather than 16 because the decoder tries every length at
/// several synchronisation hypotheses: `16 x HYPOTHESES` candidate words per image.
const CRC_BITS: usize = 24;
/// Bits a character takes.
const CHAR_BITS: usize = 6;

/// The 62 characters a text may hold, in symbol order.
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The symbol (0..62) of an ASCII letter or digit.
pub(crate) fn symbol_of(character: char) -> Option<u8> {
    ALPHABET.iter().position(|&a| char::from(a) == character).and_then(|p| u8::try_from(p).ok())
}

/// Channel values (+1/-1, scrambled) of a validated text: its 6-bit symbols and keyed CRC,
/// convolutionally coded to fit the tile's data slots.
pub(crate) fn text_channel(key: &[u8], symbols: &[u8]) -> Vec<f32> {
    let mut bits: Vec<bool> =
        symbols.iter().flat_map(|&s| (0..CHAR_BITS).rev().map(move |b| (s >> b) & 1 == 1)).collect();
    let crc = crc24(key, symbols);
    bits.extend((0..CRC_BITS).rev().map(|b| (crc >> b) & 1 == 1));
    let coded = convolutional::encode(&bits, DATA_COUNT);
    scramble(key, &coded.iter().map(|&c| c > 0.0).collect::<Vec<bool>>())
}

/// The text whose channel is in the soft values, if one passes its CRC. `soft_for_length(n)`
/// gives the soft channel values for a channel of `n` values; every text length is tried.
pub(crate) fn decode_text(key: &[u8], soft_for_length: impl Fn(usize) -> Vec<f32>) -> Option<String> {
    (1..=MAX_TEXT_CHARS).find_map(|length| {
        let info_bits = length * CHAR_BITS + CRC_BITS;
        let soft = descramble(key, &soft_for_length(convolutional::channel_length(info_bits, DATA_COUNT)));
        let bits = convolutional::decode(&soft, info_bits);
        let symbols: Vec<u8> = bits[..length * CHAR_BITS]
            .chunks(CHAR_BITS)
            .map(|chunk| chunk.iter().fold(0u8, |acc, &bit| (acc << 1) | u8::from(bit)))
            .collect();
        let crc = bits[length * CHAR_BITS..].iter().fold(0u32, |acc, &bit| (acc << 1) | u32::from(bit));
        let valid = symbols.iter().all(|&s| usize::from(s) < ALPHABET.len()) && crc == crc24(key, &symbols);
        valid.then(|| symbols.iter().map(|&s| char::from(ALPHABET[usize::from(s)])).collect())
    })
}

/// The channel length of a text of `length` characters.
#[cfg(test)]
fn text_channel_bits(length: usize) -> usize {
    convolutional::channel_length(length * CHAR_BITS + CRC_BITS, DATA_COUNT)
}

/// CRC-24 (the OpenPGP polynomial 0x864CFB) of the symbols and their count, with a keyed initial
/// value.
fn crc24(key: &[u8], symbols: &[u8]) -> u32 {
    let mut crc = (KeyStream::new(key, purpose::CRC).next_u64() & 0x00ff_ffff) as u32;
    let count = u8::try_from(symbols.len()).unwrap_or(u8::MAX);
    for &byte in symbols.iter().chain(std::iter::once(&count)) {
        crc ^= u32::from(byte) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4cfb;
            }
        }
    }
    crc & 0x00ff_ffff
}

/// Bits XORed with the key's scrambling stream, as +1 (true) / -1 (false).
pub(crate) fn scramble(key: &[u8], bits: &[bool]) -> Vec<f32> {
    let mut stream = KeyStream::new(key, purpose::SCRAMBLE);
    bits.iter().map(|&bit| if bit ^ (stream.next_u64() >> 63 == 1) { 1.0 } else { -1.0 }).collect()
}

/// Soft channel values with the scrambling undone: positive for a one.
fn descramble(key: &[u8], soft: &[f32]) -> Vec<f32> {
    let mut stream = KeyStream::new(key, purpose::SCRAMBLE);
    soft.iter().map(|&value| if stream.next_u64() >> 63 == 1 { -value } else { value }).collect()
}

/// Hard decisions of soft channel values, unscrambled.
pub(crate) fn unscramble(key: &[u8], soft: &[f32]) -> Vec<bool> {
    let mut stream = KeyStream::new(key, purpose::SCRAMBLE);
    soft.iter().map(|&value| (value > 0.0) ^ (stream.next_u64() >> 63 == 1)).collect()
}

/// The `MARK_GRID x MARK_GRID` bits of a white-on-black luma image: each grid cell is white when
/// more than half of the pixels it covers have luma >= 128.
pub(crate) fn mark_bits(width: usize, height: usize, luma: &[u8]) -> Vec<bool> {
    let span = |index: usize, size: usize| -> (usize, usize) {
        let start = index * size / MARK_GRID;
        let end = ((index + 1) * size).div_ceil(MARK_GRID).max(start + 1).min(size);
        (start.min(size.saturating_sub(1)), end)
    };
    let mut bits = Vec::with_capacity(MARK_GRID * MARK_GRID);
    for gy in 0..MARK_GRID {
        let (top, bottom) = span(gy, height);
        for gx in 0..MARK_GRID {
            let (left, right) = span(gx, width);
            let (mut white, mut total) = (0usize, 0usize);
            for y in top..bottom {
                for x in left..right {
                    white += usize::from(luma.get(y * width + x).is_some_and(|&v| v >= 128));
                    total += 1;
                }
            }
            bits.push(2 * white > total);
        }
    }
    bits
}

/// The 0-100 status for a detection statistic that is about standard normal when no watermark is
/// there: 4 sigma maps to 60 (the start of "suspected"), 6 sigma to 75 and 10 sigma to 100.
pub(crate) fn status_from_z(z: f64) -> u8 {
    let status = if z <= 4.0 {
        15.0 * z
    } else if z <= 6.0 {
        60.0 + 7.5 * (z - 4.0)
    } else {
        75.0 + 6.25 * (z - 6.0)
    };
    status.clamp(0.0, 100.0).round() as u8
}

/// The 0-100 status for the best correlation found by a synchronisation search (sigmas above the
/// mean over offsets, maximised over scales and offsets). Without a watermark that maximum is
/// not standard normal but about 4.6 (median) and at most 5.7 over the 70 unmarked images of the
/// corpus, so the scale starts higher and is steeper: 6.5 maps to 60, 7.5 to 75, 10 to 100.
pub(crate) fn status_from_search_z(z: f64) -> u8 {
    status_from_z(4.0 + 2.0 * (z - SEARCH_Z_SUSPECTED))
}

/// Search maximum that maps to status 60.
const SEARCH_Z_SUSPECTED: f64 = 6.5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_through_the_channel() {
        let key = b"key";
        for text in ["a", "Z9", "mogr2026Blind", "0123456789abcdef"] {
            let symbols: Vec<u8> = text.chars().filter_map(symbol_of).collect();
            let channel = text_channel(key, &symbols);
            assert_eq!(channel.len(), text_channel_bits(text.len()));
            let decoded =
                decode_text(key, |bits| if bits == channel.len() { channel.clone() } else { vec![1.0; bits] });
            assert_eq!(decoded.as_deref(), Some(text));
        }
    }

    #[test]
    fn wrong_key_fails_the_crc_and_a_flipped_value_is_corrected() {
        let symbols: Vec<u8> = "hello".chars().filter_map(symbol_of).collect();
        let mut channel = text_channel(b"key", &symbols);
        let wrong = decode_text(b"other", |bits| if bits == channel.len() { channel.clone() } else { vec![1.0; bits] });
        assert_eq!(wrong, None);
        channel[7] = -channel[7];
        let flipped = decode_text(b"key", |bits| if bits == channel.len() { channel.clone() } else { vec![1.0; bits] });
        assert_eq!(flipped.as_deref(), Some("hello"));
    }

    #[test]
    fn noise_decodes_to_no_text() {
        let mut state = 0x2545_f491u32;
        let mut noise = |bits: usize| -> Vec<f32> {
            (0..bits)
                .map(|_| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
                })
                .collect()
        };
        for _ in 0..50 {
            let fixed: Vec<Vec<f32>> = (0..=DATA_COUNT).map(&mut noise).collect();
            assert_eq!(decode_text(b"key", |bits| fixed[bits].clone()), None);
        }
    }

    #[test]
    fn mark_bits_follow_the_white_area() {
        let (width, height) = (24, 36);
        let luma: Vec<u8> = (0..width * height).map(|i| if i % width < width / 2 { 255 } else { 0 }).collect();
        let bits = mark_bits(width, height, &luma);
        assert!(bits.chunks(MARK_GRID).all(|row| row[..6].iter().all(|&b| b) && row[6..].iter().all(|&b| !b)));
        assert_eq!(mark_bits(1, 1, &[255]), vec![true; MARK_GRID * MARK_GRID]);
    }

    #[test]
    fn status_scale_has_the_spec_thresholds() {
        assert_eq!(status_from_z(-3.0), 0);
        assert_eq!(status_from_z(4.0), 60);
        assert_eq!(status_from_z(6.0), 75);
        assert_eq!(status_from_z(20.0), 100);
    }
}
