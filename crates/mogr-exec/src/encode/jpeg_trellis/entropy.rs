//! Huffman coding of the quantised blocks: the baseline scan and the progressive scans.
//!
//! This file owns the scan structure and the symbol stream. Every scan is walked twice by
//! the same code ([`Sink`]): once counting symbols ([`Counter`]), from which `huffman.rs`
//! builds the scan's optimal tables, then writing codes and magnitude bits ([`Writer`]).
//!
//! - **Baseline** (SOF0): one scan; colour is interleaved in MCU order (4 Y blocks, Cb, Cr)
//!   over the padded MCU grid, grey is one component over the blocks covering the image.
//!   Four tables: DC and AC for Y, DC and AC shared by Cb and Cr.
//! - **Progressive** (SOF2): the coefficients are cut into bands, the DC of all components
//!   (one interleaved scan for colour) and AC bands per component (non-interleaved: only the
//!   blocks that cover the component's samples): Y's split in two where counting says the
//!   file is smallest ([`luma_split`]), Cb and Cr whole. Each band may hold back its lowest
//!   bits (successive approximation, T.81 G.1.2): a first scan codes the coefficients
//!   divided by `2^Al`, then one refinement scan per held-back bit adds it. Which `Al` each
//!   band gets is the [`Script`]; by default ([`Script::Optimised`], mozjpeg's "optimise
//!   scans" idea in a simple form) the one whose scans count smallest, which after the
//!   trellis is mostly none, sometimes one or two bits of Y at high qualities (up to 1 %
//!   smaller). Runs of blocks with nothing to code in a band are one EOBRUN symbol; every
//!   scan gets its own optimal tables.
//!
//! DC coefficients are coded as differences from the previous block of the same component
//! in the scan (T.81 F.1.2.1), AC coefficients as run/size symbols with ZRL and EOB (F.1.2.2).

use super::bits::BitWriter;
use super::blocks::{Component, Frame};
use super::huffman::{Frequencies, HuffmanTable};
use super::markers::{self, Class, ScanComponent};

/// Where symbols and extra bits go: counted or written.
pub(super) trait Sink {
    /// A Huffman symbol from table slot `slot`.
    fn symbol(&mut self, slot: usize, symbol: u8);
    /// `len` extra bits (the low bits of `bits`).
    fn extra(&mut self, bits: u32, len: u32);
}

/// Counts symbols per table slot.
pub(super) struct Counter {
    /// Frequencies per slot.
    pub(super) freq: Vec<Frequencies>,
    /// Extra bits written.
    pub(super) extra_bits: u64,
}

impl Counter {
    /// A counter for `slots` tables.
    pub(super) fn new(slots: usize) -> Counter {
        Counter { freq: vec![[0u64; 256]; slots], extra_bits: 0 }
    }
}

impl Sink for Counter {
    #[inline]
    fn symbol(&mut self, slot: usize, symbol: u8) {
        if let Some(f) = self.freq.get_mut(slot) {
            f[usize::from(symbol)] += 1;
        }
    }
    #[inline]
    fn extra(&mut self, _bits: u32, len: u32) {
        self.extra_bits += u64::from(len);
    }
}

/// Writes codes from the tables of each slot.
pub(super) struct Writer<'a, 'b> {
    /// The bit writer.
    pub(super) bits: BitWriter<'a>,
    /// The table of each slot.
    pub(super) tables: &'b [HuffmanTable],
}

impl Sink for Writer<'_, '_> {
    #[inline]
    fn symbol(&mut self, slot: usize, symbol: u8) {
        if let Some(table) = self.tables.get(slot) {
            let (code, len) = table.code(symbol);
            self.bits.put(u32::from(code), u32::from(len));
        }
    }
    #[inline]
    fn extra(&mut self, bits: u32, len: u32) {
        self.bits.put(bits, len);
    }
}

/// The size category of `value` and its extra bits (T.81 F.1.2.1: negative values as
/// `value − 1` in `size` bits).
#[inline]
fn category(value: i32) -> (u32, u32) {
    let magnitude = value.unsigned_abs();
    let size = 32 - magnitude.leading_zeros();
    let bits = if value < 0 { (value - 1) as u32 } else { value as u32 };
    (size, bits & ((1u32 << size) - 1))
}

/// A DC difference.
#[inline]
fn dc<S: Sink>(sink: &mut S, slot: usize, diff: i32) {
    let (size, bits) = category(diff);
    sink.symbol(slot, size as u8);
    sink.extra(bits, size);
}

