//! Payloads to channel bits and back: text (6 bits a character and a keyed CRC, decoded by
//! trying every length), marks (the binarised watermark image resampled to 12 x 12), the keyed
//! scrambling that makes every channel look random, and the confidence scale of statuses.
//!
//! The CRC is what tells a text from noise. The decoder tries many candidate words per image:
//! every length at every synchronisation hypothesis, and at each the list decoder's most likely
//! paths (measured in Gaussian noise at the finite-length bound, where no code reads more than
//! about 90 % of texts: 56-60 % read with the best path alone, 86-92 % with the list). So the
//! CRC's width and the list's length together set the false-read odds, per class of text:
//!
//! - texts longer than [`SHORT_TEXT_CHARS`]: CRC-30, 64 paths, tried at the [`HYPOTHESES`] best
//!   hypotheses: `16 x 10 lengths x 64` words, odds about 1e-5;
//! - short texts: CRC-32, 16 paths, also tried at up to [`EXTENDED_HYPOTHESES`] more hypotheses
//!   when the pilots alone cannot synchronise (small, heavily attacked images: a short text's
//!   strong code reads where the 64 pilot cells do not stand out from the photo):
//!   `(16 + 256) x 6 x 16` words, odds about 6e-6.

use crate::convolutional;
use crate::key::{KeyStream, purpose};
use crate::layout::DATA_COUNT;
#[cfg(doc)]
use crate::sync::{EXTENDED_HYPOTHESES, HYPOTHESES};

/// Longest text, in characters.
pub const MAX_TEXT_CHARS: usize = 16;
/// Side of the grid a watermark image is resampled to before embedding.
pub const MARK_GRID: usize = 12;
/// Longest text of the short class (CRC-32, tried at the extended hypotheses).
pub(crate) const SHORT_TEXT_CHARS: usize = 6;

/// How the texts of one class are checked and list-decoded (see the module docs for the odds).
struct TextClass {
    /// CRC width in bits.
    crc_bits: usize,
    /// CRC generator polynomial (without its top bit).
    polynomial: u64,
    /// Paths the list decoder hands to the CRC per length and hypothesis.
    list: usize,
}

/// Texts of up to [`SHORT_TEXT_CHARS`]: CRC-32 (0x04C11DB7), 16 paths.
const SHORT_CLASS: TextClass = TextClass { crc_bits: 32, polynomial: 0x04c1_1db7, list: 16 };
/// Longer texts: CRC-30/CDMA's polynomial (0x2030B9C7), 64 paths.
const LONG_CLASS: TextClass = TextClass { crc_bits: 30, polynomial: 0x2030_b9c7, list: 64 };
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
    let crc_bits = class(symbols.len()).crc_bits;
    let crc = keyed_crc(key, symbols);
    bits.extend((0..crc_bits).rev().map(|b| (crc >> b) & 1 == 1));
    let coded = convolutional::encode(&bits, DATA_COUNT);
    scramble(key, &coded.iter().map(|&c| c > 0.0).collect::<Vec<bool>>())
}

/// The text whose channel is in the soft values, if one of `lengths` passes its CRC.
/// `soft_for_length(n)` gives the soft channel values for a channel of `n` values. Each length
/// is list-decoded (its class's most likely paths) and the first path whose symbols and CRC
/// are valid is the text.
pub(crate) fn decode_text(
    key: &[u8],
    lengths: std::ops::RangeInclusive<usize>,
    soft_for_length: impl Fn(usize) -> Vec<f32>,
) -> Option<String> {
    lengths.into_iter().find_map(|length| {
        let info_bits = payload_bits(length);
        let soft = descramble(key, &soft_for_length(convolutional::channel_length(info_bits, DATA_COUNT)));
        convolutional::decode_list(&soft, info_bits, class(length).list)
            .into_iter()
            .find_map(|bits| valid_text(key, length, &bits))
    })
}

/// The text of a decoded path of `length` characters, if its symbols and CRC are valid.
fn valid_text(key: &[u8], length: usize, bits: &[bool]) -> Option<String> {
    let symbols: Vec<u8> = bits[..length * CHAR_BITS]
        .chunks(CHAR_BITS)
        .map(|chunk| chunk.iter().fold(0u8, |acc, &bit| (acc << 1) | u8::from(bit)))
        .collect();
    let crc = bits[length * CHAR_BITS..].iter().fold(0u32, |acc, &bit| (acc << 1) | u32::from(bit));
    let valid = symbols.iter().all(|&s| usize::from(s) < ALPHABET.len()) && crc == keyed_crc(key, &symbols);
    valid.then(|| symbols.iter().map(|&s| char::from(ALPHABET[usize::from(s)])).collect())
}

/// Every text length, for [`decode_text`].
pub(crate) const ALL_LENGTHS: std::ops::RangeInclusive<usize> = 1..=MAX_TEXT_CHARS;
/// The short text lengths, for [`decode_text`] at the extended hypotheses.
pub(crate) const SHORT_LENGTHS: std::ops::RangeInclusive<usize> = 1..=SHORT_TEXT_CHARS;

