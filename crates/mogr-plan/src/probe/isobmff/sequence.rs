//! Image sequences (ISO/IEC 23008-12 §7; AVIF `avis`, HEIF `msf1`): the first video track of
//! `moov` gives the frame count, size, coding and play count; an `auxv` track whose sample
//! entry names an alpha auxiliary gives alpha.
//!
//! ```text
//! moov ─ trak ─ tkhd (full) v0: created(u32) modified(u32) track_ID(u32) reserved(u32) duration(u32)
//!             │             v1: created(u64) modified(u64) track_ID(u32) reserved(u32) duration(u64)
//!             │     then reserved(8) layer/group/volume(8) matrix(36) width(16.16) height(16.16)
//!             ├ edts ─ elst (full; flags & 1: repeat) entry_count(u32)
//!             │          { segment_duration u32|u64 (v0|v1) media_time ... }
//!             └ mdia ─ hdlr (full) pre_defined(u32) handler_type(4cc: pict | vide | auxv)
//!                    └ minf ─ stbl ─ stsd (full) entry_count(u32) sample_entry...
//!                                  │   sample entry (av01, hvc1, hev1): reserved(6) dref(u16)
//!                                  │   pre_defined(16) width(u16) height(u16) ... (78 bytes)
//!                                  │   then boxes: av1C | hvcC, auxi (full) aux_track_type(C string)
//!                                  ├ stsz (full) sample_size(u32) sample_count(u32)
//!                                  ├ stz2 (full) reserved(24) field_size(u8) sample_count(u32)
//!                                  └ stts (full) entry_count(u32) { sample_count(u32) delta(u32) }
//! ```
//!
//! Frames: `stsz` (or `stz2`) sample count, else the sum of the `stts` counts (saturating).
//! Size: the sample entry's coded width and height (what a decoder produces), else `tkhd`'s
//! integer part. The play count follows libavif: no edit list says nothing (`None`); an edit
//! list without the repeat flag plays once (`Some(1)`); with it, an indefinite track duration
//! (all ones) or a zero segment duration plays forever (`Some(0)`), else the track plays
//! ⌈track duration / segment duration⌉ times. `tkhd`'s matrix is not applied.

use super::Coding;
use super::boxes::{Boxes, child, descend, full, malformed, within};
use super::config::{self, CodecInfo};
use crate::probe::ProbeError;
use crate::probe::reader::{Endian, Reader};

/// `auxi` types that make an auxiliary track an alpha plane.
const ALPHA_URNS: [&[u8]; 2] = [b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", b"urn:mpeg:hevc:2015:auxid:1"];
/// The fixed part of a `VisualSampleEntry` body, before its child boxes.
const VISUAL_SAMPLE_ENTRY: usize = 78;

/// What the first video track says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Sequence {
    pub(super) coding: Coding,
    /// Coded size; 0 when neither the sample entry nor `tkhd` gives one.
    pub(super) width: u32,
    pub(super) height: u32,
    /// Samples (frames); 0 when the track has no sample table.
    pub(super) frames: u32,
    pub(super) loop_count: Option<u32>,
    pub(super) codec: Option<CodecInfo>,
    /// An alpha auxiliary track is present.
    pub(super) has_alpha: bool,
}

/// One track, as far as this module reads it.
#[derive(Clone, Debug, Default)]
struct Track {
    entry: Option<[u8; 4]>,
    entry_size: (u32, u32),
    tkhd_size: (u32, u32),
    frames: u32,
    loop_count: Option<u32>,
    codec: Option<CodecInfo>,
    alpha: bool,
}

/// Reads the first video (`pict` or `vide`) track of a `moov` body; `None` when there is none.
pub(super) fn read(moov: &[u8]) -> Result<Option<Sequence>, ProbeError> {
    let mut main: Option<Track> = None;
    let mut has_alpha = false;
    for b in Boxes::children(moov) {
        let b = b?;
        if &b.kind != b"trak" {
            continue;
        }
        let handler = match descend(b.body, &[b"mdia", b"hdlr"])? {
            Some(hdlr) => Some(handler(hdlr.body)?),
            None => None,
        };
        match handler.as_ref() {
            Some(b"pict" | b"vide") if main.is_none() => main = Some(track(b.body)?),
            Some(b"auxv") if !has_alpha => has_alpha = track(b.body)?.alpha,
            _ => {}
        }
    }
    Ok(main.map(|t| {
        let (width, height) = if t.entry_size.0 > 0 && t.entry_size.1 > 0 { t.entry_size } else { t.tkhd_size };
        let coding = match t.entry.as_ref() {
            Some(b"av01") => Coding::Av1,
            Some(b"hvc1" | b"hev1") => Coding::Hevc,
            _ => Coding::Other,
        };
        Sequence { coding, width, height, frames: t.frames, loop_count: t.loop_count, codec: t.codec, has_alpha }
    }))
}

/// `hdlr`: the handler type.
fn handler(hdlr: &[u8]) -> Result<[u8; 4], ProbeError> {
    let (_, _, rest) = full(hdlr)?;
    let mut r = Reader::new(rest, "hdlr");
    within(r.skip(4).and_then(|()| r.array::<4>()), "hdlr box is shorter than its handler type")
}

