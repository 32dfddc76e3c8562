//! A small iterative radix-2 complex FFT, used by the synchroniser to compute autocorrelations of
//! rows and columns (Wiener-Khinchin: the inverse transform of the power spectrum) and, in 2-D,
//! the cyclic correlation of the folded tile with the pilot template. Lengths are
//! powers of two; callers zero-pad.

use std::f64::consts::PI;

/// In-place FFT of `re` + i`im` (forward when `inverse` is false). Both slices must have the same
/// power-of-two length; any other length leaves the data untouched. The inverse is scaled by 1/n,
/// so `fft(fft(x), inverse)` gives back `x`.
pub(crate) fn fft(re: &mut [f64], im: &mut [f64], inverse: bool) {
    let n = re.len();
    if n != im.len() || !n.is_power_of_two() || n < 2 {
        return;
    }
    bit_reverse(re, im);
    let sign = if inverse { 1.0 } else { -1.0 };
    let mut len = 2;
    while len <= n {
        let angle = sign * 2.0 * PI / len as f64;
        let (w_im, w_re) = angle.sin_cos();
        for start in (0..n).step_by(len) {
            let (mut cur_re, mut cur_im) = (1.0, 0.0);
            for k in 0..len / 2 {
                let (a, b) = (start + k, start + k + len / 2);
                let t_re = re[b] * cur_re - im[b] * cur_im;
                let t_im = re[b] * cur_im + im[b] * cur_re;
                re[b] = re[a] - t_re;
                im[b] = im[a] - t_im;
                re[a] += t_re;
                im[a] += t_im;
                let next_re = cur_re * w_re - cur_im * w_im;
                cur_im = cur_re * w_im + cur_im * w_re;
                cur_re = next_re;
            }
        }
        len *= 2;
    }
    if inverse {
        let scale = 1.0 / n as f64;
        re.iter_mut().chain(im.iter_mut()).for_each(|v| *v *= scale);
    }
}

/// In-place 2-D FFT of a `side x side` row-major complex array (rows, then columns).
pub(crate) fn fft_2d(re: &mut [f64], im: &mut [f64], side: usize, inverse: bool) {
    if re.len() != side * side || im.len() != side * side {
        return;
    }
    for (row_re, row_im) in re.chunks_mut(side).zip(im.chunks_mut(side)) {
        fft(row_re, row_im, inverse);
    }
    let (mut column_re, mut column_im) = (vec![0.0; side], vec![0.0; side]);
    for x in 0..side {
        for y in 0..side {
            column_re[y] = re[y * side + x];
            column_im[y] = im[y * side + x];
        }
        fft(&mut column_re, &mut column_im, inverse);
        for y in 0..side {
            re[y * side + x] = column_re[y];
            im[y * side + x] = column_im[y];
        }
    }
}

fn bit_reverse(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_dft(re: &[f64], im: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let n = re.len();
        let mut out = (vec![0.0; n], vec![0.0; n]);
        for k in 0..n {
            for t in 0..n {
                let a = -2.0 * PI * (k * t) as f64 / n as f64;
                out.0[k] += re[t] * a.cos() - im[t] * a.sin();
                out.1[k] += re[t] * a.sin() + im[t] * a.cos();
            }
        }
        out
    }

    #[test]
    fn matches_naive_dft_and_round_trips() {
        for n in [2usize, 4, 8, 64, 256] {
            let re: Vec<f64> = (0..n).map(|i| ((i * 7 + 3) % 11) as f64 - 5.0).collect();
            let im: Vec<f64> = (0..n).map(|i| ((i * 5 + 1) % 13) as f64 * 0.5).collect();
            let (mut fr, mut fi) = (re.clone(), im.clone());
            fft(&mut fr, &mut fi, false);
            let (nr, ni) = naive_dft(&re, &im);
            for k in 0..n {
                assert!((fr[k] - nr[k]).abs() < 1e-8 && (fi[k] - ni[k]).abs() < 1e-8, "n={n} k={k}");
            }
            fft(&mut fr, &mut fi, true);
            for k in 0..n {
                assert!((fr[k] - re[k]).abs() < 1e-9 && (fi[k] - im[k]).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn other_lengths_are_left_alone() {
        let (mut re, mut im) = (vec![1.0, 2.0, 3.0], vec![0.0; 3]);
        fft(&mut re, &mut im, false);
        assert_eq!(re, vec![1.0, 2.0, 3.0]);
    }
}
