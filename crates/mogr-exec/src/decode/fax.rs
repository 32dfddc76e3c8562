//! CCITT one-dimensional fax coding (ITU-T T.4 Modified Huffman) of TIFF strips: TIFF
//! compression 3 ("Group 3", with T4Options saying 1-D) and 2 ("CCITT RLE", the same codes with
//! every row byte-aligned and no EOLs). The `tiff` crate reads Group 4 only.
//!
//! ```text
//! strip bits (FillOrder 1: most significant bit first; 2: least significant first)
//!   row  = [fill 0s] [EOL 000000000001]… run…      (compression 3: EOLs optional, fill bits
//!                                                   only before an EOL)
//!        | run…, then skip to the next byte         (compression 2)
//!   run  = makeup code (≥ 64)… terminating code (< 64), white and black runs alternating,
//!          starting white (a row starting black begins with a white run of 0), the codes of
//!          T.4 tables 2 and 3 (the `fax` crate's `maps`), until the runs fill the row
//! ──▶ one byte a pixel, 0 for white runs and 1 for black runs (libtiff's convention: the
//!     photometric interpretation then says which is white)
//! ```
//!
//! A strip is decoded row by row into the caller's rows: no allocation. Bad data (no code
//! matches, runs past the row's width, the strip ends before its last row, zeros that are not
//! an EOL) is an [`ExecError::Decode`] naming the row. Two-dimensional coding (T4Options bit 0)
//! and uncompressed mode (bit 1) are [`ExecError::Unsupported`].

use ::fax::BitReader;
use ::fax::maps::{black, white};

use crate::ExecError;

/// T4Options bit 0: rows may be coded two-dimensionally (modified READ).
const T4_TWO_DIMENSIONAL: u32 = 1;
/// T4Options bit 1: uncompressed mode is allowed.
const T4_UNCOMPRESSED: u32 = 2;
/// The bits of an EOL code (eleven zeros, then a one).
const EOL_BITS: u64 = 12;

/// How a strip is coded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Coding {
    /// Rows start on a byte boundary (compression 2).
    pub byte_aligned: bool,
    /// Bits fill each byte from the least significant (FillOrder 2).
    pub lsb_first: bool,
}

impl Coding {
    /// The coding of TIFF `compression` 2 or 3 with these `t4_options` and `fill_order`.
    pub fn of(compression: u16, t4_options: u32, fill_order: u16) -> Result<Coding, ExecError> {
        if compression == 3 && t4_options & T4_TWO_DIMENSIONAL != 0 {
            return Err(ExecError::Unsupported("TIFF Group 3 fax with two-dimensional coding".to_owned()));
        }
        if compression == 3 && t4_options & T4_UNCOMPRESSED != 0 {
            return Err(ExecError::Unsupported("TIFF Group 3 fax with uncompressed mode".to_owned()));
        }
        Ok(Coding { byte_aligned: compression == 2, lsb_first: fill_order == 2 })
    }
}

/// Decodes the rows of one strip: `rows` holds each row's pixels (`width` bytes, one a pixel,
/// 0 white and 1 black) one after the other.
pub(crate) fn decode_strip(strip: &[u8], coding: Coding, width: usize, rows: &mut [u8]) -> Result<(), ExecError> {
    let mut bits = Bits { data: strip, at: 0, lsb_first: coding.lsb_first };
    for (y, row) in rows.chunks_exact_mut(width.max(1)).enumerate() {
        if coding.byte_aligned {
            bits.align();
        } else {
            bits.skip_eols().map_err(|what| row_error(y, what))?;
        }
        decode_row(&mut bits, row).map_err(|what| row_error(y, what))?;
    }
    Ok(())
}

/// The error of row `y` of a strip.
fn row_error(y: usize, what: &str) -> ExecError {
    ExecError::Decode(format!("TIFF fax data, row {y} of the strip: {what}"))
}

/// Decodes one row's runs into `row`.
fn decode_row(bits: &mut Bits, row: &mut [u8]) -> Result<(), &'static str> {
    let mut x = 0usize;
    let mut black_run = false;
    while x < row.len() {
        if bits.exhausted() {
            return Err("the strip ends inside the row");
        }
        let run = usize::from(run_length(bits, black_run).ok_or("no run-length code matches")?);
        if bits.overrun() {
            return Err("the strip ends inside the row");
        }
        let end = x.checked_add(run).filter(|&end| end <= row.len()).ok_or("the runs are longer than the row")?;
        row.get_mut(x..end).unwrap_or_default().fill(u8::from(black_run));
        x = end;
        black_run = !black_run;
    }
    Ok(())
}

/// One run: makeup codes (64 and more) added up to a terminating code (less than 64).
fn run_length(bits: &mut Bits, black_run: bool) -> Option<u16> {
    let mut total = 0u16;
    loop {
        let code = if black_run { black::decode(bits)? } else { white::decode(bits)? };
        total = total.checked_add(code)?;
        if code < 64 {
            return Some(total);
        }
        if bits.exhausted() {
            return None;
        }
    }
}

/// A bit reader over a strip; past its end it reads zeros (a code then fails to match, or
/// [`Bits::exhausted`] stops the caller).
struct Bits<'a> {
    data: &'a [u8],
    /// Position in bits from the start of the strip.
    at: u64,
    lsb_first: bool,
}