/// Reads one `trak` body.
fn track(trak: &[u8]) -> Result<Track, ProbeError> {
    let mut t = Track::default();
    let mut duration = None;
    if let Some(tkhd) = child(trak, b"tkhd")? {
        let (d, size) = tkhd_fields(tkhd.body)?;
        duration = Some(d);
        t.tkhd_size = size;
    }
    if let Some(elst) = descend(trak, &[b"edts", b"elst"])? {
        t.loop_count = plays(elst.body, duration)?;
    }
    let Some(stbl) = descend(trak, &[b"mdia", b"minf", b"stbl"])? else { return Ok(t) };
    if let Some(stsd) = child(stbl.body, b"stsd")? {
        let (_, _, rest) = full(stsd.body)?;
        let entries = rest.get(4..).ok_or(malformed("stsd box is shorter than its entry count"))?;
        if let Some(entry) = Boxes::children(entries).next().transpose()? {
            t.entry = Some(entry.kind);
            sample_entry(entry.body, &mut t)?;
        }
    }
    t.frames = frames(stbl.body)?;
    Ok(t)
}

/// `tkhd`: the duration (`u64::MAX` when indefinite) and the integer part of width and height.
fn tkhd_fields(body: &[u8]) -> Result<(u64, (u32, u32)), ProbeError> {
    const SHORT: &str = "tkhd box is shorter than its fields";
    let (version, _, rest) = full(body)?;
    let mut r = Reader::new(rest, "tkhd");
    let duration = if version == 1 {
        within(r.skip(24).and_then(|()| r.u64(Endian::Big)), SHORT)?
    } else {
        let d = within(r.skip(16).and_then(|()| r.u32_be()), SHORT)?;
        if d == u32::MAX { u64::MAX } else { u64::from(d) }
    };
    let size = r.skip(52).and_then(|()| Ok((r.u32_be()? >> 16, r.u32_be()? >> 16)));
    Ok((duration, within(size, SHORT)?))
}

/// `elst` with the track duration: the play count (see the module docs).
fn plays(elst: &[u8], duration: Option<u64>) -> Result<Option<u32>, ProbeError> {
    let (version, flags, rest) = full(elst)?;
    if flags & 1 == 0 {
        return Ok(Some(1));
    }
    let mut r = Reader::new(rest, "elst");
    let count = within(r.u32_be(), "elst box is shorter than its entry count")?;
    let segment = if count == 0 {
        0
    } else if version == 1 {
        within(r.u64(Endian::Big), "elst box is shorter than its entries")?
    } else {
        u64::from(within(r.u32_be(), "elst box is shorter than its entries")?)
    };
    Ok(match duration {
        None => None,
        Some(u64::MAX) => Some(0),
        Some(_) if segment == 0 => Some(0),
        Some(d) => Some(u32::try_from(d.div_ceil(segment)).unwrap_or(u32::MAX).max(1)),
    })
}

/// A visual sample entry body: its coded size, codec configuration and `auxi`.
fn sample_entry(body: &[u8], t: &mut Track) -> Result<(), ProbeError> {
    let mut r = Reader::new(body, "sample entry");
    let size = r.skip(24).and_then(|()| Ok((u32::from(r.u16_be()?), u32::from(r.u16_be()?))));
    t.entry_size = within(size, "visual sample entry is shorter than its fields")?;
    let Some(children) = body.get(VISUAL_SAMPLE_ENTRY..) else { return Ok(()) };
    for b in Boxes::children(children) {
        let b = b?;
        match &b.kind {
            b"av1C" if t.codec.is_none() => t.codec = Some(config::av1c(b.body)?),
            b"hvcC" if t.codec.is_none() => t.codec = Some(config::hvcc(b.body)?),
            b"auxi" => {
                let (_, _, rest) = full(b.body)?;
                let urn = rest.split(|&b| b == 0).next().unwrap_or_default();
                t.alpha |= ALPHA_URNS.contains(&urn);
            }
            _ => {}
        }
    }
    Ok(())
}

/// The sample count of a `stbl` body: `stsz`, `stz2`, else the `stts` sum; 0 when none is
/// there.
fn frames(stbl: &[u8]) -> Result<u32, ProbeError> {
    for kind in [b"stsz", b"stz2"] {
        if let Some(b) = child(stbl, kind)? {
            let (_, _, rest) = full(b.body)?;
            let mut r = Reader::new(rest, "stsz");
            return within(r.skip(4).and_then(|()| r.u32_be()), "stsz box is shorter than its sample count");
        }
    }
    let Some(stts) = child(stbl, b"stts")? else { return Ok(0) };
    let (_, _, rest) = full(stts.body)?;
    let mut r = Reader::new(rest, "stts");
    let entries = within(r.u32_be(), "stts box is shorter than its entry count")?;
    let mut total = 0u32;
    // Each turn consumes 8 bytes or fails: the count costs no more than the box.
    for _ in 0..entries {
        let count = within(r.u32_be(), "stts entries run past the end of the box")?;
        within(r.skip(4), "stts entries run past the end of the box")?;
        total = total.saturating_add(count);
    }
    Ok(total)
}
