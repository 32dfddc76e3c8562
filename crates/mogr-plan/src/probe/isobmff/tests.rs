//! Synthetic HEIF/AVIF files for the edge cases of the ISOBMFF probe.

use super::*;
use crate::probe::Orientation;

/// A box of `kind` holding `parts`.
fn bx(kind: &[u8; 4], parts: &[&[u8]]) -> Vec<u8> {
    let body = parts.concat();
    [&u32::try_from(body.len() + 8).unwrap().to_be_bytes()[..], kind, &body].concat()
}

/// A full box of `kind`.
fn fbx(kind: &[u8; 4], version: u8, flags: u32, parts: &[&[u8]]) -> Vec<u8> {
    let f = flags.to_be_bytes();
    bx(kind, &[&[&[version, f[1], f[2], f[3]][..]], parts].concat())
}

fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
    let brands: Vec<u8> = compatible.iter().flat_map(|b| b.iter().copied()).collect();
    bx(b"ftyp", &[major, &[0, 0, 0, 0], &brands])
}

fn hdlr(handler: &[u8; 4]) -> Vec<u8> {
    fbx(b"hdlr", 0, 0, &[&[0; 4], handler, &[0; 13]])
}

fn pitm(id: u16) -> Vec<u8> {
    fbx(b"pitm", 0, 0, &[&id.to_be_bytes()])
}

fn infe(id: u16, kind: &[u8; 4]) -> Vec<u8> {
    fbx(b"infe", 2, 0, &[&id.to_be_bytes(), &[0, 0], kind, b"\0"])
}

fn iinf(entries: &[Vec<u8>]) -> Vec<u8> {
    let count = u16::try_from(entries.len()).unwrap().to_be_bytes();
    fbx(b"iinf", 0, 0, &[&count, &entries.concat()])
}

/// `iref` v0 with (type, from, to...) references.
fn iref(refs: &[(&[u8; 4], u16, &[u16])]) -> Vec<u8> {
    let boxes: Vec<Vec<u8>> = refs
        .iter()
        .map(|(kind, from, to)| {
            let ids: Vec<u8> = to.iter().flat_map(|id| id.to_be_bytes()).collect();
            bx(kind, &[&from.to_be_bytes(), &u16::try_from(to.len()).unwrap().to_be_bytes(), &ids])
        })
        .collect();
    fbx(b"iref", 0, 0, &[&boxes.concat()])
}

fn ispe(w: u32, h: u32) -> Vec<u8> {
    fbx(b"ispe", 0, 0, &[&w.to_be_bytes(), &h.to_be_bytes()])
}

fn pixi(bits: &[u8]) -> Vec<u8> {
    fbx(b"pixi", 0, 0, &[&[u8::try_from(bits.len()).unwrap()], bits])
}

fn av1c(flags: u8) -> Vec<u8> {
    bx(b"av1C", &[&[0x81, 0x05, flags, 0]])
}

fn hvcc(chroma: u8, luma_minus8: u8) -> Vec<u8> {
    let mut b = [0u8; 23];
    b[0] = 1;
    b[16] = 0xfc | chroma;
    b[17] = 0xf8 | luma_minus8;
    b[18] = 0xf8 | luma_minus8;
    bx(b"hvcC", &[&b])
}

fn colr(kind: &[u8; 4]) -> Vec<u8> {
    bx(b"colr", &[kind, &[0; 8]])
}

fn auxc(urn: &str) -> Vec<u8> {
    fbx(b"auxC", 0, 0, &[urn.as_bytes(), b"\0"])
}

fn irot(angle: u8) -> Vec<u8> {
    bx(b"irot", &[&[angle]])
}

fn imir(axis: u8) -> Vec<u8> {
    bx(b"imir", &[&[axis]])
}

