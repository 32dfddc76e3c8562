//! The text's error-correcting code: a rate-1/3, constraint-length-7 convolutional code
//! (generators 133, 171 and 165 octal) with a zero tail, fitted to the tile's data slots, and
//! its soft-decision list decoder.
//!
//! Fitting: the coded bits are put in the channel as every step's first output, then the second
//! outputs, then the third, the second and third in bit-reversed step order, and the channel is
//! cut at the number of data slots. A long text thus loses the last outputs of steps spread
//! evenly along the trellis (a punctured code of rate up to about 2/3 for 16 characters), and a
//! short one keeps the whole rate-1/3 code, repeated over the slots by the layout. Soft decoding
//! maximises the correlation of the received soft values with the coded signs: with the repeated
//! slots summed, that is the maximum-likelihood path for Gaussian noise, several dB better than
//! deciding bit by bit. The decoder lists the most likely paths in order (a tree-trellis search
//! over the Viterbi pass's metrics) so that the CRC can pick the first valid one: with 16-64
//! paths the code reads about nine channels in ten at the finite-length bound (as many as any
//! code could), where the best path alone reads under six.

/// Memory of the code (constraint length 7).
const MEMORY: usize = 6;
/// Generator polynomials (octal 133, 171, 165), applied to the 7-bit register.
const GENERATORS: [u32; 3] = [0o133, 0o171, 0o165];
/// Trellis states.
const STATES: usize = 1 << MEMORY;

/// The coded signs (+1 for a one) of `bits` plus a zero tail, in channel order, cut to at most
/// `slots` values.
pub(crate) fn encode(bits: &[bool], slots: usize) -> Vec<f32> {
    let mut register = 0u32;
    let mut outputs: Vec<[bool; 3]> = Vec::with_capacity(bits.len() + MEMORY);
    for &bit in bits.iter().chain(std::iter::repeat_n(&false, MEMORY)) {
        register = ((register << 1) | u32::from(bit)) & 0x7f;
        outputs.push(GENERATORS.map(|g| (register & g).count_ones() % 2 == 1));
    }
    channel_order(outputs.len(), slots)
        .into_iter()
        .map(|(step, output)| if outputs[step][output] { 1.0 } else { -1.0 })
        .collect()
}

/// The channel length for `info_bits` information bits and `slots` data slots.
pub(crate) fn channel_length(info_bits: usize, slots: usize) -> usize {
    (3 * (info_bits + MEMORY)).min(slots)
}

/// The `list` most likely information-bit sequences for the channel's soft values (positive for
/// a one), best first: paths from and back to the zero state ranked by their correlation with
/// the soft values. The first is plain Viterbi's maximum-likelihood path; a CRC then takes the
/// first path of the list that passes, which reads markedly weaker channels than the best path
/// alone.
///
/// Tree-trellis search: a forward Viterbi pass stores, for every step and state, the best metric
/// of any path prefix reaching it; then a best-first search grows path suffixes backwards from
/// the end, each ranked by its metric plus the best prefix that can complete it. That rank is
/// exact (metrics are integers: the soft values quantised to 2^20 steps of their largest
/// magnitude), so complete paths come out in order; among equal ranks the longest suffix goes
/// first, so each path completes within `steps + 1` expansions even where many paths tie (zero
/// soft values, from cells the received image does not cover, make whole families of paths
/// tie). Finding `list` paths thus takes at most `list x (steps + 1)` expansions, about one
/// Viterbi pass's work whatever the list; the loop is bounded by that in any case. Non-finite
/// soft values count as 0.
pub(crate) fn decode_list(soft: &[f32], info_bits: usize, list: usize) -> Vec<Vec<bool>> {
    let steps = info_bits + MEMORY;
    let received = quantised_steps(soft, steps);
    let forward = forward_metrics(&received, info_bits);
    let mut search = SuffixSearch::default();
    search.push(Suffix { rank: forward[steps][0], step: steps, state: 0, metric: 0, node: None });
    let mut paths = Vec::with_capacity(list);
    let mut expansions = list * (steps + 1);
    while paths.len() < list && expansions > 0 {
        expansions -= 1;
        let Some(suffix) = search.pop() else { break };
        if suffix.step == 0 {
            paths.push(search.bits(suffix.node, info_bits));
            continue;
        }
        let step = suffix.step - 1;
        for oldest in 0..2 {
            let previous = (suffix.state >> 1) | (oldest << (MEMORY - 1));
            let prefix = forward[step][previous];
            if prefix == UNREACHED || (step >= info_bits && suffix.state & 1 == 1) {
                continue;
            }
            let metric = suffix.metric + branch_metric((oldest << MEMORY) | suffix.state, &received[step]);
            let node = search.node(suffix.state & 1 == 1, suffix.node);
            search.push(Suffix { rank: prefix + metric, step, state: previous, metric, node: Some(node) });
        }
    }
    paths
}