/// Bit `k` set where `block[k]` is not zero.
#[inline]
fn nonzero_mask(block: &[i16; 64]) -> u64 {
    block.iter().enumerate().fold(0u64, |mask, (k, &c)| mask | (u64::from(c != 0) << k))
}

/// The AC coefficients of a block in baseline form (ZRL, EOB).
#[inline]
fn ac_baseline<S: Sink>(sink: &mut S, slot: usize, block: &[i16; 64]) {
    let mut mask = nonzero_mask(block) & !1;
    let mut last = 0u32;
    while mask != 0 {
        let k = mask.trailing_zeros();
        mask &= mask - 1;
        let mut run = k - last - 1;
        while run > 15 {
            sink.symbol(slot, 0xF0);
            run -= 16;
        }
        let (size, bits) = category(i32::from(block[k as usize & 63]));
        sink.symbol(slot, ((run << 4) | size) as u8);
        sink.extra(bits, size);
        last = k;
    }
    if last < 63 {
        sink.symbol(slot, 0x00);
    }
}

/// Table slots: 0 = Y DC, 1 = Y AC, 2 = chroma DC, 3 = chroma AC.
fn slots(component: &Component) -> (usize, usize) {
    if component.table == 0 { (0, 1) } else { (2, 3) }
}

/// Calls `f` for each block of an interleaved scan of `frame`, in MCU order, with the
/// component index.
fn for_each_interleaved(frame: &Frame, mut f: impl FnMut(usize, &[i16; 64])) {
    for my in 0..frame.mcus_high {
        for mx in 0..frame.mcus_wide {
            for (index, component) in frame.components.iter().enumerate() {
                let (h, v) = (usize::from(component.sampling >> 4), usize::from(component.sampling & 15));
                for y in 0..v {
                    for x in 0..h {
                        if let Some(block) = component.block(mx * h + x, my * v + y) {
                            f(index, block);
                        }
                    }
                }
            }
        }
    }
}

/// The indices (into [`Component::blocks`]) of component `index`'s blocks in the order the
/// DC scans code them, each block's DC being predicted from the one before: MCU order for
/// colour (interleaved), the covering blocks in raster order for grey.
pub(super) fn dc_order(frame: &Frame, index: usize) -> Vec<usize> {
    let Some(component) = frame.components.get(index) else { return Vec::new() };
    let mut order = Vec::new();
    if frame.components.len() == 1 {
        for y in 0..component.used_high {
            order.extend((0..component.used_wide).map(|x| y * component.blocks_wide + x));
        }
        return order;
    }
    let (h, v) = (usize::from(component.sampling >> 4), usize::from(component.sampling & 15));
    for my in 0..frame.mcus_high {
        for mx in 0..frame.mcus_wide {
            for y in 0..v {
                for x in 0..h {
                    order.push((my * v + y) * component.blocks_wide + mx * h + x);
                }
            }
        }
    }
    order
}

/// Calls `f` for each block of a non-interleaved scan of `component`.
fn for_each_single(component: &Component, f: impl FnMut(&[i16; 64])) {
    for_each_single_rows(component, 1, f);
}

/// Calls `f` for each block of every `row_step`-th block row of `component`.
fn for_each_single_rows(component: &Component, row_step: usize, mut f: impl FnMut(&[i16; 64])) {
    for y in (0..component.used_high).step_by(row_step.max(1)) {
        for x in 0..component.used_wide {
            if let Some(block) = component.block(x, y) {
                f(block);
            }
        }
    }
}

/// The baseline scan's symbols.
fn baseline_scan<S: Sink>(frame: &Frame, sink: &mut S) {
    let mut predictions = vec![0i32; frame.components.len()];
    let mut code = |index: usize, block: &[i16; 64], component: &Component| {
        let (dc_slot, ac_slot) = slots(component);
        if let Some(prediction) = predictions.get_mut(index) {
            let value = i32::from(block[0]);
            dc(sink, dc_slot, value - *prediction);
            *prediction = value;
        }
        ac_baseline(sink, ac_slot, block);
    };
    match frame.components.as_slice() {
        [single] => for_each_single(single, |block| code(0, block, single)),
        components => for_each_interleaved(frame, |index, block| {
            if let Some(component) = components.get(index) {
                code(index, block, component);
            }
        }),
    }
}