/// `ipma` v0, 7-bit indices: (item, [index | 0x80 when essential]).
fn ipma(entries: &[(u16, &[u8])]) -> Vec<u8> {
    let mut body = u32::try_from(entries.len()).unwrap().to_be_bytes().to_vec();
    for (id, indices) in entries {
        body.extend(id.to_be_bytes());
        body.push(u8::try_from(indices.len()).unwrap());
        body.extend(*indices);
    }
    fbx(b"ipma", 0, 0, &[&body])
}

fn iprp(properties: &[Vec<u8>], ipmas: &[Vec<u8>]) -> Vec<u8> {
    bx(b"iprp", &[&bx(b"ipco", &[&properties.concat()]), &ipmas.concat()])
}

fn meta(children: &[Vec<u8>]) -> Vec<u8> {
    fbx(b"meta", 0, 0, &[&children.concat()])
}

/// An AVIF file: item 1 (`av01`) with `properties`, associated as `associations`.
fn avif(properties: &[Vec<u8>], associations: &[u8]) -> Vec<u8> {
    [
        ftyp(b"avif", &[b"mif1", b"miaf"]),
        meta(&[hdlr(b"pict"), pitm(1), iinf(&[infe(1, b"av01")]), iprp(properties, &[ipma(&[(1, associations)])])]),
        bx(b"mdat", &[&[0; 16]]),
    ]
    .concat()
}

/// A 3x2 HEIC grid (item 10) of two `hvc1` tiles (1, 2) with an `Exif` item (3), an alpha
/// auxiliary (4) of the grid, and a depth auxiliary (5).
fn heic_grid() -> Vec<u8> {
    let properties = [
        hvcc(1, 2),                         // 1
        ispe(512, 512),                     // 2
        ispe(4032, 3024),                   // 3
        irot(3),                            // 4
        pixi(&[10, 10, 10]),                // 5
        colr(b"prof"),                      // 6
        auxc("urn:mpeg:hevc:2015:auxid:1"), // 7
        auxc("urn:mpeg:hevc:2015:auxid:2"), // 8
        hvcc(0, 0),                         // 9
    ];
    let associations =
        ipma(&[(1, &[0x81, 2, 5, 6]), (2, &[0x81, 2, 5, 6]), (10, &[3, 0x84]), (4, &[0x89, 2, 7]), (5, &[0x89, 2, 8])]);
    [
        ftyp(b"heic", &[b"mif1", b"heic"]),
        meta(&[
            hdlr(b"pict"),
            pitm(10),
            iinf(&[
                infe(1, b"hvc1"),
                infe(2, b"hvc1"),
                infe(3, b"Exif"),
                infe(4, b"hvc1"),
                infe(5, b"hvc1"),
                infe(10, b"grid"),
            ]),
            iref(&[(b"dimg", 10, &[1, 2]), (b"cdsc", 3, &[10]), (b"auxl", 5, &[10]), (b"auxl", 4, &[10])]),
            iprp(&properties, &[associations]),
        ]),
        bx(b"mdat", &[&[0; 64]]),
    ]
    .concat()
}

fn size(p: &Probe) -> (u32, u32) {
    (p.width, p.height)
}

#[test]
fn reads_a_minimal_avif() {
    let p = probe(&avif(&[ispe(64, 48), pixi(&[8, 8, 8]), av1c(0x0c)], &[1, 2, 0x83])).unwrap();
    assert_eq!((p.format, size(&p), p.bit_depth, p.color), (ImageFormat::Avif, (64, 48), 8, ColorModel::Rgb));
    assert_eq!((p.frames, p.loop_count, p.has_alpha, p.has_icc, p.has_exif), (1, None, false, false, false));
    assert_eq!((p.orientation, p.transform, p.decoded_size()), (Orientation::TopLeft, Orientation::TopLeft, (64, 48)));
}

