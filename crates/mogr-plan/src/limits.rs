//! Limits: what an input and a plan may cost, with the spec's defaults.
//!
//! A plain struct, like `image::Limits`: each field is `Some(limit)` or `None` for no limit.
//! [`Limits::default`] holds the spec's numbers and a memory budget of mogr's own;
//! [`Limits::unlimited`] lifts them all, and any field can be changed on its own.

/// The spec's limits on input and output, each one optional.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest input in bytes (spec: 32 MB; CI code -60996 when exceeded).
    pub max_input_bytes: Option<u64>,
    /// Largest input width or height in pixels (spec: 30,000; CI code -447).
    pub max_input_side: Option<u32>,
    /// Most input pixels, width × height × frames (spec: 250 million; CI code -447).
    pub max_input_pixels: Option<u64>,
    /// Most frames of an animated GIF (spec: 300; CI code -447).
    pub max_gif_frames: Option<u32>,
    /// Largest output width or height in pixels (spec: 9,999; CI code -442).
    pub max_output_side: Option<u32>,
    /// Most image watermarks on one image (spec: 10; CI code -60998).
    pub max_watermarks: Option<u32>,
    /// Largest predicted peak memory of an execution, in bytes (CI code -447). The spec sets
    /// none; mogr's default is [`Limits::DEFAULT_PEAK_BYTES`].
    pub max_peak_bytes: Option<u64>,
}

impl Limits {
    /// mogr's default memory budget of one request: 4 GiB of predicted peak memory, enough
    /// for any input within the spec's limits but a few pathological ones (rotating a
    /// 250-megapixel PNG by 45° needs more), which are refused before anything is allocated.
    pub const DEFAULT_PEAK_BYTES: u64 = 4 << 30;

    /// The spec's limits and mogr's memory budget ([`Limits::DEFAULT_PEAK_BYTES`]): what
    /// `Default` gives.
    pub const DEFAULT: Limits = Limits { max_peak_bytes: Some(Limits::DEFAULT_PEAK_BYTES), ..Limits::SPEC };

    /// The spec's limits and no memory budget.
    pub const SPEC: Limits = Limits {
        max_input_bytes: Some(32 * 1024 * 1024),
        max_input_side: Some(30_000),
        max_input_pixels: Some(250_000_000),
        max_gif_frames: Some(300),
        max_output_side: Some(9_999),
        max_watermarks: Some(10),
        max_peak_bytes: None,
    };

    /// No limit at all: for trusted inputs only.
    pub const fn unlimited() -> Limits {
        Limits {
            max_input_bytes: None,
            max_input_side: None,
            max_input_pixels: None,
            max_gif_frames: None,
            max_output_side: None,
            max_watermarks: None,
            max_peak_bytes: None,
        }
    }
}

impl Default for Limits {
    /// The spec's limits with mogr's memory budget ([`Limits::DEFAULT_PEAK_BYTES`]).
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Whether `value` exceeds `limit` (no limit: never).
pub(crate) fn exceeds<T: PartialOrd>(value: T, limit: Option<T>) -> bool {
    limit.is_some_and(|limit| value > limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_spec_numbers() {
        let limits = Limits::default();
        assert_eq!(limits.max_input_bytes, Some(33_554_432));
        assert_eq!(limits.max_output_side, Some(9_999));
        assert!(exceeds(10_000, limits.max_output_side));
        assert!(!exceeds(9_999, limits.max_output_side));
        assert!(!exceeds(u32::MAX, Limits::unlimited().max_output_side));
        assert_eq!(limits.max_peak_bytes, Some(4 << 30));
        assert_eq!(Limits { max_peak_bytes: None, ..limits }, Limits::SPEC);
    }
}