/// Writes the baseline scan (DHT, SOS, data) of `frame`.
pub(super) fn write_baseline(frame: &Frame, out: &mut Vec<u8>) {
    let mut counter = Counter::new(4);
    baseline_scan(frame, &mut counter);
    let tables: Vec<HuffmanTable> = counter.freq.iter().map(HuffmanTable::from_frequencies).collect();
    let gray = frame.components.len() == 1;
    let mut defined: Vec<(Class, u8, &HuffmanTable)> = Vec::new();
    for (slot, table) in tables.iter().enumerate() {
        if gray && slot >= 2 {
            break;
        }
        let class = if slot % 2 == 0 { Class::Dc } else { Class::Ac };
        defined.push((class, (slot / 2) as u8, table));
    }
    markers::dht(out, &defined);
    let scan: Vec<ScanComponent> =
        frame.components.iter().map(|c| ScanComponent { id: c.id, dc: c.table as u8, ac: c.table as u8 }).collect();
    markers::sos(out, &scan, 0, 63, 0, 0);
    let mut writer = Writer { bits: BitWriter::new(out), tables: &tables };
    baseline_scan(frame, &mut writer);
    writer.bits.finish();
}

/// What a progressive scan codes: the DC of every component (interleaved when more than
/// one), or AC coefficients `start..=end` of one component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Band {
    /// The DC coefficients.
    Dc,
    /// AC coefficients `start..=end` of component `component`.
    Ac { component: usize, start: u8, end: u8 },
}

/// A progressive scan (T.81 G.1.1): a band, the bit position the previous scan of the band
/// stopped at (`high`, 0 for a first scan) and the one this scan stops at (`low`: the point
/// transform, the coefficients divided by `2^low`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Scan {
    /// What the scan codes.
    band: Band,
    /// Ah.
    high: u8,
    /// Al.
    low: u8,
}

impl Scan {
    /// A first scan of `band` at point transform `low`.
    fn first(band: Band, low: u8) -> Scan {
        Scan { band, high: 0, low }
    }

    /// The refinement of `band` from bit `low + 1` to bit `low`.
    fn refine(band: Band, low: u8) -> Scan {
        Scan { band, high: low + 1, low }
    }
}

/// A DC first scan's symbols (the differences of `DC >> low`): slot 0 for Y, 2 for chroma.
fn dc_first<S: Sink>(frame: &Frame, low: u8, sink: &mut S) {
    let mut predictions = vec![0i32; frame.components.len()];
    let mut code = |index: usize, block: &[i16; 64], component: &Component| {
        if let Some(prediction) = predictions.get_mut(index) {
            let value = i32::from(block[0]) >> low;
            dc(sink, slots(component).0, value - *prediction);
            *prediction = value;
        }
    };
    match frame.components.as_slice() {
        [single] => for_each_single(single, |block| code(0, block, single)),
        components => for_each_interleaved(frame, |index, block| {
            if let Some(component) = components.get(index) {
                code(index, block, component);
            }
        }),
    }
}

/// A DC refinement scan: bit `low` of every DC, uncoded (T.81 G.1.2.1).
fn dc_refine<S: Sink>(frame: &Frame, low: u8, sink: &mut S) {
    let mut bit = |block: &[i16; 64]| sink.extra(((i32::from(block[0]) >> low) & 1) as u32, 1);
    match frame.components.as_slice() {
        [single] => for_each_single(single, bit),
        _ => for_each_interleaved(frame, |_, block| bit(block)),
    }
}

/// Codes a pending run of `run` empty bands as EOBn (T.81 G.1.2.2), into slot 0, followed
/// by the correction bits buffered for those blocks (refinement scans).
#[inline]
fn flush_eobrun<S: Sink>(sink: &mut S, run: &mut u32, corrections: &mut Vec<u8>) {
    if *run > 0 {
        let n = 31 - run.leading_zeros();
        sink.symbol(0, (n << 4) as u8);
        sink.extra(*run, n);
        *run = 0;
        emit_bits(sink, corrections);
    }
}

/// Writes and clears buffered single bits.
#[inline]
fn emit_bits<S: Sink>(sink: &mut S, bits: &mut Vec<u8>) {
    for &bit in bits.iter() {
        sink.extra(u32::from(bit), 1);
    }
    bits.clear();
}

/// The bits `start..=end` of a mask.
fn band_mask(start: u8, end: u8) -> u64 {
    (u64::MAX >> (63 - u32::from(end.min(63)))) & (u64::MAX << u32::from(start.min(63)))
}

