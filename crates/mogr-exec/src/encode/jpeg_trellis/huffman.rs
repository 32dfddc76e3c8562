//! Optimal Huffman tables from symbol statistics, limited to 16-bit codes.
//!
//! This file owns the Huffman tables of every scan. They are built from the counts of the
//! symbols the scan will actually code (gathered by a counting pass of `entropy.rs`), so each
//! table is optimal for its data, then limited to JPEG's 16-bit maximum:
//!
//! 1. Code lengths by Huffman's algorithm (T.81 K.2): repeatedly merge the two least frequent
//!    groups, every symbol of both gaining one bit. One extra symbol of count 1 is added so
//!    that no real symbol gets the all-ones code (which T.81 reserves).
//! 2. Lengths over 16 are folded back (T.81 K.3): a pair of symbols at the deepest level
//!    moves up one level and a shorter code is split to make room, which keeps the code
//!    complete and costs as little as possible.
//! 3. The reserved symbol's code is dropped, and codes are assigned canonically (T.81 C.2):
//!    symbols sorted by length, then by value.
//!
//! Data flow: counts ([`Frequencies`]) → [`HuffmanTable::from_frequencies`] → BITS/HUFFVAL
//! for the DHT segment (`markers.rs`) and (code, length) per symbol for the bit writer; the
//! trellis takes the code lengths as its rate model ([`HuffmanTable::lengths`]).

/// How often each of the 256 symbols of a table occurs.
pub(super) type Frequencies = [u64; 256];

/// A Huffman table ready for DHT and for encoding.
#[derive(Clone, Debug)]
pub(super) struct HuffmanTable {
    /// BITS: how many codes have each length 1..=16.
    pub(super) counts: [u8; 16],
    /// HUFFVAL: the symbols in code order.
    pub(super) values: Vec<u8>,
    /// Code (right-aligned) and length per symbol; length 0 for a symbol without a code.
    codes: [(u16, u8); 256],
}

/// Symbols plus the reserved one.
const ALPHABET: usize = 257;

impl HuffmanTable {
    /// The optimal length-limited table for `freq`. A table for no symbol at all gets one
    /// code for symbol 0 (a DHT must define at least one).
    pub(super) fn from_frequencies(freq: &Frequencies) -> HuffmanTable {
        let sizes = code_sizes(freq);
        let mut length_counts = [0u32; ALPHABET + 1];
        for &size in &sizes {
            if size > 0
                && let Some(count) = length_counts.get_mut(size)
            {
                *count += 1;
            }
        }
        limit_to_16(&mut length_counts);
        // Symbols in order of their unlimited length, then value; the reserved symbol 256
        // is left out (its code is the one removed by `limit_to_16`).
        let mut symbols: Vec<(usize, u8)> = sizes
            .iter()
            .take(256)
            .enumerate()
            .filter(|&(_, &size)| size > 0)
            .map(|(symbol, &size)| (size, u8::try_from(symbol).unwrap_or(u8::MAX)))
            .collect();
        symbols.sort_unstable();
        let mut counts = [0u8; 16];
        for (count, &n) in counts.iter_mut().zip(length_counts.iter().skip(1)) {
            *count = u8::try_from(n).unwrap_or(u8::MAX);
        }
        let mut values: Vec<u8> = symbols.into_iter().map(|(_, symbol)| symbol).collect();
        if values.is_empty() {
            values.push(0);
            counts = [0; 16];
            counts[0] = 1;
        }
        let codes = canonical_codes(&counts, &values);
        HuffmanTable { counts, values, codes }
    }

    /// The code and its length for `symbol` (length 0: the symbol has no code).
    #[inline]
    pub(super) fn code(&self, symbol: u8) -> (u16, u8) {
        self.codes.get(usize::from(symbol)).copied().unwrap_or((0, 0))
    }

    /// The code length of every symbol (0 where there is no code).
    pub(super) fn lengths(&self) -> [u8; 256] {
        let mut lengths = [0u8; 256];
        for (length, &(_, len)) in lengths.iter_mut().zip(self.codes.iter()) {
            *length = len;
        }
        lengths
    }

    /// The bits `freq` costs with this table (codes only, not extra bits); symbols without a
    /// code count 16 bits.
    pub(super) fn cost(&self, freq: &Frequencies) -> u64 {
        freq.iter().zip(self.codes.iter()).map(|(&n, &(_, len))| n * u64::from(if len == 0 { 16 } else { len })).sum()
    }
}

