//! The geometry table: input size, EXIF orientation, rule, output size. The cases are the
//! spec's worked examples and ImageMagick's geometry semantics (`!` exact, `>` shrink only,
//! `<` enlarge only, `!…r` cover, `@` area, percentages), rounded half up. The planner's test
//! (`crates/mogr-plan/tests/plan_geometry.rs`) checks the plan; the facade's
//! (`crates/mogr/tests/geometry_executed.rs`) runs the cases for real.

/// `(input, EXIF orientation, rule, output)`
pub type Case = ((u32, u32), u16, &'static str, (u32, u32));

pub const CASES: &[Case] = &[
    // Percentages: both sides, width only, height only; half rounds up; never below 1.
    ((1000, 500), 1, "imageMogr2/thumbnail/!50p", (500, 250)),
    ((1000, 500), 1, "imageMogr2/thumbnail/!50px", (500, 500)),
    ((1000, 500), 1, "imageMogr2/thumbnail/!x50p", (1000, 250)),
    ((333, 333), 1, "imageMogr2/thumbnail/!50p", (167, 167)),
    ((1, 1), 1, "imageMogr2/thumbnail/!1p", (1, 1)),
    ((100, 100), 1, "imageMogr2/thumbnail/!1000p", (1000, 1000)),
    ((640, 480), 1, "imageMogr2/thumbnail/!33p", (211, 158)),
    // One side given, the other in proportion.
    ((1000, 500), 1, "imageMogr2/thumbnail/400x", (400, 200)),
    ((1000, 500), 1, "imageMogr2/thumbnail/x100", (200, 100)),
    ((1000, 333), 1, "imageMogr2/thumbnail/500x", (500, 167)),
    ((3, 1000), 1, "imageMogr2/thumbnail/1x", (1, 333)),
    ((1000, 1), 1, "imageMogr2/thumbnail/100x", (100, 1)),
    ((500, 1000), 1, "imageMogr2/thumbnail/x250", (125, 250)),
    // Fit in a box (both ways).
    ((1000, 500), 1, "imageMogr2/thumbnail/500x400", (500, 250)),
    ((1000, 500), 1, "imageMogr2/thumbnail/600x600", (600, 300)),
    ((500, 1000), 1, "imageMogr2/thumbnail/600x600", (300, 600)),
    ((400, 300), 1, "imageMogr2/thumbnail/800x800", (800, 600)),
    ((1000, 500), 1, "imageMogr2/thumbnail/1000x500", (1000, 500)),
    ((1001, 500), 1, "imageMogr2/thumbnail/100x100", (100, 50)),
    ((4032, 3024), 1, "imageMogr2/thumbnail/720x720", (720, 540)),
    // `>`: only shrink.
    ((1000, 500), 1, "imageMogr2/thumbnail/600x600>", (600, 300)),
    ((400, 300), 1, "imageMogr2/thumbnail/800x800>", (400, 300)),
    ((500, 1000), 1, "imageMogr2/thumbnail/600x600>", (300, 600)),
    ((700, 300), 1, "imageMogr2/thumbnail/600x600>", (600, 257)),
    ((600, 600), 1, "imageMogr2/thumbnail/600x600>", (600, 600)),
    // `<`: only enlarge, and only when the box is larger in both sides.
    ((400, 300), 1, "imageMogr2/thumbnail/800x800<", (800, 600)),
    ((1000, 500), 1, "imageMogr2/thumbnail/600x600<", (1000, 500)),
    ((400, 300), 1, "imageMogr2/thumbnail/800x200<", (400, 300)),
    ((100, 100), 1, "imageMogr2/thumbnail/300x200<", (200, 200)),
    // `!…r`: cover the box.
    ((1000, 500), 1, "imageMogr2/thumbnail/!500x400r", (800, 400)),
    ((1000, 500), 1, "imageMogr2/thumbnail/!200x200r", (400, 200)),
    ((500, 1000), 1, "imageMogr2/thumbnail/!200x200r", (200, 400)),
    ((100, 100), 1, "imageMogr2/thumbnail/!300x200r", (300, 300)),
    ((4032, 3024), 1, "imageMogr2/thumbnail/!1920x1080r", (1920, 1440)),
    // `!`: exactly.
    ((1000, 500), 1, "imageMogr2/thumbnail/300x300!", (300, 300)),
    ((10, 10), 1, "imageMogr2/thumbnail/5000x1!", (5000, 1)),
    // `@`: at most this many pixels (both ways).
    ((1000, 500), 1, "imageMogr2/thumbnail/20000@", (200, 100)),
    ((1000, 1000), 1, "imageMogr2/thumbnail/10000@", (100, 100)),
    ((4032, 3024), 1, "imageMogr2/thumbnail/1000000@", (1154, 866)),
    ((100, 100), 1, "imageMogr2/thumbnail/40000@", (200, 200)),
    ((3, 7), 1, "imageMogr2/thumbnail/20@", (2, 6)),
    // `pad/1`: the box around a fitted thumbnail.
    ((1000, 500), 1, "imageMogr2/thumbnail/600x600/pad/1", (600, 600)),
    ((400, 300), 1, "imageMogr2/thumbnail/600x600>/pad/1/color/I0ZGMDAwMA", (600, 600)),
    ((1000, 500), 1, "imageMogr2/thumbnail/500x/pad/1", (500, 250)),
    ((1000, 500), 1, "imageMogr2/thumbnail/600x600/pad/0", (600, 300)),
    // cut: clipped to the image.
    ((1000, 500), 1, "imageMogr2/cut/600x600x100x10", (600, 490)),
    ((1000, 500), 1, "imageMogr2/cut/300x200x0x0", (300, 200)),
    ((1000, 500), 1, "imageMogr2/cut/300x200x900x400", (100, 100)),
    // crop with gravity, clipped to the image.
    ((1000, 500), 1, "imageMogr2/crop/300x400/gravity/center", (300, 400)),
    ((1000, 500), 1, "imageMogr2/crop/300x", (300, 500)),
    ((1000, 500), 1, "imageMogr2/crop/x100", (1000, 100)),
    ((1000, 500), 1, "imageMogr2/crop/2000x2000", (1000, 500)),
    ((1000, 500), 1, "imageMogr2/crop/300x400/gravity/southeast/dx/800", (200, 400)),
    ((1000, 500), 1, "imageMogr2/crop/300x400/gravity/center/dx/800", (300, 400)),
    // Circles, rounded corners, face crop.
    ((1000, 500), 1, "imageMogr2/iradius/200", (400, 400)),
    ((1000, 500), 1, "imageMogr2/iradius/9999", (500, 500)),
    ((1000, 500), 1, "imageMogr2/rradius/100", (1000, 500)),
    ((1000, 500), 1, "imageMogr2/scrop/100x600", (100, 600)),
    // Rotation canvases.
    ((1000, 500), 1, "imageMogr2/rotate/90", (500, 1000)),
    ((1000, 500), 1, "imageMogr2/rotate/180", (1000, 500)),
    ((400, 300), 1, "imageMogr2/rotate/45", (495, 495)),
    ((400, 300), 1, "imageMogr2/rotate/360", (400, 300)),
    // auto-orient swaps for orientations 5-8 and then every step sees the upright size.
    ((1000, 500), 6, "imageMogr2/auto-orient", (500, 1000)),
    ((1000, 500), 6, "imageMogr2/auto-orient/thumbnail/100x", (100, 200)),
    ((1000, 500), 3, "imageMogr2/auto-orient", (1000, 500)),
    ((1000, 500), 6, "imageMogr2/thumbnail/100x", (100, 50)),
    // imageView2: the spec's examples, then one-value and long/short-edge forms.
    ((1000, 500), 1, "imageView2/1/w/500/h/400", (500, 400)),
    ((1000, 500), 1, "imageView2/2/w/500/h/400", (500, 250)),
    ((1000, 500), 1, "imageView2/3/w/500/h/400", (800, 400)),
    ((1000, 500), 1, "imageView2/4/w/400/h/100", (400, 200)),
    ((1000, 500), 1, "imageView2/5/w/400/h/100", (400, 100)),
    ((500, 1000), 1, "imageView2/5/w/400/h/100", (100, 400)),
    ((1000, 500), 1, "imageView2/1/w/300", (300, 300)),
    ((1000, 500), 1, "imageView2/2/w/300", (300, 150)),
    ((1000, 500), 1, "imageView2/2/w/5000", (1000, 500)),
    // Pipelines: each stage starts from the previous one's result.
    ((1000, 500), 1, "imageMogr2/thumbnail/!50p|imageMogr2/crop/100x100/gravity/center", (100, 100)),
    ((1000, 500), 1, "imageMogr2/thumbnail/500x|imageView2/2/h/100", (200, 100)),
    ((1000, 500), 6, "imageMogr2/strip|imageMogr2/auto-orient", (1000, 500)),
];
