//! Huffman coding of the quantised blocks: baseline (one interleaved scan) and progressive
//! (spectral selection) scans.
//!
//! This file owns the scan structure and the symbol stream. Every scan is walked twice by
//! the same code ([`Sink`]): once counting symbols ([`Counter`]), from which `huffman.rs`
//! builds the scan's optimal tables, then writing codes and magnitude bits ([`Writer`]).
//!
//! - **Baseline** (SOF0): one scan; colour is interleaved in MCU order (4 Y blocks, Cb, Cr)
//!   over the padded MCU grid, grey is one component over the blocks covering the image.
//!   Four tables: DC and AC for Y, DC and AC shared by Cb and Cr.
//! - **Progressive** (SOF2), spectral selection without successive approximation: a DC scan
//!   (interleaved for colour), then AC bands per component, non-interleaved (only the blocks
//!   that cover the component's samples). Runs of blocks whose band is all zero are coded as
//!   one EOBRUN symbol (T.81 G.1.2.2). Every scan gets its own optimal tables. The luma AC
//!   bands are split where counting says the file is smallest ([`luma_split`]).
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
    markers::sos(out, &scan, 0, 63);
    let mut writer = Writer { bits: BitWriter::new(out), tables: &tables };
    baseline_scan(frame, &mut writer);
    writer.bits.finish();
}

/// A progressive scan: the DC of all components, or an AC band of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scan {
    /// DC of every component (interleaved when more than one).
    Dc,
    /// AC coefficients `start..=end` of component `component`.
    Ac { component: usize, start: u8, end: u8 },
}

/// The progressive DC scan's symbols: slot 0 for Y, 2 for chroma.
fn dc_scan<S: Sink>(frame: &Frame, sink: &mut S) {
    let mut predictions = vec![0i32; frame.components.len()];
    let mut code = |index: usize, block: &[i16; 64], component: &Component| {
        if let Some(prediction) = predictions.get_mut(index) {
            let value = i32::from(block[0]);
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

/// Codes a pending run of `run` empty bands as EOBn (T.81 G.1.2.2), into slot 0.
#[inline]
fn flush_eobrun<S: Sink>(sink: &mut S, run: &mut u32) {
    if *run > 0 {
        let n = 31 - run.leading_zeros();
        sink.symbol(0, (n << 4) as u8);
        sink.extra(*run, n);
        *run = 0;
    }
}

/// A progressive AC band scan's symbols (first pass, no successive approximation), all in
/// slot 0.
fn ac_scan<S: Sink>(component: &Component, start: u8, end: u8, row_step: usize, sink: &mut S) {
    let mut eobrun = 0u32;
    // The band's bits: start..=end.
    let band = (u64::MAX >> (63 - u32::from(end.min(63)))) & (u64::MAX << u32::from(start.min(63)));
    for_each_single_rows(component, row_step, |block| {
        let mut mask = nonzero_mask(block) & band;
        let mut last = u32::from(start.max(1)) - 1;
        while mask != 0 {
            let k = mask.trailing_zeros();
            mask &= mask - 1;
            flush_eobrun(sink, &mut eobrun);
            let mut run = k - last - 1;
            while run > 15 {
                sink.symbol(0, 0xF0);
                run -= 16;
            }
            let (size, bits) = category(i32::from(block[k as usize & 63]));
            sink.symbol(0, ((run << 4) | size) as u8);
            sink.extra(bits, size);
            last = k;
        }
        if last < u32::from(end) {
            eobrun += 1;
            if eobrun == 0x7FFF {
                flush_eobrun(sink, &mut eobrun);
            }
        }
    });
    flush_eobrun(sink, &mut eobrun);
}

/// The symbols of `scan`.
fn scan_symbols<S: Sink>(frame: &Frame, scan: Scan, sink: &mut S) {
    match scan {
        Scan::Dc => dc_scan(frame, sink),
        Scan::Ac { component, start, end } => {
            if let Some(c) = frame.components.get(component) {
                ac_scan(c, start, end, 1, sink);
            }
        }
    }
}

/// Every how many block rows [`luma_split`] counts.
const SPLIT_ROW_STEP: usize = 4;

/// The bytes an AC scan of Y costs with optimal tables (data and DHT), from a counting pass
/// over every [`SPLIT_ROW_STEP`]-th block row (so, about that fraction of the bytes).
fn luma_scan_cost(frame: &Frame, start: u8, end: u8) -> u64 {
    let mut counter = Counter::new(1);
    if let Some(y) = frame.components.first() {
        ac_scan(y, start, end, SPLIT_ROW_STEP, &mut counter);
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

/// The progressive scans: DC, Y's first band, Cb, Cr, Y's second band (libjpeg's order).
fn progressive_scans(frame: &Frame) -> Vec<Scan> {
    let split = luma_split(frame);
    let mut scans = vec![Scan::Dc, Scan::Ac { component: 0, start: 1, end: split }];
    for component in 1..frame.components.len() {
        scans.push(Scan::Ac { component, start: 1, end: 63 });
    }
    if split < 63 {
        scans.push(Scan::Ac { component: 0, start: split + 1, end: 63 });
    }
    scans
}

/// Writes every progressive scan (DHT, SOS, data) of `frame`.
pub(super) fn write_progressive(frame: &Frame, out: &mut Vec<u8>) {
    for scan in progressive_scans(frame) {
        let mut counter = Counter::new(4);
        scan_symbols(frame, scan, &mut counter);
        let tables: Vec<HuffmanTable> = counter.freq.iter().map(HuffmanTable::from_frequencies).collect();
        match scan {
            Scan::Dc => {
                let gray = frame.components.len() == 1;
                let mut defined = Vec::new();
                if let Some(t) = tables.first() {
                    defined.push((Class::Dc, 0u8, t));
                }
                if !gray && let Some(t) = tables.get(2) {
                    defined.push((Class::Dc, 1u8, t));
                }
                markers::dht(out, &defined);
                let scan: Vec<ScanComponent> =
                    frame.components.iter().map(|c| ScanComponent { id: c.id, dc: c.table as u8, ac: 0 }).collect();
                markers::sos(out, &scan, 0, 0);
            }
            Scan::Ac { component, start, end } => {
                if let Some(t) = tables.first() {
                    markers::dht(out, &[(Class::Ac, 0, t)]);
                }
                let id = frame.components.get(component).map_or(1, |c| c.id);
                markers::sos(out, &[ScanComponent { id, dc: 0, ac: 0 }], start, end);
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
