//! HEIF items (ISO/IEC 23008-12 §6, ISO/IEC 14496-12 §8.11): the primary image item of a
//! `meta` box with a `pict` handler, and what its properties say.
//!
//! ```text
//! meta (full) ─ hdlr (full): pre_defined(u32) handler_type(4cc)          'pict' for images
//!             ─ pitm (full): item_ID u16 (v0) | u32 (v1+)
//!             ─ iinf (full): entry_count u16 (v0) | u32 (v1+), then infe boxes
//!                 infe (full) v2: item_ID(u16) protection(u16) item_type(4cc) ...
//!                             v3: item_ID(u32) protection(u16) item_type(4cc) ...
//!                             v0/v1: item_ID(u16) ... (no type)
//!             ─ iref (full): boxes named by the reference type ('dimg', 'auxl', 'thmb', ...):
//!                 from_item_ID u16|u32 (v0|v1+) reference_count(u16) to_item_ID[count]
//!             ─ iprp ─ ipco: property boxes, numbered from 1 in order
//!                    ─ ipma (full), one or more:
//!                 entry_count(u32) { item_ID u16|u32 (v0|v1+) association_count(u8)
//!                   { essential(1) property_index(7) | essential(1) property_index(15) if flags & 1 } }
//! properties: ispe (full) width(u32) height(u32)    pixi (full) channels(u8) bits(u8)...
//!             irot angle(low 2 bits, × 90° anti-clockwise)
//!             imir axis(low bit; 0: top and bottom exchanged, 1: left and right exchanged)
//!             colr colour_type(4cc: nclx | rICC | prof) ...  auxC (full) aux_type(C string)
//!             av1C, hvcC (see `config`)                       clap (see `clap`); pasp, ...: not read
//! ```
//!
//! The primary item's properties are those of its first `ipma` entry, in association order;
//! `irot` and `imir` compose in that order into the transform. Derived items (`grid`, `iovl`,
//! `iden`) take their coding from their first `dimg` input, followed at most
//! [`MAX_DERIVATION`] steps; where the derived item lacks `pixi`, `colr` or a codec
//! configuration, that input's are used (as libheif does).
//!
//! Several `ipma` boxes are read as one list (ISO/IEC 23008-12 allows only one, but libheif
//! merges them, and link-u's plum-blossom samples have one per item). The size is `ispe`
//! cropped by the first `clap`, as the decoder crops (see `clap`).
//! Essential flags are read past, not enforced: an unknown essential property is the decoder's
//! to refuse.
//!
//! Nothing is collected per item: each question (the type of one item, the first entry of one
//! item, the `auxl` sources of the primary) is a bounded scan of the boxes. The only table is
//! the list of `ipco` children, capped at the 32767 indices `ipma` can name.

use super::Coding;
use super::boxes::{Boxes, Bx, child, full, malformed, within};
use super::clap::Clap;
use super::config::{self, CodecInfo};
#[cfg(doc)]
use crate::probe::Probe;
use crate::probe::reader::Reader;
use crate::probe::{Orientation, ProbeError};

/// The most `ipco` properties `ipma` can name (15-bit indices).
const MAX_PROPERTY_INDEX: usize = 0x7FFF;
/// How many derivation steps (grid of grid, ...) are followed to a coded item.
pub(super) const MAX_DERIVATION: usize = 4;
/// How many auxiliary items of the primary item are examined for alpha.
const MAX_AUX_CANDIDATES: usize = 16;
/// `auxC` types that make an auxiliary image an alpha plane (MIAF/AVIF, then HEVC).
const ALPHA_URNS: [&[u8]; 2] = [b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", b"urn:mpeg:hevc:2015:auxid:1"];
/// Item types whose pixels come from other items referenced by `dimg`.
const DERIVED: [[u8; 4]; 3] = [*b"grid", *b"iovl", *b"iden"];

/// What the primary image item says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Still {
    pub(super) coding: Coding,
    /// `ispe` of the primary item (stored size, before `irot`).
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) bit_depth: Option<u8>,
    pub(super) gray: bool,
    pub(super) has_alpha: bool,
    pub(super) has_icc: bool,
    pub(super) has_exif: bool,
    pub(super) transform: Orientation,
    /// Where the clean aperture starts in the coded picture (see [`Probe::aperture_origin`]).
    pub(super) aperture_origin: Option<(u32, u32)>,
}