#[test]
fn depth_and_monochrome_come_from_pixi_else_av1c() {
    let p = probe(&avif(&[ispe(64, 48), av1c(0x4c)], &[1, 2])).unwrap();
    assert_eq!((p.bit_depth, p.color), (10, ColorModel::Rgb));
    let p = probe(&avif(&[ispe(64, 48), av1c(0x6c)], &[1, 2])).unwrap();
    assert_eq!(p.bit_depth, 12);
    let p = probe(&avif(&[ispe(64, 48), av1c(0x1c)], &[1, 2])).unwrap();
    assert_eq!((p.bit_depth, p.color), (8, ColorModel::Gray));
    let p = probe(&avif(&[ispe(64, 48), pixi(&[10]), av1c(0x4c)], &[1, 2, 3])).unwrap();
    assert_eq!((p.bit_depth, p.color), (10, ColorModel::Gray));
    let p = probe(&avif(&[ispe(64, 48), colr(b"rICC"), colr(b"nclx")], &[1, 2, 3])).unwrap();
    assert!(p.has_icc);
    let p = probe(&avif(&[ispe(64, 48), colr(b"nclx")], &[1, 2])).unwrap();
    assert!(!p.has_icc);
}

#[test]
fn irot_and_imir_compose_in_ipma_order() {
    let transform = |props: &[Vec<u8>]| {
        let all = [&[ispe(40, 30)], props].concat();
        let indices: Vec<u8> = (1..=u8::try_from(all.len()).unwrap()).collect();
        probe(&avif(&all, &indices)).unwrap().transform
    };
    // irot angles are anti-clockwise quarter turns.
    assert_eq!(transform(&[irot(0)]), Orientation::TopLeft);
    assert_eq!(transform(&[irot(1)]), Orientation::LeftBottom);
    assert_eq!(transform(&[irot(2)]), Orientation::BottomRight);
    assert_eq!(transform(&[irot(3)]), Orientation::RightTop);
    assert_eq!(transform(&[irot(0xFD)]), Orientation::LeftBottom);
    // imir axis 0 exchanges top and bottom, axis 1 left and right (ISO/IEC 23008-12:2022).
    assert_eq!(transform(&[imir(0)]), Orientation::BottomLeft);
    assert_eq!(transform(&[imir(1)]), Orientation::TopRight);
    assert_eq!(transform(&[imir(0xFE)]), Orientation::BottomLeft);
    // Rotate 90° anti-clockwise, then exchange top and bottom: the transpose.
    assert_eq!(transform(&[irot(1), imir(0)]), Orientation::LeftTop);
    // Exchange left and right, then rotate 90° anti-clockwise: the transpose too.
    assert_eq!(transform(&[imir(1), irot(1)]), Orientation::LeftTop);
    // Rotate 90° anti-clockwise, then exchange left and right: the anti-transpose.
    assert_eq!(transform(&[irot(1), imir(1)]), Orientation::RightBottom);
    assert_eq!(transform(&[irot(2), irot(2)]), Orientation::TopLeft);
    let p = probe(&avif(&[ispe(40, 30), irot(1)], &[1, 2])).unwrap();
    assert_eq!((size(&p), p.decoded_size(), p.orientation), ((40, 30), (30, 40), Orientation::TopLeft));
    // Only the primary item's own associations count.
    let p = probe(&avif(&[ispe(40, 30), irot(1)], &[1])).unwrap();
    assert_eq!(p.transform, Orientation::TopLeft);
}

#[test]
fn reads_a_heic_grid_through_its_tiles() {
    let p = probe(&heic_grid()).unwrap();
    assert_eq!((p.format, size(&p), p.decoded_size()), (ImageFormat::Heif, (4032, 3024), (3024, 4032)));
    assert_eq!((p.transform, p.orientation), (Orientation::RightTop, Orientation::TopLeft));
    // pixi and colr of the first tile, since the grid has none.
    assert_eq!((p.bit_depth, p.color, p.has_icc, p.has_exif, p.has_alpha), (10, ColorModel::Rgb, true, true, true));
}