/// Largest magnitude of a quantised soft value: with at most 3 values a step and a few hundred
/// steps, every metric stays far inside `i64`.
const QUANTUM_RANGE: f64 = (1 << 20) as f64;
/// Forward metric of a state no path prefix reaches.
const UNREACHED: i64 = i64::MIN;

/// The soft values as integers (the largest magnitude at [`QUANTUM_RANGE`], non-finite ones 0),
/// arranged per trellis step and output (0 where punctured).
fn quantised_steps(soft: &[f32], steps: usize) -> Vec<[i64; 3]> {
    let finite = |value: f32| if value.is_finite() { f64::from(value) } else { 0.0 };
    let largest = soft.iter().map(|&value| finite(value).abs()).fold(0.0, f64::max);
    let scale = if largest > 0.0 { QUANTUM_RANGE / largest } else { 0.0 };
    let mut received = vec![[0i64; 3]; steps];
    for ((step, output), &value) in channel_order(steps, soft.len()).into_iter().zip(soft) {
        received[step][output] = (finite(value) * scale).round() as i64;
    }
    received
}

/// `forward[step][state]`: the best metric of a path prefix from the zero state reaching `state`
/// after `step` steps ([`UNREACHED`] where none does; the tail steps shift in zeros).
fn forward_metrics(received: &[[i64; 3]], info_bits: usize) -> Vec<[i64; STATES]> {
    let mut forward = Vec::with_capacity(received.len() + 1);
    let mut metrics = [UNREACHED; STATES];
    metrics[0] = 0;
    forward.push(metrics);
    for (step, values) in received.iter().enumerate() {
        let mut next = [UNREACHED; STATES];
        let inputs: &[usize] = if step < info_bits { &[0, 1] } else { &[0] };
        for (state, &metric) in metrics.iter().enumerate() {
            if metric == UNREACHED {
                continue;
            }
            for &input in inputs {
                let register = ((state << 1) | input) & 0x7f;
                let target = register & (STATES - 1);
                next[target] = next[target].max(metric + branch_metric(register, values));
            }
        }
        metrics = next;
        forward.push(metrics);
    }
    forward
}

/// Correlation of a step's received values with the outputs of `register` (7 bits).
fn branch_metric(register: usize, values: &[i64; 3]) -> i64 {
    GENERATORS.iter().zip(values).map(|(&g, &v)| if (register as u32 & g).count_ones() % 2 == 1 { v } else { -v }).sum()
}

/// A path suffix of the backward search: from `state` after `step` steps to the end.
struct Suffix {
    /// Metric of the best complete path with this suffix: the search's priority.
    rank: i64,
    step: usize,
    state: usize,
    /// The suffix's own metric.
    metric: i64,
    /// Its first bit in the arena (`None` for the empty suffix at the end).
    node: Option<usize>,
}

impl PartialEq for Suffix {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl Eq for Suffix {}
impl PartialOrd for Suffix {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Suffix {
    /// Higher rank first, then the longer suffix (smaller step).
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank.cmp(&other.rank).then(other.step.cmp(&self.step))
    }
}

/// The backward search's frontier (best rank first) and the arena of suffix bits, each a bit
/// and the index of the bit after it.
#[derive(Default)]
struct SuffixSearch {
    frontier: std::collections::BinaryHeap<Suffix>,
    nodes: Vec<(bool, Option<usize>)>,
}

impl SuffixSearch {
    fn push(&mut self, suffix: Suffix) {
        self.frontier.push(suffix);
    }

    fn pop(&mut self) -> Option<Suffix> {
        self.frontier.pop()
    }

    /// A new arena node: `bit` followed by the suffix at `next`.
    fn node(&mut self, bit: bool, next: Option<usize>) -> usize {
        self.nodes.push((bit, next));
        self.nodes.len() - 1
    }