/// The `meta` children this module reads (the first of each type).
#[derive(Default)]
struct Meta<'a> {
    hdlr: Option<&'a [u8]>,
    pitm: Option<&'a [u8]>,
    iinf: Option<&'a [u8]>,
    iref: Option<&'a [u8]>,
    iprp: Option<&'a [u8]>,
}

/// Reads the primary image item of a `meta` body; `None` when the handler is not `pict` (no
/// still image here), [`ProbeError::UnsupportedFormat`] when the primary item is neither AV1
/// nor HEVC coded (nor derived from such items).
pub(super) fn read(meta: &[u8]) -> Result<Option<Still>, ProbeError> {
    let (_, _, children) = full(meta)?;
    let mut m = Meta::default();
    for b in Boxes::children(children) {
        let b = b?;
        let slot = match &b.kind {
            b"hdlr" => &mut m.hdlr,
            b"pitm" => &mut m.pitm,
            b"iinf" => &mut m.iinf,
            b"iref" => &mut m.iref,
            b"iprp" => &mut m.iprp,
            _ => continue,
        };
        slot.get_or_insert(b.body);
    }
    match m.hdlr {
        Some(hdlr) if &handler(hdlr)? == b"pict" => {}
        _ => return Ok(None),
    }
    let primary = primary_item(m.pitm.ok_or(malformed("HEIF meta has no pitm box"))?)?;
    let iinf = m.iinf.ok_or(malformed("HEIF meta has no iinf box"))?;
    let iprp = m.iprp.ok_or(malformed("HEIF meta has no iprp box"))?;
    let info = item_info(iinf, primary)?.ok_or(malformed("HEIF primary item has no infe entry"))?;
    let (coding, input) = resolve(iinf, m.iref, primary, info.kind)?;
    if coding == Coding::Other {
        // JPEG, VVC, uncompressed, ... items: not an image mogr decodes.
        return Err(ProbeError::UnsupportedFormat);
    }

    let ipco = child(iprp, b"ipco")?.ok_or(malformed("HEIF iprp has no ipco box"))?;
    let table = property_table(ipco.body)?;
    let own = item_properties(&table, iprp, primary)?;
    let from_input = match input {
        Some(item) => item_properties(&table, iprp, item)?,
        None => Props::default(),
    };
    let (width, height) = own.size.ok_or(malformed("HEIF primary item has no ispe property"))?;
    if width == 0 || height == 0 {
        return Err(malformed("HEIF ispe width or height is 0"));
    }
    let ((width, height), aperture_origin) = own.cropped((width, height));
    let pixi = own.pixi.or(from_input.pixi);
    let codec = own.codec.or(from_input.codec);
    let has_alpha = match m.iref {
        Some(iref) => alpha_for(&table, iprp, iref, primary)?,
        None => false,
    };
    Ok(Some(Still {
        coding,
        width,
        height,
        bit_depth: pixi.map(|(_, depth)| depth).or(codec.map(|c| c.bit_depth)),
        gray: match pixi {
            Some((channels, _)) => channels == 1,
            None => codec.is_some_and(|c| c.gray),
        },
        has_alpha,
        has_icc: own.icc || from_input.icc,
        has_exif: has_item_of_type(iinf, b"Exif")?,
        transform: own.transform,
        aperture_origin,
    }))
}

/// `hdlr`: the handler type.
fn handler(hdlr: &[u8]) -> Result<[u8; 4], ProbeError> {
    let (_, _, rest) = full(hdlr)?;
    let mut r = Reader::new(rest, "hdlr");
    within(r.skip(4).and_then(|()| r.array::<4>()), "hdlr box is shorter than its handler type")
}

/// `pitm`: the primary item's ID.
fn primary_item(pitm: &[u8]) -> Result<u32, ProbeError> {
    let (version, _, rest) = full(pitm)?;
    item_id(&mut Reader::new(rest, "pitm"), version != 0, "pitm box is shorter than its item ID")
}

/// An item ID, 32-bit when `wide`, else 16-bit.
fn item_id(r: &mut Reader<'_>, wide: bool, what: &'static str) -> Result<u32, ProbeError> {
    within(if wide { r.u32_be() } else { r.u16_be().map(u32::from) }, what)
}

/// One `infe` entry: the item's ID and, for versions 2 and 3, its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Infe {
    id: u32,
    kind: Option<[u8; 4]>,
}