#[test]
fn alpha_needs_an_alpha_auxiliary_of_the_primary() {
    // Only the depth auxiliary refers to the grid.
    let file = heic_grid();
    let at = file.windows(6).position(|w| w == b"auxl\x00\x04").unwrap();
    let mut depth_only = file.clone();
    depth_only[at + 9] = 9; // the alpha item now refers to item 9, not the grid (10)
    assert!(!probe(&depth_only).unwrap().has_alpha);
    // An alpha auxiliary of a thumbnail, not of the primary.
    let thumb = [
        ftyp(b"avif", &[b"mif1"]),
        meta(&[
            hdlr(b"pict"),
            pitm(1),
            iinf(&[infe(1, b"av01"), infe(2, b"av01"), infe(3, b"av01")]),
            iref(&[(b"thmb", 2, &[1]), (b"auxl", 3, &[2])]),
            iprp(
                &[ispe(8, 8), auxc("urn:mpeg:mpegB:cicp:systems:auxiliary:alpha")],
                &[ipma(&[(1, &[1]), (2, &[1]), (3, &[1, 2])])],
            ),
        ]),
    ]
    .concat();
    assert!(!probe(&thumb).unwrap().has_alpha);
    let alpha = [
        ftyp(b"avif", &[b"mif1"]),
        meta(&[
            hdlr(b"pict"),
            pitm(1),
            iinf(&[infe(1, b"av01"), infe(3, b"av01")]),
            iref(&[(b"auxl", 3, &[2, 1])]),
            iprp(
                &[ispe(8, 8), auxc("urn:mpeg:mpegB:cicp:systems:auxiliary:alpha")],
                &[ipma(&[(1, &[1]), (3, &[1, 2])])],
            ),
        ]),
    ]
    .concat();
    assert!(probe(&alpha).unwrap().has_alpha);
}

#[test]
fn exif_orientation_is_never_the_orientation() {
    // heic_grid has an Exif item; whatever it says, the orientation stays upright.
    let p = probe(&heic_grid()).unwrap();
    assert!(p.has_exif);
    assert_eq!(p.orientation, Orientation::TopLeft);
}

#[test]
fn several_ipma_boxes_are_one_list() {
    let file = [
        ftyp(b"avif", &[b"mif1"]),
        meta(&[
            hdlr(b"pict"),
            pitm(2),
            iinf(&[infe(1, b"av01"), infe(2, b"av01")]),
            iprp(
                &[ispe(8, 8), ispe(16, 12), irot(2)],
                &[ipma(&[(1, &[1])]), ipma(&[(2, &[2, 3])]), ipma(&[(2, &[1])])],
            ),
        ]),
    ]
    .concat();
    let p = probe(&file).unwrap();
    // The first entry of item 2 counts.
    assert_eq!((size(&p), p.transform), ((16, 12), Orientation::BottomRight));
}

#[test]
fn wide_ids_and_wide_indices() {
    // pitm v1, infe v3, iref v1, ipma v1 with flags 1: 32-bit IDs and 15-bit indices.
    let id = 0x0001_0002u32.to_be_bytes();
    let mut props: Vec<Vec<u8>> = (0..200).map(|_| bx(b"free", &[])).collect();
    props.push(ispe(300, 200)); // 201
    props.push(pixi(&[12, 12, 12])); // 202
    let ipma_body =
        [&1u32.to_be_bytes()[..], &id, &[2], &(0x8000u16 | 201).to_be_bytes(), &202u16.to_be_bytes()].concat();
    let file = [
        ftyp(b"avif", &[b"mif1"]),
        meta(&[
            hdlr(b"pict"),
            fbx(b"pitm", 1, 0, &[&id]),
            fbx(b"iinf", 1, 0, &[&1u32.to_be_bytes(), &fbx(b"infe", 3, 0, &[&id, &[0, 0], b"av01", b"\0"])]),
            iprp(&props, &[fbx(b"ipma", 1, 1, &[&ipma_body])]),
        ]),
    ]
    .concat();
    let p = probe(&file).unwrap();
    assert_eq!((size(&p), p.bit_depth), ((300, 200), 12));
}

