//! The entropy-coded segment's bit writer.
//!
//! This file owns turning Huffman codes and extra bits into bytes: bits go most significant
//! first into a 64-bit accumulator, whole bytes leave it as soon as 32 bits are waiting, and
//! every 0xFF byte is followed by a stuffed 0x00 (T.81 F.1.2.3) so that no marker appears
//! inside the scan. [`BitWriter::finish`] pads the last byte with 1 bits (F.1.2.3 too).
//!
//! Data flow: `entropy.rs` calls [`BitWriter::put`] for every code and extra-bits field of a
//! scan, then `finish`; the bytes are appended to the file after the SOS segment.

/// Writes bits into a byte vector with 0xFF stuffing.
pub(super) struct BitWriter<'a> {
    /// Where the bytes go.
    out: &'a mut Vec<u8>,
    /// Pending bits, right-aligned: the low `count` bits are valid.
    acc: u64,
    /// How many bits of `acc` are pending (< 32 between calls).
    count: u32,
}

impl<'a> BitWriter<'a> {
    /// A writer appending to `out`.
    pub(super) fn new(out: &'a mut Vec<u8>) -> Self {
        BitWriter { out, acc: 0, count: 0 }
    }

    /// Appends the low `len` bits of `bits` (len ≤ 32; higher bits of `bits` are ignored).
    #[inline]
    pub(super) fn put(&mut self, bits: u32, len: u32) {
        if len == 0 {
            return;
        }
        let len = len.min(32);
        let mask = (1u64 << len) - 1;
        self.acc = (self.acc << len) | (u64::from(bits) & mask);
        self.count += len;
        if self.count >= 32 {
            self.count -= 32;
            let word = (self.acc >> self.count) as u32;
            self.emit_word(word);
        }
    }

    /// Emits 4 bytes, stuffing a 0 after each 0xFF.
    #[inline]
    fn emit_word(&mut self, word: u32) {
        let bytes = word.to_be_bytes();
        // Fast path: no 0xFF byte in the word (no zero byte in its complement).
        let inverted = !word;
        if inverted.wrapping_sub(0x0101_0101) & !inverted & 0x8080_8080 == 0 {
            self.out.extend_from_slice(&bytes);
            return;
        }
        for byte in bytes {
            self.out.push(byte);
            if byte == 0xFF {
                self.out.push(0);
            }
        }
    }

    /// Pads the last partial byte with 1 bits and writes what is pending.
    pub(super) fn finish(mut self) {
        let pad = (8 - self.count % 8) % 8;
        if pad > 0 {
            self.acc = (self.acc << pad) | ((1u64 << pad) - 1);
            self.count += pad;
        }
        while self.count >= 8 {
            self.count -= 8;
            let byte = (self.acc >> self.count) as u8;
            self.out.push(byte);
            if byte == 0xFF {
                self.out.push(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_msb_first_and_pads_with_ones() {
        let mut out = Vec::new();
        let mut w = BitWriter::new(&mut out);
        w.put(0b101, 3);
        w.put(0b0, 1);
        w.finish();
        assert_eq!(out, vec![0b1010_1111]);
    }

    #[test]
    fn stuffs_ff() {
        let mut out = Vec::new();
        let mut w = BitWriter::new(&mut out);
        for _ in 0..5 {
            w.put(0xFF, 8);
        }
        w.put(0x12, 8);
        w.put(0x7F, 7);
        w.finish();
        assert_eq!(out, vec![0xFF, 0, 0xFF, 0, 0xFF, 0, 0xFF, 0, 0xFF, 0, 0x12, 0xFF, 0]);
    }

    #[test]
    fn long_fields() {
        let mut out = Vec::new();
        let mut w = BitWriter::new(&mut out);
        w.put(0x1234_5678, 32);
        w.put(0x9A, 8);
        w.finish();
        assert_eq!(out, vec![0x12, 0x34, 0x56, 0x78, 0x9A]);
    }
}