/// The `infe` entries of an `iinf` body, in order (entries of unknown versions are skipped).
/// The declared entry count is not used: the boxes present are the entries.
fn infe_entries(iinf: &[u8]) -> Result<impl Iterator<Item = Result<Infe, ProbeError>> + '_, ProbeError> {
    let (version, _, rest) = full(iinf)?;
    let count_len = if version == 0 { 2 } else { 4 };
    let children = rest.get(count_len..).ok_or(malformed("iinf box is shorter than its entry count"))?;
    Ok(Boxes::children(children).filter_map(|b| match b {
        Ok(b) if &b.kind == b"infe" => infe(b.body).transpose(),
        Ok(_) => None,
        Err(e) => Some(Err(e)),
    }))
}

/// Reads one `infe` body; `None` for versions above 3.
fn infe(body: &[u8]) -> Result<Option<Infe>, ProbeError> {
    const SHORT: &str = "infe box is shorter than its fields";
    let (version, _, rest) = full(body)?;
    let mut r = Reader::new(rest, "infe");
    Ok(Some(match version {
        0 | 1 => Infe { id: item_id(&mut r, false, SHORT)?, kind: None },
        2 | 3 => {
            let id = item_id(&mut r, version == 3, SHORT)?;
            let kind = within(r.skip(2).and_then(|()| r.array::<4>()), SHORT)?;
            Infe { id, kind: Some(kind) }
        }
        _ => return Ok(None),
    }))
}

/// The first `infe` entry of item `id`.
fn item_info(iinf: &[u8], id: u32) -> Result<Option<Infe>, ProbeError> {
    for entry in infe_entries(iinf)? {
        let entry = entry?;
        if entry.id == id {
            return Ok(Some(entry));
        }
    }
    Ok(None)
}

/// Whether any item has type `kind`.
fn has_item_of_type(iinf: &[u8], kind: &[u8; 4]) -> Result<bool, ProbeError> {
    for entry in infe_entries(iinf)? {
        if entry?.kind.as_ref() == Some(kind) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The coding of item `item` of type `kind`, following derived items to their first `dimg`
/// input; also that coded input when it is not `item` itself.
fn resolve(
    iinf: &[u8],
    iref: Option<&[u8]>,
    item: u32,
    kind: Option<[u8; 4]>,
) -> Result<(Coding, Option<u32>), ProbeError> {
    let (mut here, mut kind) = (item, kind);
    let input = |here: u32| (here != item).then_some(here);
    for _ in 0..=MAX_DERIVATION {
        match kind.as_ref() {
            Some(b"av01") => return Ok((Coding::Av1, input(here))),
            Some(b"hvc1") => return Ok((Coding::Hevc, input(here))),
            Some(k) if DERIVED.contains(k) => {
                let next = match iref {
                    Some(iref) => first_target(iref, b"dimg", here)?,
                    None => None,
                };
                let Some(next) = next else { return Ok((Coding::Unresolved, None)) };
                let Some(info) = item_info(iinf, next)? else { return Ok((Coding::Unresolved, None)) };
                (here, kind) = (next, info.kind);
            }
            _ => return Ok((Coding::Other, None)),
        }
    }
    Ok((Coding::Unresolved, None))
}

/// One reference box of `iref`: its type, source item and target items.
struct Reference<'a> {
    kind: [u8; 4],
    from: u32,
    to: Targets<'a>,
}

/// The target item IDs of a reference, read as far as the declared count and the box allow.
struct Targets<'a> {
    r: Reader<'a>,
    left: u16,
    wide: bool,
}

impl Iterator for Targets<'_> {
    type Item = Result<u32, ProbeError>;

    /// The next target; an error (once) when the box ends before the declared count.
    fn next(&mut self) -> Option<Self::Item> {
        self.left = self.left.checked_sub(1)?;
        let id = item_id(&mut self.r, self.wide, "iref reference is shorter than its count");
        if id.is_err() {
            self.left = 0;
        }
        Some(id)
    }
}