#[test]
fn format_from_the_coding_else_the_brands() {
    // A grid whose inputs are missing: the brands decide.
    let grid = |major: &[u8; 4], compatible: &[&[u8; 4]]| {
        [
            ftyp(major, compatible),
            meta(&[hdlr(b"pict"), pitm(1), iinf(&[infe(1, b"grid")]), iprp(&[ispe(8, 8)], &[ipma(&[(1, &[1])])])]),
        ]
        .concat()
    };
    assert_eq!(probe(&grid(b"heic", &[b"mif1"])).map(|p| p.format), Ok(ImageFormat::Heif));
    assert_eq!(probe(&grid(b"mif1", &[b"heic", b"avif"])).map(|p| p.format), Ok(ImageFormat::Avif));
    assert_eq!(probe(&grid(b"mif1", &[b"miaf"])), Err(ProbeError::UnsupportedFormat));
    // The item's coding wins over the brands.
    let mut hevc_in_avif = avif(&[ispe(8, 8)], &[1]);
    let at = hevc_in_avif.windows(4).position(|w| w == b"av01").unwrap();
    hevc_in_avif[at..at + 4].copy_from_slice(b"hvc1");
    assert_eq!(probe(&hevc_in_avif).map(|p| p.format), Ok(ImageFormat::Heif));
    // JPEG-coded HEIF items are not decoded by mogr.
    hevc_in_avif[at..at + 4].copy_from_slice(b"jpeg");
    assert_eq!(probe(&hevc_in_avif), Err(ProbeError::UnsupportedFormat));
}

#[test]
fn other_isobmff_files_are_unsupported() {
    let mp4 = [ftyp(b"isom", &[b"isom", b"iso2", b"mp41"]), bx(b"moov", &[]), bx(b"mdat", &[])].concat();
    assert_eq!(probe(&mp4), Err(ProbeError::UnsupportedFormat));
    let not_pict = [ftyp(b"mif1", &[b"mif1"]), meta(&[hdlr(b"mdir")])].concat();
    assert_eq!(probe(&not_pict), Err(ProbeError::UnsupportedFormat));
    assert_eq!(probe(b"\0\0\0\x08moov"), Err(ProbeError::UnsupportedFormat));
    assert_eq!(probe(b""), Err(ProbeError::UnsupportedFormat));
}

#[test]
fn malformed_headers() {
    let err = |file: Vec<u8>| match probe(&file) {
        Err(ProbeError::Malformed { what }) => what,
        other => panic!("{other:?}"),
    };
    assert_eq!(err(avif(&[ispe(0, 48)], &[1])), "HEIF ispe width or height is 0");
    assert_eq!(err(avif(&[pixi(&[8])], &[1])), "HEIF primary item has no ispe property");
    assert_eq!(err(avif(&[ispe(8, 8)], &[1, 2])), "ipma names a property that ipco does not hold");
    assert_eq!(err(avif(&[bx(b"ispe", &[&[0; 6]])], &[1])), "ispe box is shorter than its width and height");
    let no_pitm = [ftyp(b"avif", &[]), meta(&[hdlr(b"pict")])].concat();
    assert_eq!(err(no_pitm), "HEIF meta has no pitm box");
    let mut bad_child = avif(&[ispe(8, 8)], &[1]);
    let at = bad_child.windows(4).position(|w| w == b"ispe").unwrap();
    bad_child[at - 1] = 0xff; // ispe claims 255 bytes inside a smaller ipco
    assert_eq!(err(bad_child), "box runs past its parent");
}

