//! The text's error-correcting code: a rate-1/3, constraint-length-7 convolutional code
//! (generators 133, 171 and 165 octal) with a zero tail, fitted to the tile's data slots, and
//! its soft-decision Viterbi decoder.
//!
//! Fitting: the coded bits are put in the channel as every step's first output, then the second
//! outputs, then the third, the second and third in bit-reversed step order, and the channel is
//! cut at the number of data slots. A long text thus loses the last outputs of steps spread
//! evenly along the trellis (a punctured code of rate up to about 2/3 for 16 characters), and a
//! short one keeps the whole rate-1/3 code, repeated over the slots by the layout. Soft decoding
//! maximises the correlation of the received soft values with the coded signs: with the repeated
//! slots summed, that is the maximum-likelihood path for Gaussian noise, several dB better than
//! deciding bit by bit.

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

/// The `info_bits` most likely information bits for the channel's soft values (positive for a
/// one), by Viterbi decoding from and back to the zero state.
pub(crate) fn decode(soft: &[f32], info_bits: usize) -> Vec<bool> {
    let steps = info_bits + MEMORY;
    let mut received = vec![[0.0f32; 3]; steps];
    for ((step, output), &value) in channel_order(steps, soft.len()).into_iter().zip(soft) {
        received[step][output] = value;
    }
    let mut metrics = [f32::NEG_INFINITY; STATES];
    metrics[0] = 0.0;
    let mut decisions: Vec<[u8; STATES]> = Vec::with_capacity(steps);
    for (step, values) in received.iter().enumerate() {
        let mut next = [f32::NEG_INFINITY; STATES];
        let mut chosen = [0u8; STATES];
        let inputs: &[u32] = if step < info_bits { &[0, 1] } else { &[0] };
        for (state, &metric) in metrics.iter().enumerate() {
            if metric == f32::NEG_INFINITY {
                continue;
            }
            for &input in inputs {
                let register = ((state as u32) << 1 | input) & 0x7f;
                let branch: f32 = GENERATORS
                    .iter()
                    .zip(values)
                    .map(|(&g, &v)| if (register & g).count_ones() % 2 == 1 { v } else { -v })
                    .sum();
                let target = (register & (STATES as u32 - 1)) as usize;
                if metric + branch > next[target] {
                    next[target] = metric + branch;
                    chosen[target] = (register >> MEMORY) as u8;
                }
            }
        }
        metrics = next;
        decisions.push(chosen);
    }
    let mut bits = vec![false; steps];
    let mut state = 0usize;
    for step in (0..steps).rev() {
        bits[step] = state & 1 == 1;
        let oldest = usize::from(decisions[step][state]);
        state = (state >> 1) | (oldest << (MEMORY - 1));
    }
    bits.truncate(info_bits);
    bits
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

    #[test]
    fn bit_reversal_is_a_permutation() {
        let mut order = bit_reversed(108);
        order.sort_unstable();
        assert_eq!(order, (0..108).collect::<Vec<_>>());
        assert_eq!(bit_reversed(1), vec![0]);
    }
}