/// An AC first scan's symbols (T.81 G.1.2.2): coefficients `start..=end` divided by
/// `2^low` (magnitudes shifted, signs kept), runs of empty bands as EOBRUN; all in slot 0.
/// Only every `row_step`-th block row is coded (1 for the real scan).
fn ac_first<S: Sink>(component: &Component, start: u8, end: u8, low: u8, row_step: usize, sink: &mut S) {
    let mut eobrun = 0u32;
    let mut none = Vec::new();
    let band = band_mask(start, end);
    let threshold = 1i32 << low;
    for_each_single_rows(component, row_step, |block| {
        let mut mask =
            block.iter().enumerate().fold(0u64, |m, (k, &c)| m | (u64::from(i32::from(c).abs() >= threshold) << k))
                & band;
        let mut last = u32::from(start.max(1)) - 1;
        while mask != 0 {
            let k = mask.trailing_zeros();
            mask &= mask - 1;
            flush_eobrun(sink, &mut eobrun, &mut none);
            let mut run = k - last - 1;
            while run > 15 {
                sink.symbol(0, 0xF0);
                run -= 16;
            }
            let c = i32::from(block[k as usize & 63]);
            let shifted = if c < 0 { -((-c) >> low) } else { c >> low };
            let (size, bits) = category(shifted);
            sink.symbol(0, ((run << 4) | size) as u8);
            sink.extra(bits, size);
            last = k;
        }
        if last < u32::from(end) {
            eobrun += 1;
            if eobrun == 0x7FFF {
                flush_eobrun(sink, &mut eobrun, &mut none);
            }
        }
    });
    flush_eobrun(sink, &mut eobrun, &mut none);
}

/// How many correction bits may wait for an EOBRUN before it is written out anyway.
const MAX_PENDING_CORRECTIONS: usize = 4096;

/// An AC refinement scan's symbols (T.81 G.1.2.3): bit `low` of coefficients
/// `start..=end`. A coefficient that becomes non-zero at this bit is coded like a first-scan
/// coefficient of size 1 (run/1 symbol, sign bit); one that was already non-zero gets its
/// bit as a correction bit, sent after the next symbol (the run it sits in), and runs of
/// blocks with no new coefficient are one EOBRUN followed by their correction bits.
fn ac_refine<S: Sink>(component: &Component, start: u8, end: u8, low: u8, row_step: usize, sink: &mut S) {
    let mut eobrun = 0u32;
    // Correction bits waiting for the EOBRUN (previous blocks) and for the next symbol (this block).
    let mut pending: Vec<u8> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    let band = band_mask(start.max(1), end);
    for_each_single_rows(component, row_step, |block| {
        // Coefficients non-zero at this bit, and those that become non-zero here.
        let (mut nonzero, mut new) = (0u64, 0u64);
        for (k, &c) in block.iter().enumerate() {
            let magnitude = c.unsigned_abs() >> low;
            nonzero |= u64::from(magnitude != 0) << k;
            new |= u64::from(magnitude == 1) << k;
        }
        nonzero &= band;
        new &= band;
        let last_new = 63 - new.leading_zeros().min(63);
        let mut run = 0u32;
        let mut previous = u32::from(start.max(1)) - 1;
        while nonzero != 0 {
            let k = nonzero.trailing_zeros();
            nonzero &= nonzero - 1;
            run += k - previous - 1;
            previous = k;
            // ZRLs, unless the run can fold into the EOB (no new coefficient after it).
            while run > 15 && new != 0 && k <= last_new {
                flush_eobrun(sink, &mut eobrun, &mut pending);
                sink.symbol(0, 0xF0);
                run -= 16;
                emit_bits(sink, &mut current);
            }
            let c = block[k as usize & 63];
            if new & (1 << k) == 0 {
                current.push(((c.unsigned_abs() >> low) & 1) as u8);
                continue;
            }
            flush_eobrun(sink, &mut eobrun, &mut pending);
            sink.symbol(0, ((run << 4) | 1) as u8);
            sink.extra(u32::from(c >= 0), 1);
            emit_bits(sink, &mut current);
            run = 0;
        }
        run += u32::from(end) - previous;
        if run > 0 || !current.is_empty() {
            eobrun += 1;
            pending.append(&mut current);
            if eobrun == 0x7FFF || pending.len() > MAX_PENDING_CORRECTIONS {
                flush_eobrun(sink, &mut eobrun, &mut pending);
            }
        }
    });
    flush_eobrun(sink, &mut eobrun, &mut pending);
}

