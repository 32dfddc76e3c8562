//! The box layer of ISOBMFF (ISO/IEC 14496-12 §4.2): box headers with strict bounds, full
//! boxes, and lookups of children by type.
//!
//! ```text
//! box     = size(u32 BE) type(4cc) [largesize(u64 BE) if size == 1] body
//!           size 0: the box runs to the end of its parent (the end of the file at the top)
//!           size 1: the 64-bit largesize follows the type
//!           the size counts the header; it may not be smaller than the header
//! fullbox = box whose body starts with version(u8) flags(u24 BE)
//! ```
//!
//! A nested box may not run past its parent: that is [`ProbeError::Malformed`]. At the top
//! level the data itself may end early (a cut file): such a box is returned with `cut` set and
//! the walk ends there, so the caller decides whether it needed that box. Fewer than 8 bytes
//! left inside a parent (padding some writers leave) end that parent's walk quietly.
//!
//! Nothing here recurses: callers descend along fixed paths of known box types, so the
//! nesting depth the probe follows is bounded by the code (at most [`MAX_DEPTH`] levels), not
//! by the input.

use crate::probe::ProbeError;
use crate::probe::reader::{Endian, Reader};

/// The deepest nesting the probe descends to
/// (`moov/trak/mdia/minf/stbl/stsd/av01/av1C`).
pub(super) const MAX_DEPTH: usize = 8;

/// One box as found: its type and its body (the bytes after the header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Bx<'a> {
    /// The four-character type.
    pub(super) kind: [u8; 4],
    /// The body, after the header (and largesize).
    pub(super) body: &'a [u8],
    /// At the top level only: the declared size runs past the data, and `body` is the part
    /// that is there.
    pub(super) cut: bool,
}

/// The boxes in a run of bytes, in order: the children of a parent's body, or the top level
/// of a file.
#[derive(Clone, Debug)]
pub(super) struct Boxes<'a> {
    data: &'a [u8],
    pos: usize,
    top: bool,
    done: bool,
}

impl<'a> Boxes<'a> {
    /// The top-level boxes of a file: the last one may be cut by the end of the data.
    pub(super) fn top(data: &'a [u8]) -> Boxes<'a> {
        Boxes { data, pos: 0, top: true, done: false }
    }

    /// The children of a box whose body (after any full-box header) is `body`.
    pub(super) fn children(body: &'a [u8]) -> Boxes<'a> {
        Boxes { data: body, pos: 0, top: false, done: false }
    }

    /// Reads the box at the cursor (see the module docs), or `None` at the end.
    fn next_box(&mut self) -> Result<Option<Bx<'a>>, ProbeError> {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            return Ok(None);
        }
        let mut r = Reader::new(rest, "box header");
        let header = r.u32_be().and_then(|size| Ok((size, r.array::<4>()?)));
        let (size, kind) = match header {
            Ok(header) => header,
            Err(e) if self.top => return Err(e),
            // Trailing padding inside a parent.
            Err(_) => return Ok(None),
        };
        let size = match size {
            0 => u64::try_from(rest.len()).unwrap_or(u64::MAX),
            1 => match r.u64(Endian::Big) {
                Ok(large) => large,
                Err(e) if self.top => return Err(e),
                Err(_) => return Err(malformed("box largesize runs past its parent")),
            },
            n => u64::from(n),
        };
        let header_len = r.position();
        if size < u64::try_from(header_len).unwrap_or(u64::MAX) {
            return Err(malformed("box size is smaller than its header"));
        }
        let (end, cut) = match usize::try_from(size) {
            Ok(end) if end <= rest.len() => (end, false),
            _ if self.top => (rest.len(), true),
            _ => return Err(malformed("box runs past its parent")),
        };
        let body = rest.get(header_len..end).unwrap_or_default();
        self.pos = self.pos.saturating_add(end);
        if cut {
            self.done = true;
        }
        Ok(Some(Bx { kind, body, cut }))
    }
}

impl<'a> Iterator for Boxes<'a> {
    type Item = Result<Bx<'a>, ProbeError>;