impl Bits<'_> {
    /// The byte at `index` in most-significant-first order, 0 past the end.
    fn byte(&self, index: u64) -> u8 {
        let byte = usize::try_from(index).ok().and_then(|i| self.data.get(i)).copied().unwrap_or(0);
        if self.lsb_first { byte.reverse_bits() } else { byte }
    }

    /// Whether every bit has been read.
    fn exhausted(&self) -> bool {
        self.at >= self.data.len() as u64 * 8
    }

    /// Whether a code read past the end (completed by the zeros read there).
    fn overrun(&self) -> bool {
        self.at > self.data.len() as u64 * 8
    }

    /// Moves to the next byte boundary.
    fn align(&mut self) {
        self.at = self.at.next_multiple_of(8);
    }

    /// Skips the EOLs (each after any fill zeros) before a row. Eight zeros in a row start no
    /// run-length code, so they must be fill and EOL.
    fn skip_eols(&mut self) -> Result<(), &'static str> {
        while self.peek(8) == Some(0) && !self.exhausted() {
            let zeros = self.zeros();
            if self.exhausted() {
                return Ok(()); // zero padding at the end of the strip
            }
            if zeros < EOL_BITS - 1 {
                return Err("a run of zeros that is not an EOL");
            }
            self.at += 1;
        }
        Ok(())
    }

    /// Skips zero bits up to the next one (or the end), returning how many.
    fn zeros(&mut self) -> u64 {
        let start = self.at;
        while !self.exhausted() && self.peek(1) == Some(0) {
            if self.at.is_multiple_of(8) && self.byte(self.at / 8) == 0 {
                self.at += 8;
            } else {
                self.at += 1;
            }
        }
        self.at - start
    }
}

impl BitReader for Bits<'_> {
    type Error = ();

    fn peek(&self, bits: u8) -> Option<u16> {
        if bits > 16 {
            return None;
        }
        let first = self.at / 8;
        let window = (u32::from(self.byte(first)) << 16) | (u32::from(self.byte(first + 1)) << 8);
        let window = window | u32::from(self.byte(first + 2));
        let shift = 24 - (self.at % 8) as u32 - u32::from(bits);
        Some(((window >> shift) & ((1u32 << bits) - 1)) as u16)
    }

    fn consume(&mut self, bits: u8) -> Result<(), ()> {
        self.at += u64::from(bits);
        Ok(())
    }

    fn bits_to_byte_boundary(&self) -> u8 {
        ((8 - self.at % 8) % 8) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bits written as a string of 0s and 1s (spaces ignored), most significant first, padded
    /// with zeros to whole bytes.
    fn bytes(bits: &str) -> Vec<u8> {
        let bits: Vec<u8> = bits.bytes().filter(|b| !b.is_ascii_whitespace()).map(|b| b - b'0').collect();
        bits.chunks(8).map(|c| c.iter().enumerate().fold(0u8, |byte, (i, b)| byte | (b << (7 - i)))).collect()
    }

    const PLAIN: Coding = Coding { byte_aligned: false, lsb_first: false };

    #[test]
    fn rows_of_runs_with_and_without_eols() {
        // EOL, white 2 (0111), black 3 (10), white 3 (1000); then a row without EOL: white 0
        // (00110101), black 8 (000101).
        let strip = bytes("000000000001 0111 10 1000  00110101 000101");
        let mut rows = [9u8; 16];
        decode_strip(&strip, PLAIN, 8, &mut rows).unwrap();
        assert_eq!(rows, [0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    }

    #[test]
    fn makeup_codes_add_up_and_fill_order_two_reverses_bits() {
        // White 64 (11011) + 0 (00110101), then black 0 (0000110111) is not needed: 64 wide.
        let strip = bytes("11011 00110101");
        let mut row = [9u8; 64];
        decode_strip(&strip, PLAIN, 64, &mut row).unwrap();
        assert!(row.iter().all(|&p| p == 0));
        let reversed: Vec<u8> = strip.iter().map(|b| b.reverse_bits()).collect();
        let mut row = [9u8; 64];
        decode_strip(&reversed, Coding { byte_aligned: false, lsb_first: true }, 64, &mut row).unwrap();
        assert!(row.iter().all(|&p| p == 0));
    }

    #[test]
    fn byte_aligned_rows_skip_to_the_next_byte() {
        // Two rows of white 4 (1011), each in a byte of its own.
        let strip = bytes("1011 0000 1011");
        let mut rows = [9u8; 8];
        decode_strip(&strip, Coding { byte_aligned: true, lsb_first: false }, 4, &mut rows).unwrap();
        assert_eq!(rows, [0; 8]);
    }

    #[test]
    fn damaged_strips_are_errors_naming_the_row() {
        let error = |strip: &[u8], width: usize, height: usize| {
            let mut rows = vec![0u8; width * height];
            match decode_strip(strip, PLAIN, width, &mut rows) {
                Err(ExecError::Decode(message)) => message,
                other => panic!("{other:?}"),
            }
        };
        // Truncated: one row of two.
        assert!(error(&bytes("0111"), 2, 2).contains("row 1"));
        // Runs longer than the row: white 8 in a row of 4.
        assert!(error(&bytes("10011"), 4, 1).contains("longer than the row"));
        // Nine zeros then a one: not an EOL.
        assert!(error(&bytes("000000000 1 0111"), 2, 1).contains("not an EOL"));
        // No code at all.
        assert!(error(&[], 4, 1).contains("ends inside the row"));
        // Every truncation of a good strip is an error, never a panic.
        let strip = bytes("000000000001 0111 10 1000 000000000001 00110101 000101");
        for n in 0..strip.len() {
            let mut rows = [0u8; 16];
            assert!(decode_strip(&strip[..n], PLAIN, 8, &mut rows).is_err(), "{n}");
        }
        // Garbage never panics nor hangs.
        for seed in 0..200u32 {
            let noise: Vec<u8> =
                (0..64u32).map(|i| (i.wrapping_mul(2_654_435_761) ^ seed.wrapping_mul(40_503)) as u8).collect();
            let mut rows = [0u8; 40 * 10];
            let _ = decode_strip(&noise, PLAIN, 40, &mut rows);
        }
    }
}
