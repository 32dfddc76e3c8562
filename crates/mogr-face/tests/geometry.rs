//! `smart_crop` and `saliency_crop` geometry on hand-made face boxes: exact output size, crop
//! inside the scaled image, faces inside the crop, and the edge cases (target larger than the
//! image, faces at the border, faces too far apart, degenerate sizes).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mogr_face::{CropPlan, Face, Rect, saliency_crop, smart_crop};

fn face(x: u32, y: u32, side: u32) -> Face {
    Face { x, y, width: side, height: side, confidence: 10.0 }
}

/// The face box in the plan's scaled image, rounded outwards.
fn scaled(face: &Face, image: (u32, u32), plan: &CropPlan) -> Rect {
    let sx = f64::from(plan.scaled_width) / f64::from(image.0);
    let sy = f64::from(plan.scaled_height) / f64::from(image.1);
    let x = (f64::from(face.x) * sx).floor() as u32;
    let y = (f64::from(face.y) * sy).floor() as u32;
    let right = (f64::from(face.x + face.width) * sx).ceil() as u32;
    let bottom = (f64::from(face.y + face.height) * sy).ceil() as u32;
    Rect { x, y, width: right - x, height: bottom - y }
}

fn check_plan(plan: &CropPlan, image: (u32, u32), target: (u32, u32)) {
    assert_eq!((plan.crop.width, plan.crop.height), target, "{plan:?}");
    assert!(plan.scaled_width >= target.0 && plan.scaled_height >= target.1, "{plan:?}");
    // Exactly one side is cut (cover scaling): the other equals the target.
    assert!(plan.scaled_width == target.0 || plan.scaled_height == target.1, "{plan:?}");
    let whole = Rect { x: 0, y: 0, width: plan.scaled_width, height: plan.scaled_height };
    assert!(whole.contains(&plan.crop), "{plan:?}");
    let input = Rect { x: 0, y: 0, width: image.0, height: image.1 };
    assert!(input.contains(&plan.source) && plan.source.width > 0 && plan.source.height > 0, "{plan:?}");
}

const TARGETS: [(u32, u32); 6] = [(100, 600), (600, 100), (300, 300), (1, 1), (4000, 3000), (17, 999)];

#[test]
fn one_face_anywhere_stays_in_the_crop() {
    let image = (1600, 1000);
    let positions = [(0, 0), (1500, 900), (0, 900), (1500, 0), (750, 450), (1, 500)];
    for (x, y) in positions {
        let faces = [face(x, y, 100)];
        for target in TARGETS {
            let plan = smart_crop(image.0, image.1, target.0, target.1, &faces).unwrap();
            check_plan(&plan, image, target);
            let face_box = scaled(&faces[0], image, &plan);
            if face_box.width <= target.0 && face_box.height <= target.1 {
                assert!(plan.crop.contains(&face_box), "face {face_box:?} outside {plan:?}");
            }
        }
    }
}

#[test]
fn the_face_is_centred_when_the_frame_allows() {
    // 2000x1000 image, 500x500 target: scaled 1000x500, the face centre (1000, 500) maps to (500, 250); window x = 250.
    let plan = smart_crop(2000, 1000, 500, 500, &[face(950, 450, 100)]).unwrap();
    assert_eq!((plan.scaled_width, plan.scaled_height), (1000, 500));
    assert_eq!(plan.crop, Rect { x: 250, y: 0, width: 500, height: 500 });
    assert_eq!(plan.source, Rect { x: 500, y: 0, width: 1000, height: 1000 });
    // Near the right border the window is shifted in, not shrunk.
    let right = smart_crop(2000, 1000, 500, 500, &[face(1880, 450, 100)]).unwrap();
    assert_eq!(right.crop, Rect { x: 500, y: 0, width: 500, height: 500 });
}

#[test]
fn target_larger_than_the_image_enlarges_and_still_covers() {
    let faces = [face(10, 10, 20)];
    let plan = smart_crop(64, 48, 640, 640, &faces).unwrap();
    check_plan(&plan, (64, 48), (640, 640));
    assert_eq!((plan.scaled_width, plan.scaled_height), (853, 640));
    assert!(plan.crop.contains(&scaled(&faces[0], (64, 48), &plan)));
}

#[test]
fn faces_far_apart_fall_back_to_the_largest_face() {
    let faces = [face(0, 400, 80), face(1800, 380, 120)];
    // 2000x1000 -> 300x300: scaled 600x300; the union spans the whole width, 600 > 300.
    let plan = smart_crop(2000, 1000, 300, 300, &faces).unwrap();
    check_plan(&plan, (2000, 1000), (300, 300));
    assert!(plan.crop.contains(&scaled(&faces[1], (2000, 1000), &plan)), "{plan:?}");
    assert!(!plan.crop.contains(&scaled(&faces[0], (2000, 1000), &plan)), "{plan:?}");
    // A 600x300 window holds both: the union is kept.
    let wide = smart_crop(2000, 1000, 600, 250, &faces).unwrap();
    for f in &faces {
        assert!(wide.crop.contains(&scaled(f, (2000, 1000), &wide)), "{wide:?}");
    }
}

#[test]
fn a_face_larger_than_the_target_is_centred() {
    let faces = [face(100, 100, 800)];
    let plan = smart_crop(1000, 1000, 100, 600, &faces).unwrap();
    check_plan(&plan, (1000, 1000), (100, 600));
    // scaled 600x600, face centre 500 -> 300: window x = 250.
    assert_eq!(plan.crop.x, 250);
}

#[test]
fn no_face_or_degenerate_sizes_give_no_plan() {
    assert_eq!(smart_crop(100, 100, 50, 50, &[]), None);
    let faces = [face(0, 0, 10)];
    assert_eq!(smart_crop(0, 100, 50, 50, &faces), None);
    assert_eq!(smart_crop(100, 100, 0, 50, &faces), None);
    assert_eq!(smart_crop(1, 2, u32::MAX, 1, &faces), None);
    let huge = smart_crop(u32::MAX, 1, 1, 1, &faces).unwrap();
    check_plan(&huge, (u32::MAX, 1), (1, 1));
}

#[test]
fn faces_outside_the_image_do_not_break_the_plan() {
    let faces = [face(5000, 5000, 300)];
    let plan = smart_crop(1000, 800, 200, 200, &faces).unwrap();
    check_plan(&plan, (1000, 800), (200, 200));
}

#[test]
fn saliency_crop_finds_the_busy_region() {
    // A flat 800x400 image with a textured 100x100 patch at x 600..700: a 200x200 crop of the
    // 400x200 scaled image must contain the patch (x 300..350 once scaled).
    let (width, height) = (800u32, 400u32);
    let mut luma = vec![100u8; (width * height) as usize];
    for y in 150..250 {
        for x in 600..700 {
            luma[(y * width + x) as usize] = if (x / 4 + y / 4) % 2 == 0 { 20 } else { 230 };
        }
    }
    let plan = saliency_crop(&luma, width, height, 200, 200).unwrap();
    check_plan(&plan, (width, height), (200, 200));
    assert!(plan.crop.contains(&Rect { x: 300, y: 75, width: 50, height: 50 }), "{plan:?}");
    assert_eq!(saliency_crop(&[], 0, 0, 10, 10), None);
    let centred = saliency_crop(&[], 1000, 500, 100, 100).unwrap();
    assert_eq!(centred.crop, Rect { x: 50, y: 0, width: 100, height: 100 });
    let tiny = saliency_crop(&[1], 1, 1, 5, 3).unwrap();
    check_plan(&tiny, (1, 1), (5, 3));
}