    /// The first `info_bits` bits of the complete path starting at `node`.
    fn bits(&self, mut node: Option<usize>, info_bits: usize) -> Vec<bool> {
        let mut bits = Vec::with_capacity(info_bits);
        while let Some(index) = node.filter(|_| bits.len() < info_bits) {
            let (bit, next) = self.nodes[index];
            bits.push(bit);
            node = next;
        }
        bits
    }
}

/// `(step, output)` of every channel position, for `steps` trellis steps cut to `slots`.
fn channel_order(steps: usize, slots: usize) -> Vec<(usize, usize)> {
    let spread = bit_reversed(steps);
    let mut order: Vec<(usize, usize)> = (0..steps).map(|step| (step, 0)).collect();
    order.extend(spread.iter().map(|&step| (step, 1)));
    order.extend(spread.iter().map(|&step| (step, 2)));
    order.truncate(slots);
    order
}

/// `0..count` in bit-reversed order (so that any prefix is spread evenly over the range).
fn bit_reversed(count: usize) -> Vec<usize> {
    let bits = count.next_power_of_two().trailing_zeros();
    (0..count.next_power_of_two())
        .map(|i| if bits == 0 { 0 } else { i.reverse_bits() >> (usize::BITS - bits) })
        .filter(|&i| i < count)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(length: usize) -> Vec<bool> {
        (0..length).map(|i| (i * 7 + i / 3) % 5 < 2).collect()
    }

    /// The best path of the list: plain Viterbi.
    fn decode(soft: &[f32], info_bits: usize) -> Vec<bool> {
        decode_list(soft, info_bits, 1).swap_remove(0)
    }

    #[test]
    fn decodes_its_own_code_at_every_fit() {
        for (length, slots) in [(1, 192), (30, 192), (102, 192), (120, 192)] {
            let bits = pattern(length);
            let coded = encode(&bits, slots);
            assert_eq!(coded.len(), channel_length(length, slots));
            assert_eq!(decode(&coded, length), bits, "{length} bits in {slots} slots");
        }
    }

    #[test]
    fn corrects_scattered_errors_that_repetition_would_not() {
        let bits = pattern(102);
        let mut coded = encode(&bits, 192);
        for position in (3..coded.len()).step_by(17) {
            coded[position] = -coded[position];
        }
        assert_eq!(decode(&coded, 102), bits);
    }

    /// Every sequence of 7 bits ranked by its correlation with noisy soft values, by brute force.
    fn ranked_by_brute_force(soft: &[f32], info_bits: usize) -> Vec<(f32, Vec<bool>)> {
        let mut all: Vec<(f32, Vec<bool>)> = (0..1usize << info_bits)
            .map(|word| {
                let bits: Vec<bool> = (0..info_bits).map(|b| (word >> b) & 1 == 1).collect();
                let metric = encode(&bits, soft.len()).iter().zip(soft).map(|(c, s)| c * s).sum();
                (metric, bits)
            })
            .collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0));
        all
    }

    #[test]
    fn full_list_ranks_every_sequence_as_brute_force_does() {
        let info_bits = 7;
        let mut state = 0x1234_5678u32;
        for slots in [20, 39] {
            let soft: Vec<f32> = encode(&pattern(info_bits), slots)
                .iter()
                .map(|c| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    c + 3.0 * ((state >> 8) as f32 / (1u32 << 24) as f32 - 0.5)
                })
                .collect();
            let expected = ranked_by_brute_force(&soft, info_bits);
            let listed = decode_list(&soft, info_bits, 1 << info_bits);
            assert_eq!(listed.len(), 1 << info_bits, "every sequence survives a list this long");
            for (rank, (path, (metric, _))) in listed.iter().zip(&expected).enumerate() {
                let path_metric: f32 = encode(path, slots).iter().zip(&soft).map(|(c, s)| c * s).sum();
                assert!((path_metric - metric).abs() < 1e-4, "rank {rank}: {path_metric} vs {metric}");
            }
            assert_eq!(decode(&soft, info_bits), expected[0].1, "list 1 is the maximum-likelihood path");
            let mut distinct = listed.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), listed.len(), "no path twice");
        }
    }

    /// Regression: on a 320 x 480 photo attacked by the full combination, most cells read 0
    /// (the received image does not cover them), whole families of paths tied, and floating-point
    /// ranks that tied only up to rounding sent the search breadth-first through them until
    /// memory ran out. Integer ranks and longest-suffix-first ties keep it to one dive per path.
    #[test]
    fn zero_heavy_ties_and_non_finite_values_keep_the_search_bounded() {
        let mut state = 0x2545_f491u32;
        let zero_heavy: Vec<f32> = (0..192)
            .map(|i| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                if i % 5 < 3 { 0.0 } else { 1e3 * ((state >> 8) as f32 / (1u32 << 24) as f32 - 0.5) }
            })
            .collect();
        for (label, soft) in [
            ("zero-heavy", zero_heavy),
            ("all zero", vec![0.0; 192]),
            ("NaN", vec![f32::NAN; 192]),
            ("infinite", vec![f32::INFINITY; 192]),
        ] {
            let listed = decode_list(&soft, 126, 64);
            assert_eq!(listed.len(), 64, "{label}");
            let mut distinct = listed.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), 64, "{label}: no path twice");
        }
    }

    #[test]
    fn bit_reversal_is_a_permutation() {
        let mut order = bit_reversed(108);
        order.sort_unstable();
        assert_eq!(order, (0..108).collect::<Vec<_>>());
        assert_eq!(bit_reversed(1), vec![0]);
    }
}
