//! Keyed pseudo-randomness: every secret choice of the scheme (chip signs, which cells are pilots,
//! the order data bits are spread in, the scrambling of payload bits, the CRC's initial value)
//! comes from a SplitMix64 stream seeded by FNV-1a of the key and a purpose constant, so one key
//! gives the same watermark on every platform and a different key gives an unrelated one.

/// Purpose constants, so that the streams drawn for different uses never coincide.
pub(crate) mod purpose {
    /// Chip signs of the 256 cells.
    pub(crate) const CHIPS: u64 = 1;
    /// Permutation choosing pilot and data cells.
    pub(crate) const CELLS: u64 = 2;
    /// Scrambling of the channel bits.
    pub(crate) const SCRAMBLE: u64 = 3;
    /// The CRC's initial value.
    pub(crate) const CRC: u64 = 4;
}

/// A deterministic stream of pseudo-random numbers derived from a key.
pub(crate) struct KeyStream {
    state: u64,
}

impl KeyStream {
    /// The stream for `key` and one of the [`purpose`] constants.
    pub(crate) fn new(key: &[u8], purpose: u64) -> Self {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for &byte in key {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Self { state: hash ^ purpose.wrapping_mul(0x9e37_79b9_7f4a_7c15) }
    }

    /// The next 64 random bits (SplitMix64).
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A random sign, +1.0 or -1.0.
    pub(crate) fn sign(&mut self) -> f32 {
        if self.next_u64() >> 63 == 0 { 1.0 } else { -1.0 }
    }

    /// Shuffles `items` in place (Fisher-Yates).
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for upper in (1..items.len()).rev() {
            let bound = upper as u64 + 1;
            let pick = (self.next_u64() % bound) as usize;
            items.swap(upper, pick);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_stream_other_key_other_stream() {
        let first: Vec<u64> = (0..4).map(|_| 0).scan(KeyStream::new(b"k", 1), |s, _: u64| Some(s.next_u64())).collect();
        let again: Vec<u64> = (0..4).map(|_| 0).scan(KeyStream::new(b"k", 1), |s, _: u64| Some(s.next_u64())).collect();
        let other: Vec<u64> = (0..4).map(|_| 0).scan(KeyStream::new(b"K", 1), |s, _: u64| Some(s.next_u64())).collect();
        assert_eq!(first, again);
        assert_ne!(first, other);
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut items: Vec<usize> = (0..100).collect();
        KeyStream::new(b"key", 2).shuffle(&mut items);
        let mut sorted = items.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(items, sorted);
    }
}