/// Huffman code sizes for the 256 symbols plus the reserved symbol 256 (count 1), by the
/// merging procedure of T.81 K.2. Symbols with count 0 get size 0.
fn code_sizes(freq: &Frequencies) -> [usize; ALPHABET] {
    let mut weight = [0u64; ALPHABET];
    for (w, &f) in weight.iter_mut().zip(freq.iter()) {
        *w = f;
    }
    if let Some(reserved) = weight.get_mut(256) {
        *reserved = 1;
    }
    let mut sizes = [0usize; ALPHABET];
    // `next[v]`: the next symbol in v's group (a chain), ALPHABET for none.
    let mut next = [ALPHABET; ALPHABET];
    loop {
        // The two least weighted live groups (ties: the higher symbol first, as K.2 does).
        let mut first: Option<(u64, usize)> = None;
        let mut second: Option<(u64, usize)> = None;
        for (v, &w) in weight.iter().enumerate() {
            if w == 0 {
                continue;
            }
            if first.is_none_or(|(fw, _)| w <= fw) {
                second = first;
                first = Some((w, v));
            } else if second.is_none_or(|(sw, _)| w <= sw) {
                second = Some((w, v));
            }
        }
        let (Some((w1, v1)), Some((w2, v2))) = (first, second) else { break };
        if let Some(w) = weight.get_mut(v1) {
            *w = w1 + w2;
        }
        if let Some(w) = weight.get_mut(v2) {
            *w = 0;
        }
        // Every symbol of both groups gains a bit; v2's chain is appended to v1's.
        let mut v = v1;
        loop {
            if let Some(s) = sizes.get_mut(v) {
                *s += 1;
            }
            match next.get(v) {
                Some(&n) if n < ALPHABET => v = n,
                _ => break,
            }
        }
        if let Some(n) = next.get_mut(v) {
            *n = v2;
        }
        let mut v = v2;
        loop {
            if let Some(s) = sizes.get_mut(v) {
                *s += 1;
            }
            match next.get(v) {
                Some(&n) if n < ALPHABET => v = n,
                _ => break,
            }
        }
    }
    sizes
}

/// Folds code lengths over 16 back to 16 (T.81 K.3) and removes the reserved code (one of
/// the longest). `counts[len]` is the number of codes of length `len`.
fn limit_to_16(counts: &mut [u32; ALPHABET + 1]) {
    for i in (17..=ALPHABET).rev() {
        loop {
            let at_i = counts.get(i).copied().unwrap_or(0);
            if at_i == 0 {
                break;
            }
            // The deepest level above i - 1 that has a code to split.
            let mut j = i - 2;
            while j > 0 && counts.get(j).copied().unwrap_or(0) == 0 {
                j -= 1;
            }
            if j == 0 {
                break; // Not possible for a complete code; stop rather than loop.
            }
            if let Some(c) = counts.get_mut(i) {
                *c = c.saturating_sub(2);
            }
            if let Some(c) = counts.get_mut(i - 1) {
                *c += 1;
            }
            if let Some(c) = counts.get_mut(j + 1) {
                *c += 2;
            }
            if let Some(c) = counts.get_mut(j) {
                *c -= 1;
            }
        }
    }
    // Remove the reserved symbol's code: the longest one.
    if let Some(c) = counts.iter_mut().take(17).skip(1).rev().find(|c| **c > 0) {
        *c -= 1;
    }
}

/// Canonical codes (T.81 C.2) for BITS `counts` and HUFFVAL `values`.
fn canonical_codes(counts: &[u8; 16], values: &[u8]) -> [(u16, u8); 256] {
    let mut codes = [(0u16, 0u8); 256];
    let mut code: u32 = 0;
    let mut symbols = values.iter();
    for (length, &n) in (1u8..=16).zip(counts.iter()) {
        for _ in 0..n {
            if let Some(&symbol) = symbols.next()
                && let Some(slot) = codes.get_mut(usize::from(symbol))
            {
                *slot = (u16::try_from(code).unwrap_or(u16::MAX), length);
            }
            code += 1;
        }
        code <<= 1;
    }
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kraft(table: &HuffmanTable) -> f64 {
        table.counts.iter().enumerate().map(|(i, &n)| f64::from(n) / f64::from(1u32 << (i + 1))).sum()
    }

    #[test]
    fn skewed_counts_get_short_codes_and_no_all_ones_code() {
        let mut freq = [0u64; 256];
        freq[0] = 1000;
        freq[1] = 500;
        freq[0x11] = 100;
        freq[0xF0] = 1;
        let table = HuffmanTable::from_frequencies(&freq);
        assert_eq!(table.values.len(), 4);
        assert!(table.code(0).1 <= table.code(1).1 && table.code(1).1 <= table.code(0x11).1);
        assert!(kraft(&table) < 1.0);
        for symbol in [0u8, 1, 0x11, 0xF0] {
            let (code, len) = table.code(symbol);
            assert_ne!(u32::from(code), (1u32 << len) - 1, "all-ones code for {symbol}");
        }
    }

    #[test]
    fn lengths_are_limited_to_16() {
        // Fibonacci counts make a maximally deep tree.
        let mut freq = [0u64; 256];
        let (mut a, mut b) = (1u64, 1u64);
        for f in freq.iter_mut().take(40) {
            *f = a;
            (a, b) = (b, a + b);
        }
        let table = HuffmanTable::from_frequencies(&freq);
        assert_eq!(table.values.len(), 40);
        assert!(table.lengths().iter().all(|&l| l <= 16));
        assert!(kraft(&table) < 1.0);
        let (code, len) = table.code(0);
        assert_ne!(u32::from(code), (1u32 << len) - 1);
    }

    #[test]
    fn one_symbol_and_none() {
        let mut freq = [0u64; 256];
        freq[7] = 3;
        let table = HuffmanTable::from_frequencies(&freq);
        assert_eq!((table.values.clone(), table.code(7)), (vec![7], (0, 1)));
        let empty = HuffmanTable::from_frequencies(&[0u64; 256]);
        assert_eq!(empty.values, vec![0]);
    }
}