/// The class of a text of `length` characters.
fn class(length: usize) -> &'static TextClass {
    if length <= SHORT_TEXT_CHARS { &SHORT_CLASS } else { &LONG_CLASS }
}

/// Information bits of a text of `length` characters: its symbols and the CRC.
pub(crate) fn payload_bits(length: usize) -> usize {
    length * CHAR_BITS + class(length).crc_bits
}

/// The channel length of a text of `length` characters.
#[cfg(test)]
fn text_channel_bits(length: usize) -> usize {
    convolutional::channel_length(payload_bits(length), DATA_COUNT)
}

/// The CRC of the text's class, MSB first, of the symbols and their count, with a keyed
/// initial value.
fn keyed_crc(key: &[u8], symbols: &[u8]) -> u32 {
    let TextClass { crc_bits: width, polynomial, .. } = *class(symbols.len());
    let mask = (1u64 << width) - 1;
    let top = 1u64 << (width - 1);
    let mut crc = KeyStream::new(key, purpose::CRC).next_u64() & mask;
    let count = u8::try_from(symbols.len()).unwrap_or(u8::MAX);
    for &byte in symbols.iter().chain(std::iter::once(&count)) {
        crc ^= u64::from(byte) << (width - 8);
        for _ in 0..8 {
            crc = if crc & top != 0 { ((crc << 1) ^ polynomial) & mask } else { (crc << 1) & mask };
        }
    }
    u32::try_from(crc).unwrap_or(u32::MAX)
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
            assert_eq!(decode_text(key, ALL_LENGTHS, only(&channel)).as_deref(), Some(text));
        }
    }

    /// Soft values that hold `channel` at its length and nothing useful at the others.
    fn only(channel: &[f32]) -> impl Fn(usize) -> Vec<f32> + '_ {
        move |bits| if bits == channel.len() { channel.to_vec() } else { vec![1.0; bits] }
    }

    #[test]
    fn wrong_key_fails_the_crc_and_a_flipped_value_is_corrected() {
        let symbols: Vec<u8> = "hello".chars().filter_map(symbol_of).collect();
        let mut channel = text_channel(b"key", &symbols);
        assert_eq!(decode_text(b"other", ALL_LENGTHS, only(&channel)), None);
        channel[7] = -channel[7];
        assert_eq!(decode_text(b"key", ALL_LENGTHS, only(&channel)).as_deref(), Some("hello"));
        assert_eq!(decode_text(b"key", SHORT_LENGTHS, only(&channel)).as_deref(), Some("hello"));
    }

    #[test]
    fn short_and_long_texts_carry_32_and_30_bit_crcs() {
        assert_eq!(payload_bits(SHORT_TEXT_CHARS), 6 * SHORT_TEXT_CHARS + 32);
        assert_eq!(payload_bits(SHORT_TEXT_CHARS + 1), 6 * (SHORT_TEXT_CHARS + 1) + 30);
        let symbols: Vec<u8> = "abcdefghij".chars().filter_map(symbol_of).collect();
        let channel = text_channel(b"key", &symbols);
        assert_eq!(decode_text(b"key", SHORT_LENGTHS, only(&channel)), None, "long texts are not tried there");
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
            assert_eq!(decode_text(b"key", ALL_LENGTHS, |bits| fixed[bits].clone()), None);
        }
    }

    /// Reads of `text` over `trials` noisy channels at the ratio where the finite-length bound
    /// puts the reach at the payload (no code reads more than 90 % there), with one path and
    /// with the class's list.
    fn reads_at_the_bound(text: &str, trials: usize) -> (usize, usize) {
        let key = b"bound-key";
        let symbols: Vec<u8> = text.chars().filter_map(symbol_of).collect();
        let payload = payload_bits(symbols.len()) as f64;
        let (mut low, mut high) = (0.1, 5.0);
        for _ in 0..50 {
            let middle = (low + high) / 2.0;
            if crate::measure::finite_length_reach(middle, DATA_COUNT) < payload { low = middle } else { high = middle }
        }
        let channel = text_channel(key, &symbols);
        let mut state = 0x853c_49e6_748f_ea9bu64;
        let mut uniform = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let length = symbols.len();
        let (mut best_path, mut listed) = (0, 0);
        for _ in 0..trials {
            let soft: Vec<f32> = channel
                .iter()
                .map(|&c| {
                    let gauss = (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos();
                    (f64::from(c) * low + gauss) as f32
                })
                .collect();
            let info_bits = payload_bits(length);
            let best = convolutional::decode_list(&descramble(key, &soft), info_bits, 1).swap_remove(0);
            best_path += usize::from(valid_text(key, length, &best).as_deref() == Some(text));
            listed += usize::from(decode_text(key, length..=length, |_| soft.clone()).as_deref() == Some(text));
        }
        (best_path, listed)
    }

    #[test]
    fn list_decoding_reads_most_texts_at_the_finite_length_bound() {
        for text in ["Ab12", "K7q2Lm4P", "ABCDEFGHIJKLmnop"] {
            let (best_path, listed) = reads_at_the_bound(text, 200);
            assert!(best_path < 140 && listed >= 150, "{text}: best path {best_path}, list {listed} of 200");
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
