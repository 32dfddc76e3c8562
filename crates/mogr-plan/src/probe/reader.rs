//! A bounds-checked cursor over header bytes: every read either succeeds or reports which
//! structure was cut short, so no header can make a probe index out of bounds or panic.

use super::ProbeError;

/// Byte order of multi-byte values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endian {
    Big,
    Little,
}

/// A cursor over `data`; `what` names the structure for truncation errors.
#[derive(Clone, Debug)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8], what: &'static str) -> Reader<'a> {
        Reader { data, pos: 0, what }
    }

    /// The same data, now reporting truncation as `what`.
    pub fn reading(mut self, what: &'static str) -> Reader<'a> {
        self.what = what;
        self
    }

    pub fn truncated(&self) -> ProbeError {
        ProbeError::Truncated { what: self.what }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub fn is_at_end(&self) -> bool {
        self.pos == self.data.len()
    }

    /// Moves to an absolute offset (at most the end).
    pub fn seek(&mut self, pos: usize) -> Result<(), ProbeError> {
        if pos > self.data.len() {
            return Err(self.truncated());
        }
        self.pos = pos;
        Ok(())
    }

    pub fn skip(&mut self, n: usize) -> Result<(), ProbeError> {
        self.bytes(n).map(|_| ())
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], ProbeError> {
        let end = self.pos.checked_add(n).filter(|&end| end <= self.data.len()).ok_or_else(|| self.truncated())?;
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], ProbeError> {
        let bytes = self.bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8, ProbeError> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u16(&mut self, endian: Endian) -> Result<u16, ProbeError> {
        let b = self.array::<2>()?;
        Ok(match endian {
            Endian::Big => u16::from_be_bytes(b),
            Endian::Little => u16::from_le_bytes(b),
        })
    }

    pub fn u24(&mut self, endian: Endian) -> Result<u32, ProbeError> {
        let [a, b, c] = self.array::<3>()?;
        Ok(match endian {
            Endian::Big => u32::from_be_bytes([0, a, b, c]),
            Endian::Little => u32::from_le_bytes([a, b, c, 0]),
        })
    }

    pub fn u32(&mut self, endian: Endian) -> Result<u32, ProbeError> {
        let b = self.array::<4>()?;
        Ok(match endian {
            Endian::Big => u32::from_be_bytes(b),
            Endian::Little => u32::from_le_bytes(b),
        })
    }

    pub fn u64(&mut self, endian: Endian) -> Result<u64, ProbeError> {
        let b = self.array::<8>()?;
        Ok(match endian {
            Endian::Big => u64::from_be_bytes(b),
            Endian::Little => u64::from_le_bytes(b),
        })
    }

    pub fn u16_be(&mut self) -> Result<u16, ProbeError> {
        self.u16(Endian::Big)
    }

    pub fn u32_be(&mut self) -> Result<u32, ProbeError> {
        self.u32(Endian::Big)
    }

    pub fn u16_le(&mut self) -> Result<u16, ProbeError> {
        self.u16(Endian::Little)
    }

    pub fn u32_le(&mut self) -> Result<u32, ProbeError> {
        self.u32(Endian::Little)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_byte_orders_and_stops_at_the_end() {
        let mut r = Reader::new(&[1, 2, 3, 4, 5], "test");
        assert_eq!(r.u16_be(), Ok(0x0102));
        assert_eq!(r.u16_le(), Ok(0x0403));
        assert_eq!(r.u16_be(), Err(ProbeError::Truncated { what: "test" }));
        assert_eq!(r.u8(), Ok(5));
        assert!(r.is_at_end());
        assert!(r.skip(usize::MAX).is_err());
        assert!(r.seek(6).is_err());
    }
}