    /// The next box; after an error or a cut box, nothing more.
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_box() {
            Ok(Some(b)) => Some(Ok(b)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// A full box's version, flags and the rest of its body.
///
/// `version(u8) flags(u24 BE) rest`
pub(super) fn full(body: &[u8]) -> Result<(u8, u32, &[u8]), ProbeError> {
    let (head, rest) = body.split_at_checked(4).ok_or(malformed("full box is shorter than its version and flags"))?;
    let [version, a, b, c] = <[u8; 4]>::try_from(head).map_err(|_| malformed("full box header"))?;
    Ok((version, u32::from_be_bytes([0, a, b, c]), rest))
}

/// The first child of `body` of type `kind`; errors in the children before it count.
pub(super) fn child<'a>(body: &'a [u8], kind: &[u8; 4]) -> Result<Option<Bx<'a>>, ProbeError> {
    for b in Boxes::children(body) {
        let b = b?;
        if &b.kind == kind {
            return Ok(Some(b));
        }
    }
    Ok(None)
}

/// The box at the end of `path` under `body`: the first child of each type in turn.
/// `path` names plain boxes only (no full-box headers to skip).
pub(super) fn descend<'a>(body: &'a [u8], path: &[&[u8; 4]]) -> Result<Option<Bx<'a>>, ProbeError> {
    let mut found = None;
    let mut here = body;
    for kind in path.iter().take(MAX_DEPTH) {
        match child(here, kind)? {
            Some(b) => {
                here = b.body;
                found = Some(b);
            }
            None => return Ok(None),
        }
    }
    Ok(found)
}

/// A read inside a complete box: running out of bytes there is [`ProbeError::Malformed`]
/// (the box's contents claim more than it holds), not a cut file.
pub(super) fn within<T>(result: Result<T, ProbeError>, what: &'static str) -> Result<T, ProbeError> {
    result.map_err(|_| malformed(what))
}

/// A [`ProbeError::Malformed`].
pub(super) const fn malformed(what: &'static str) -> ProbeError {
    ProbeError::Malformed { what }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(size: u32, kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        [&size.to_be_bytes()[..], kind, body].concat()
    }

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        raw(u32::try_from(body.len() + 8).unwrap(), kind, body)
    }

    /// (type, body length, cut) of each box.
    type Found = Result<([u8; 4], usize, bool), ProbeError>;

    fn kinds(data: &[u8], top: bool) -> Vec<Found> {
        let boxes = if top { Boxes::top(data) } else { Boxes::children(data) };
        boxes.map(|b| b.map(|b| (b.kind, b.body.len(), b.cut))).collect()
    }

    #[test]
    fn walks_sizes_zero_one_and_plain() {
        let mut data = bx(b"free", &[1, 2]);
        data.extend([0, 0, 0, 1]);
        data.extend(b"skip");
        data.extend(19u64.to_be_bytes());
        data.extend([7, 7, 7]);
        data.extend(raw(0, b"mdat", &[9; 5]));
        assert_eq!(
            kinds(&data, false),
            vec![Ok((*b"free", 2, false)), Ok((*b"skip", 3, false)), Ok((*b"mdat", 5, false))]
        );
    }

    #[test]
    fn a_child_may_not_exceed_its_parent_but_a_file_may_be_cut() {
        let data = raw(100, b"mdat", &[0; 10]);
        assert_eq!(kinds(&data, false), vec![Err(malformed("box runs past its parent"))]);
        assert_eq!(kinds(&data, true), vec![Ok((*b"mdat", 10, true))]);
        let huge = [&[0, 0, 0, 1][..], b"mdat", &u64::MAX.to_be_bytes()].concat();
        assert_eq!(kinds(&huge, true), vec![Ok((*b"mdat", 0, true))]);
        assert_eq!(kinds(&huge, false), vec![Err(malformed("box runs past its parent"))]);
    }

    #[test]
    fn rejects_sizes_below_the_header() {
        assert_eq!(kinds(&raw(7, b"free", &[]), false), vec![Err(malformed("box size is smaller than its header"))]);
        let large = [&[0, 0, 0, 1][..], b"free", &15u64.to_be_bytes()].concat();
        assert_eq!(kinds(&large, true), vec![Err(malformed("box size is smaller than its header"))]);
    }

    #[test]
    fn short_tails_end_a_parent_but_cut_a_file() {
        let mut data = bx(b"free", &[]);
        data.extend([0, 0, 0]);
        assert_eq!(kinds(&data, false), vec![Ok((*b"free", 0, false))]);
        assert!(matches!(kinds(&data, true).last(), Some(Err(ProbeError::Truncated { .. }))));
    }

    #[test]
    fn full_boxes_and_paths() {
        assert_eq!(full(&[1, 0, 0, 3, 9]), Ok((1, 3, &[9][..])));
        assert!(full(&[1, 0, 0]).is_err());
        let tree = bx(b"moov", &[bx(b"mvhd", &[]), bx(b"trak", &bx(b"tkhd", &[5]))].concat());
        let tkhd = descend(&tree, &[b"moov", b"trak", b"tkhd"]).unwrap().unwrap();
        assert_eq!(tkhd.body, &[5]);
        assert_eq!(descend(&tree, &[b"moov", b"udta"]), Ok(None));
    }
}