/// An AVIF sequence: still item 1 (optional) and a track of `frames` via `stsz` or `stts`,
/// with an optional edit list and alpha track.
fn avis(still: bool, sample_table: Vec<u8>, elst: Option<Vec<u8>>, alpha_track: bool) -> Vec<u8> {
    let tkhd = fbx(
        b"tkhd",
        0,
        3,
        &[&[0; 16], &500u32.to_be_bytes(), &[0; 52], &(159u32 << 16).to_be_bytes(), &(157u32 << 16).to_be_bytes()],
    );
    let entry = |children: &[u8]| {
        let mut fixed = [0u8; 78];
        fixed[24..26].copy_from_slice(&159u16.to_be_bytes());
        fixed[26..28].copy_from_slice(&158u16.to_be_bytes());
        bx(b"av01", &[&fixed, children])
    };
    let track = |handler: &[u8; 4], entry: Vec<u8>, elst: Option<&Vec<u8>>| {
        let stbl = bx(b"stbl", &[&fbx(b"stsd", 0, 0, &[&1u32.to_be_bytes(), &entry]), &sample_table]);
        let edts = elst.map(|e| bx(b"edts", &[e])).unwrap_or_default();
        bx(b"trak", &[&tkhd, &edts, &bx(b"mdia", &[&hdlr(handler), &bx(b"minf", &[&stbl])])])
    };
    let mut moov = vec![track(b"pict", entry(&av1c(0x4c)), elst.as_ref())];
    if alpha_track {
        let auxi = fbx(b"auxi", 0, 0, &[b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha\0"]);
        moov.push(track(b"auxv", entry(&[av1c(0x1c), auxi].concat()), None));
    }
    let mut file = ftyp(b"avis", &[b"avis", b"msf1", b"miaf"]);
    if still {
        file.extend(meta(&[
            hdlr(b"pict"),
            pitm(1),
            iinf(&[infe(1, b"av01")]),
            iprp(&[ispe(160, 160), av1c(0x0c)], &[ipma(&[(1, &[1, 2])])]),
        ]));
    }
    file.extend(bx(b"moov", &[&moov.concat()]));
    file.extend(bx(b"mdat", &[&[0; 8]]));
    file
}

fn stsz(count: u32) -> Vec<u8> {
    fbx(b"stsz", 0, 0, &[&[0; 4], &count.to_be_bytes()])
}

fn stts(counts: &[u32]) -> Vec<u8> {
    let entries: Vec<u8> = counts.iter().flat_map(|c| [c.to_be_bytes(), 1u32.to_be_bytes()].concat()).collect();
    fbx(b"stts", 0, 0, &[&u32::try_from(counts.len()).unwrap().to_be_bytes(), &entries])
}

fn elst(flags: u32, segment: u32) -> Vec<u8> {
    fbx(b"elst", 0, flags, &[&1u32.to_be_bytes(), &segment.to_be_bytes(), &[0; 4], &[0, 1, 0, 0]])
}

#[test]
fn sequences_count_frames() {
    let p = probe(&avis(false, stsz(5), None, false)).unwrap();
    assert_eq!((p.format, size(&p), p.frames, p.loop_count), (ImageFormat::Avif, (159, 158), 5, None));
    assert_eq!((p.bit_depth, p.has_alpha), (10, false));
    let p = probe(&avis(false, stts(&[3, 4, u32::MAX]), None, true)).unwrap();
    assert_eq!((p.frames, p.has_alpha), (u32::MAX, true));
    // With a still item: its size and depth, the track's frames.
    let p = probe(&avis(true, stsz(7), None, false)).unwrap();
    assert_eq!((size(&p), p.bit_depth, p.frames), ((160, 160), 8, 7));
    // A one-sample sequence is a still.
    let p = probe(&avis(true, stsz(1), Some(elst(1, 100)), false)).unwrap();
    assert_eq!((p.frames, p.loop_count), (1, None));
    assert_eq!(
        probe(&avis(false, stsz(0), None, false)),
        Err(ProbeError::Malformed { what: "image sequence track has no samples" })
    );
    assert_eq!(
        probe(&avis(false, Vec::new(), None, false)),
        Err(ProbeError::Malformed { what: "image sequence track has no samples" })
    );
}

#[test]
fn sequences_play_counts_follow_the_edit_list() {
    let loops = |elst: Option<Vec<u8>>| probe(&avis(false, stsz(5), elst, false)).unwrap().loop_count;
    assert_eq!(loops(None), None);
    assert_eq!(loops(Some(elst(0, 500))), Some(1));
    assert_eq!(loops(Some(elst(1, 100))), Some(5));
    assert_eq!(loops(Some(elst(1, 300))), Some(2));
    assert_eq!(loops(Some(elst(1, 0))), Some(0));
    assert_eq!(loops(Some(elst(1, 1000))), Some(1));
}

#[test]
fn a_cut_mdat_does_not_matter_but_a_cut_meta_does() {
    let file = avif(&[ispe(64, 48)], &[1]);
    let mdat = file.windows(4).position(|w| w == b"mdat").unwrap();
    assert!(probe(&file[..mdat + 6]).is_ok());
    assert!(probe(&file[..mdat - 2]).is_ok());
    let meta = file.windows(4).position(|w| w == b"meta").unwrap();
    assert_eq!(probe(&file[..meta + 20]), Err(ProbeError::Truncated { what: "HEIF meta box" }));
    assert_eq!(probe(&file[..meta - 2]), Err(ProbeError::Truncated { what: "HEIF file before its meta box" }));
    assert_eq!(probe(&file[..20]), Err(ProbeError::Truncated { what: "ftyp box" }));
}

#[test]
fn every_prefix_is_an_error_or_a_probe() {
    for file in [
        heic_grid(),
        avif(&[ispe(64, 48), pixi(&[8, 8, 8]), av1c(0x0c), irot(1), imir(0)], &[1, 2, 3, 0x84, 0x85]),
        avis(true, stts(&[2, 3]), Some(elst(1, 100)), true),
    ] {
        assert!(probe(&file).is_ok());
        for end in 0..file.len() {
            let _ = probe(&file[..end]);
        }
        // And every single-byte corruption.
        for at in 0..file.len() {
            let mut bad = file.clone();
            bad[at] ^= 0xA5;
            let _ = probe(&bad);
        }
    }
}

#[test]
fn absurd_counts_and_sizes_cost_nothing() {
    // ipma announcing 4 G entries, iinf 4 G items, a reference of 65535 targets, pixi with
    // 255 channels, stts with 4 G entries, a 2^64-byte mdat.
    let ipma = fbx(b"ipma", 0, 0, &[&u32::MAX.to_be_bytes(), &[0, 1, 1, 1]]);
    let file = [
        ftyp(b"avif", &[b"mif1"]),
        meta(&[
            hdlr(b"pict"),
            pitm(1),
            fbx(b"iinf", 1, 0, &[&u32::MAX.to_be_bytes(), &infe(1, b"av01")]),
            fbx(b"iref", 0, 0, &[&bx(b"auxl", &[&[0, 2, 0xff, 0xff, 0, 1]])]),
            iprp(&[ispe(8, 8)], &[ipma]),
        ]),
    ]
    .concat();
    assert!(matches!(probe(&file), Err(ProbeError::Malformed { .. })));
    let pixi = avif(&[ispe(8, 8), fbx(b"pixi", 0, 0, &[&[255, 8]])], &[1, 2]);
    assert_eq!(probe(&pixi).map(|p| p.bit_depth), Ok(8));
    let stts = fbx(b"stts", 0, 0, &[&u32::MAX.to_be_bytes(), &[0, 0, 0, 1, 0, 0, 0, 1]]);
    assert_eq!(
        probe(&avis(false, stts, None, false)),
        Err(ProbeError::Malformed { what: "stts entries run past the end of the box" })
    );
    let mut huge = avif(&[ispe(8, 8)], &[1]);
    huge.extend([0, 0, 0, 1]);
    huge.extend(b"mdat");
    huge.extend(u64::MAX.to_be_bytes());
    assert!(probe(&huge).is_ok());
}