/// The reference boxes of an `iref` body, in order.
fn references(iref: &[u8]) -> Result<impl Iterator<Item = Result<Reference<'_>, ProbeError>>, ProbeError> {
    let (version, _, rest) = full(iref)?;
    let wide = version != 0;
    Ok(Boxes::children(rest).map(move |b| {
        let b = b?;
        let mut r = Reader::new(b.body, "iref");
        let from = item_id(&mut r, wide, "iref reference is shorter than its header")?;
        let left = within(r.u16_be(), "iref reference is shorter than its header")?;
        Ok(Reference { kind: b.kind, from, to: Targets { r, left, wide } })
    }))
}

/// The first target of the first `kind` reference from `from` that has one.
fn first_target(iref: &[u8], kind: &[u8; 4], from: u32) -> Result<Option<u32>, ProbeError> {
    for reference in references(iref)? {
        let mut reference = reference?;
        if &reference.kind == kind
            && reference.from == from
            && let Some(target) = reference.to.next()
        {
            return target.map(Some);
        }
    }
    Ok(None)
}

/// Whether an item that is an auxiliary (`auxl`) of `primary` is an alpha plane (its `auxC`
/// names an alpha type). At most [`MAX_AUX_CANDIDATES`] auxiliaries are examined.
fn alpha_for(table: &[Bx<'_>], iprp: &[u8], iref: &[u8], primary: u32) -> Result<bool, ProbeError> {
    let mut candidates = 0;
    for reference in references(iref)? {
        let reference = reference?;
        if &reference.kind != b"auxl" {
            continue;
        }
        let mut refers = false;
        for target in reference.to {
            if target? == primary {
                refers = true;
                break;
            }
        }
        if !refers {
            continue;
        }
        candidates += 1;
        if candidates > MAX_AUX_CANDIDATES {
            break;
        }
        if item_properties(table, iprp, reference.from)?.alpha {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The children of `ipco`, in order: property `i` is entry `i - 1`.
fn property_table(ipco: &[u8]) -> Result<Vec<Bx<'_>>, ProbeError> {
    Boxes::children(ipco).take(MAX_PROPERTY_INDEX).collect()
}

/// The property indices (1-based, essential flag dropped) of one `ipma` entry.
struct Associations<'a> {
    bytes: &'a [u8],
    wide: bool,
}

impl Iterator for Associations<'_> {
    type Item = usize;

    /// The next property index (0 means none).
    fn next(&mut self) -> Option<usize> {
        if self.wide {
            let (&[hi, lo], rest) = self.bytes.split_first_chunk::<2>()?;
            self.bytes = rest;
            Some(usize::from(u16::from_be_bytes([hi & 0x7F, lo])))
        } else {
            let (&b, rest) = self.bytes.split_first()?;
            self.bytes = rest;
            Some(usize::from(b & 0x7F))
        }
    }
}

/// The first `ipma` entry of `item`, searching every `ipma` box of `iprp` in order.
fn first_entry<'a>(iprp: &'a [u8], item: u32) -> Result<Option<Associations<'a>>, ProbeError> {
    const SHORT: &str = "ipma entries run past the end of the box";
    for b in Boxes::children(iprp) {
        let b = b?;
        if &b.kind != b"ipma" {
            continue;
        }
        let (version, flags, rest) = full(b.body)?;
        let wide = flags & 1 != 0;
        let mut r = Reader::new(rest, "ipma");
        let count = within(r.u32_be(), SHORT)?;
        // Each turn consumes at least 3 bytes or fails: the count costs no more than the box.
        for _ in 0..count {
            let id = item_id(&mut r, version != 0, SHORT)?;
            let n = usize::from(within(r.u8(), SHORT)?);
            let bytes = within(r.bytes(if wide { n * 2 } else { n }), SHORT)?;
            if id == item {
                return Ok(Some(Associations { bytes, wide }));
            }
        }
    }
    Ok(None)
}

/// What one item's properties say.
#[derive(Clone, Copy, Debug, Default)]
struct Props {
    /// The first `ispe`.
    size: Option<(u32, u32)>,
    /// The first `pixi` with channels of a non-zero depth: (channels, bits of the first).
    pixi: Option<(u8, u8)>,
    /// The first `av1C` or `hvcC`.
    codec: Option<CodecInfo>,
    /// A `colr` with an ICC profile.
    icc: bool,
    /// An `auxC` naming an alpha plane.
    alpha: bool,
    /// `irot` and `imir`, composed in association order.
    transform: Orientation,
    /// The first `clap`, and the transform (`irot`, `imir`) associated before it.
    clap: Option<(Clap, Orientation)>,
}