/// The symbols and bits of `scan`.
fn scan_symbols<S: Sink>(frame: &Frame, scan: Scan, sink: &mut S) {
    scan_symbols_rows(frame, scan, 1, sink);
}

/// The symbols and bits of `scan`, AC scans on every `row_step`-th block row only.
fn scan_symbols_rows<S: Sink>(frame: &Frame, scan: Scan, row_step: usize, sink: &mut S) {
    match (scan.band, scan.high) {
        (Band::Dc, 0) => dc_first(frame, scan.low, sink),
        (Band::Dc, _) => dc_refine(frame, scan.low, sink),
        (Band::Ac { component, start, end }, high) => {
            if let Some(c) = frame.components.get(component) {
                if high == 0 {
                    ac_first(c, start, end, scan.low, row_step, sink);
                } else {
                    ac_refine(c, start, end, scan.low, row_step, sink);
                }
            }
        }
    }
}

/// Every how many block rows [`luma_split`] counts.
const SPLIT_ROW_STEP: usize = 4;

/// The bytes a first scan of Y's AC band `start..=end` costs with optimal tables (data and
/// DHT), from a counting pass over every [`SPLIT_ROW_STEP`]-th block row (so, about that
/// fraction of the bytes).
fn luma_scan_cost(frame: &Frame, start: u8, end: u8) -> u64 {
    let mut counter = Counter::new(1);
    if let Some(y) = frame.components.first() {
        ac_first(y, start, end, 0, SPLIT_ROW_STEP, &mut counter);
    }
    let Some(freq) = counter.freq.first() else { return 0 };
    let table = HuffmanTable::from_frequencies(freq);
    let header = 8 * (17 + table.values.len() as u64 + 14) / SPLIT_ROW_STEP as u64;
    (table.cost(freq) + counter.extra_bits + header) / 8
}

/// Where to split Y's AC coefficients into two bands (1..=split, split+1..=63), or 63 for
/// one band: the candidate the counting passes find smallest.
fn luma_split(frame: &Frame) -> u8 {
    let mut best = (u64::MAX, 63u8);
    for split in [63u8, 2, 5, 9, 14, 20] {
        let mut cost = luma_scan_cost(frame, 1, split);
        if split < 63 {
            cost += luma_scan_cost(frame, split + 1, 63);
        }
        if cost < best.0 {
            best = (cost, split);
        }
    }
    best.1
}

/// Y's AC bands: `1..=split` and `split+1..=63`, or one band.
fn luma_bands(split: u8) -> Vec<Band> {
    let mut bands = vec![Band::Ac { component: 0, start: 1, end: split }];
    if split < 63 {
        bands.push(Band::Ac { component: 0, start: split + 1, end: 63 });
    }
    bands
}

/// How a progressive file is cut into scans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Script {
    /// Spectral selection only: every band in one scan at full precision.
    #[cfg_attr(not(all(test, feature = "jpeg-turbo")), allow(dead_code))]
    // forced by the tests (which decode with libjpeg-turbo), so every kind of scan is decoded
    Spectral,
    /// Successive approximation for every band: DC less its lowest bit, Y less two bits,
    /// chroma less one (libjpeg's standard script), then the bits one at a time.
    #[cfg_attr(not(all(test, feature = "jpeg-turbo")), allow(dead_code))]
    // forced by the tests (which decode with libjpeg-turbo), so every kind of scan is decoded
    Successive,
    /// Per band, the point transform that counting finds smallest: 0-2 bits held back for Y's
    /// bands, 0-1 for DC and chroma.
    Optimised,
}

/// The bytes of `scan` with its optimal tables (data, DHT, SOS), from a counting pass over
/// every `row_step`-th block row (then about that fraction of the bytes).
fn scan_bytes(frame: &Frame, scan: Scan, row_step: usize) -> u64 {
    let mut counter = Counter::new(4);
    scan_symbols_rows(frame, scan, row_step, &mut counter);
    let mut bits = counter.extra_bits + 8 * 14 / row_step as u64;
    for freq in &counter.freq {
        if freq.iter().any(|&n| n > 0) {
            let table = HuffmanTable::from_frequencies(freq);
            bits += table.cost(freq) + 8 * (17 + table.values.len() as u64) / row_step as u64;
        }
    }
    bits / 8
}

