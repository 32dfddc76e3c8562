//! # mogr-benches: what the benches measure
//!
//! Criterion benches live in `benches/` (run them with `cargo bench -p mogr-benches`); this
//! library holds the inputs they share, so that a figure in the README can be traced to the
//! exact workload that produced it.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

/// A mix of typical rules, as image servers see them: thumbnails, crops, format and quality
/// changes, watermarks, pipelines, percent-encoded and signed queries.
pub const TYPICAL_RULES: &[&str] = &[
    "imageMogr2/thumbnail/!50p",
    "imageMogr2/thumbnail/720x/quality/80",
    "imageMogr2/thumbnail/300x300>/format/webp",
    "imageMogr2/thumbnail/600x600/pad/1/color/I0ZGRkZGRg",
    "imageMogr2/crop/300x400/gravity/center/format/jpg/interlace/1",
    "imageMogr2/auto-orient/thumbnail/!1920x1080r/crop/1920x1080/gravity/center/rquality/80",
    "imageMogr2/cut/600x600x100x10",
    "imageMogr2/iradius/200/format/png",
    "imageMogr2/rotate/90/flip/vertical/strip",
    "imageMogr2/blur/8x5/bright/70/contrast/-50/sharpen/70",
    "imageMogr2/strip/format/jpg/size-limit/15k!",
    "imageView2/1/w/400/h/600/q/85",
    "imageView2/2/w/500/format/webp",
    "imageMogr2/thumbnail/!50p|watermark/2/text/6IW-6K6v5LqRwrfkuIfosaHkvJjlm74/fill/IzNEM0QzRA/fontsize/20/dissolve/50/gravity/northeast/dx/20/dy/20",
    "watermark/1/image/aHR0cDovL2V4YW1wbGVzLTEyNTEwMDAwMDQuY29zLmFwLXNoYW5naGFpLm15cWNsb3VkLmNvbS9zaHVpeWluXzIucG5n/gravity/southeast/dx/10/dy/10/dissolve/40",
    "imageMogr2/thumbnail/300x300%3E%7CimageInfo",
    "q-sign-algorithm=sha1&q-ak=AKIDWtTCBYjM5OwLB9CAwA1Qb2ThTSUjfGFO&q-sign-time=1484213027;32557109027&imageMogr2/thumbnail/!50p",
    "imageInfo",
    "style/thumb-720",
];