/// The properties of `item` through its first `ipma` entry.
fn item_properties(table: &[Bx<'_>], iprp: &[u8], item: u32) -> Result<Props, ProbeError> {
    let mut props = Props::default();
    let Some(associations) = first_entry(iprp, item)? else { return Ok(props) };
    for index in associations {
        let Some(slot) = index.checked_sub(1) else { continue };
        let property = table.get(slot).ok_or(malformed("ipma names a property that ipco does not hold"))?;
        props.apply(property)?;
    }
    Ok(props)
}

impl Props {
    /// The stored `size` after the clean aperture, and where it starts in the coded picture.
    /// `clap` crops the image as it is at its place in the association order (turned when an
    /// `irot` before it swapped the sides), and the crop size is given back in stored
    /// orientation; its origin only when no transform came before it (as MIAF requires).
    /// An aperture that cannot be applied (nothing left, outside the image) is ignored here:
    /// the size stays `ispe`'s and the decoder refuses the file (libheif does).
    fn cropped(&self, size: (u32, u32)) -> ((u32, u32), Option<(u32, u32)>) {
        let Some((clap, before)) = self.clap else { return (size, None) };
        if before.swaps_sides() {
            return match clap.crop(size.1, size.0) {
                Ok((_, _, w, h)) => ((h, w), None),
                Err(_) => (size, None),
            };
        }
        match clap.crop(size.0, size.1) {
            Ok((x, y, w, h)) => ((w, h), (before == Orientation::TopLeft && (w, h) != size).then_some((x, y))),
            Err(_) => (size, None),
        }
    }

    /// Takes in one property (see the module docs for the layouts).
    fn apply(&mut self, property: &Bx<'_>) -> Result<(), ProbeError> {
        let body = property.body;
        match &property.kind {
            b"ispe" if self.size.is_none() => {
                let (_, _, rest) = full(body)?;
                let mut r = Reader::new(rest, "ispe");
                let size = r.u32_be().and_then(|w| Ok((w, r.u32_be()?)));
                self.size = Some(within(size, "ispe box is shorter than its width and height")?);
            }
            b"pixi" if self.pixi.is_none() => {
                let (_, _, rest) = full(body)?;
                if let [channels, bits, ..] = *rest {
                    // A channel of 0 bits says nothing usable: fall back to the codec's depth
                    // (found by fuzzing: testdata/regression/probe/avif-pixi-channel-of-0-bits.avif).
                    if channels > 0 && bits > 0 {
                        self.pixi = Some((channels, bits));
                    }
                } else if rest.first().is_some_and(|&channels| channels > 0) {
                    return Err(malformed("pixi box is shorter than its channel count"));
                }
            }
            b"av1C" if self.codec.is_none() => self.codec = Some(config::av1c(body)?),
            b"hvcC" if self.codec.is_none() => self.codec = Some(config::hvcc(body)?),
            b"colr" => {
                let kind = body.first_chunk::<4>().ok_or(malformed("colr box is shorter than its type"))?;
                self.icc |= kind == b"rICC" || kind == b"prof";
            }
            b"auxC" => {
                let (_, _, rest) = full(body)?;
                let urn = rest.split(|&b| b == 0).next().unwrap_or_default();
                self.alpha |= ALPHA_URNS.contains(&urn);
            }
            b"clap" if self.clap.is_none() => {
                // A clap that cannot be read is left to the decoder to refuse, as a crop
                // that cannot be applied is (see `cropped`).
                self.clap = Clap::read(body).ok().map(|clap| (clap, self.transform));
            }
            b"irot" => {
                let angle = body.first().ok_or(malformed("irot box is empty"))? & 3;
                // `angle` quarter turns anti-clockwise = (4 - angle) % 4 clockwise.
                self.transform = self.transform.then(Orientation::from_parts(false, (4 - angle) % 4));
            }
            b"imir" => {
                // ISO/IEC 23008-12:2022 §6.5.12 (as libavif and libheif apply it): axis 0
                // exchanges top and bottom (EXIF 4), axis 1 left and right (EXIF 2).
                let axis = body.first().ok_or(malformed("imir box is empty"))? & 1;
                let mirror =
                    if axis == 0 { Orientation::from_parts(true, 2) } else { Orientation::from_parts(true, 0) };
                self.transform = self.transform.then(mirror);
            }
            _ => {}
        }
        Ok(())
    }
}