/// Every how many block rows the point transforms are compared.
const SCRIPT_ROW_STEP: usize = 4;

/// The point transform of each band: `bands` with how many low bits its first scan holds
/// back.
fn point_transforms(frame: &Frame, bands: &[Band], script: Script) -> Vec<(Band, u8)> {
    bands
        .iter()
        .map(|&band| {
            let low = match (script, band) {
                (Script::Spectral, _) => 0,
                (Script::Successive, Band::Dc) => 1,
                (Script::Successive, Band::Ac { component: 0, .. }) => 2,
                (Script::Successive, Band::Ac { .. }) => 1,
                (Script::Optimised, _) => {
                    let step = if band == Band::Dc { 1 } else { SCRIPT_ROW_STEP };
                    let max = match band {
                        Band::Ac { component: 0, .. } => 2,
                        _ => 1,
                    };
                    let refine = |low: u8| scan_bytes(frame, Scan::refine(band, low), step);
                    let mut best = (scan_bytes(frame, Scan::first(band, 0), step), 0u8);
                    let mut refinements = 0;
                    for low in 1..=max {
                        refinements += refine(low - 1);
                        let cost = scan_bytes(frame, Scan::first(band, low), step) + refinements;
                        if cost < best.0 {
                            best = (cost, low);
                        }
                    }
                    best.1
                }
            };
            (band, low)
        })
        .collect()
}

/// The scans of `script`: the first scans (DC, Y's first band, chroma, Y's second band, as
/// libjpeg orders them), then the refinements from the highest bit down, each band alone.
fn scans(frame: &Frame, script: Script) -> Vec<Scan> {
    let luma = luma_bands(luma_split(frame));
    let mut bands = vec![Band::Dc];
    bands.extend(luma.first().copied());
    bands.extend((1..frame.components.len()).map(|component| Band::Ac { component, start: 1, end: 63 }));
    bands.extend(luma.get(1).copied());
    let transforms = point_transforms(frame, &bands, script);
    let mut scans: Vec<Scan> = transforms.iter().map(|&(band, low)| Scan::first(band, low)).collect();
    for bit in (0..2u8).rev() {
        scans.extend(transforms.iter().filter(|&&(_, low)| low > bit).map(|&(band, _)| Scan::refine(band, bit)));
    }
    scans
}

/// Writes every progressive scan (DHT, SOS, data) of `frame` as `script` cuts them, each
/// with the optimal tables of its own symbols.
pub(super) fn write_progressive(frame: &Frame, script: Script, out: &mut Vec<u8>) {
    for scan in scans(frame, script) {
        let mut counter = Counter::new(4);
        scan_symbols(frame, scan, &mut counter);
        let tables: Vec<HuffmanTable> = counter.freq.iter().map(HuffmanTable::from_frequencies).collect();
        match scan.band {
            Band::Dc => {
                if scan.high == 0 {
                    let gray = frame.components.len() == 1;
                    let mut defined = Vec::new();
                    if let Some(t) = tables.first() {
                        defined.push((Class::Dc, 0u8, t));
                    }
                    if !gray && let Some(t) = tables.get(2) {
                        defined.push((Class::Dc, 1u8, t));
                    }
                    markers::dht(out, &defined);
                }
                let components: Vec<ScanComponent> =
                    frame.components.iter().map(|c| ScanComponent { id: c.id, dc: c.table as u8, ac: 0 }).collect();
                markers::sos(out, &components, 0, 0, scan.high, scan.low);
            }
            Band::Ac { component, start, end } => {
                if let Some(t) = tables.first() {
                    markers::dht(out, &[(Class::Ac, 0, t)]);
                }
                let id = frame.components.get(component).map_or(1, |c| c.id);
                markers::sos(out, &[ScanComponent { id, dc: 0, ac: 0 }], start, end, scan.high, scan.low);
            }
        }
        let mut writer = Writer { bits: BitWriter::new(out), tables: &tables };
        scan_symbols(frame, scan, &mut writer);
        writer.bits.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories() {
        assert_eq!(category(0), (0, 0));
        assert_eq!(category(1), (1, 1));
        assert_eq!(category(-1), (1, 0));
        assert_eq!(category(-3), (2, 0));
        assert_eq!(category(5), (3, 5));
        assert_eq!(category(-1023), (10, 0));
    }
}
