#![allow(clippy::unwrap_used)]

use super::*;

/// An opaque white 100x80 canvas.
fn canvas() -> Frame {
    let mut frame = Frame::new(100, 80).unwrap();
    frame.pixels.fill(255);
    frame
}

/// A solid red mark of `w`×`h`.
fn red(w: u32, h: u32) -> Mark {
    let mut frame = Frame::new(w, h).unwrap();
    frame.pixels.chunks_exact_mut(4).for_each(|p| p.copy_from_slice(&[255, 0, 0, 255]));
    Mark::whole(frame)
}

fn placement(gravity: Gravity, dx: i32, dy: i32) -> Placement {
    Placement { gravity: Some(gravity), dx: Some(dx), dy: Some(dy) }
}

/// The bounding box of the red pixels drawn.
fn red_box(frame: &Frame) -> Option<(u32, u32, u32, u32)> {
    let mut found: Option<(u32, u32, u32, u32)> = None;
    for y in 0..frame.height {
        for x in 0..frame.width {
            if frame.pixel(x, y).unwrap() == [255, 0, 0, 255] {
                let b = found.get_or_insert((x, y, x, y));
                *b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
            }
        }
    }
    found
}

fn drawn(mark: Mark, placement: Placement, tiling: Tiling) -> Frame {
    let mut frame = canvas();
    let (tile, lattice) = layout(mark, (100, 80), placement, tiling).unwrap();
    draw(&mut frame, &tile, &lattice);
    frame
}

#[test]
fn every_gravity_places_the_mark_with_its_offsets() {
    use Gravity::*;
    // A 20x10 mark with dx 5, dy 3 on 100x80: (left, top) of the box drawn.
    let expected = [
        (NorthWest, (5, 3)),
        (North, (40, 3)),
        (NorthEast, (75, 3)),
        (West, (5, 35)),
        (Center, (40, 35)),
        (East, (75, 35)),
        (SouthWest, (5, 67)),
        (South, (40, 67)),
        (SouthEast, (75, 67)),
    ];
    for (gravity, (x, y)) in expected {
        let frame = drawn(red(20, 10), placement(gravity, 5, 3), Tiling::default());
        assert_eq!(red_box(&frame), Some((x, y, x + 19, y + 9)), "{gravity:?}");
    }
}

#[test]
fn the_default_is_south_east_without_offsets() {
    let frame = drawn(red(20, 10), Placement::default(), Tiling::default());
    assert_eq!(red_box(&frame), Some((80, 70, 99, 79)));
}

#[test]
fn a_mark_beyond_the_edge_is_clipped() {
    let frame = drawn(red(20, 10), placement(Gravity::NorthWest, 90, -5), Tiling::default());
    assert_eq!(red_box(&frame), Some((90, 0, 99, 4)));
    let gone = drawn(red(20, 10), placement(Gravity::NorthWest, 200, 0), Tiling::default());
    assert_eq!(red_box(&gone), None);
}

#[test]
fn the_anchor_box_is_what_gravity_aligns() {
    let mut mark = red(20, 10);
    mark.anchor = Rect { x: 4, y: 2, width: 12, height: 6 };
    let frame = drawn(mark, placement(Gravity::SouthEast, 0, 0), Tiling::default());
    // The anchor box's bottom-right corner sits at the canvas corner; the frame spills over.
    assert_eq!(red_box(&frame), Some((84, 72, 99, 79)));
}

#[test]
fn tiling_covers_all_four_quadrants() {
    let tiling = Tiling { batch: Some(true), degree: None };
    let frame = drawn(red(10, 8), placement(Gravity::Center, 0, 0), tiling);
    let quadrant_has_red =
        |x0: u32, y0: u32| (y0..y0 + 40).any(|y| (x0..x0 + 50).any(|x| frame.pixel(x, y).unwrap() == [255, 0, 0, 255]));
    assert!(quadrant_has_red(0, 0) && quadrant_has_red(50, 0) && quadrant_has_red(0, 40) && quadrant_has_red(50, 40));
    // One tile sits where the single mark would (centred), the next 15 px (1.5 tiles) on.
    assert_eq!(frame.pixel(45, 36).unwrap(), [255, 0, 0, 255]);
    assert_eq!(frame.pixel(54, 43).unwrap(), [255, 0, 0, 255]);
    assert_eq!(frame.pixel(55, 36).unwrap(), [255, 255, 255, 255]);
    assert_eq!(frame.pixel(60, 36).unwrap(), [255, 0, 0, 255]);
    // Red covers 100/225 of the pattern's cells (10x8 tiles on a 15x12 pitch), ±edges.
    let red_pixels = frame.pixels.chunks_exact(4).filter(|p| *p == [255, 0, 0, 255]).count();
    assert!((3400..=4200).contains(&red_pixels), "{red_pixels}");
}

#[test]
fn tiles_turn_by_degree() {
    let tiling = Tiling { batch: Some(true), degree: Some(90) };
    let (tile, _) = layout(red(10, 4), (100, 80), Placement::default(), tiling).unwrap();
    assert_eq!((tile.width, tile.height), (4, 10));
    let tiling = Tiling { batch: Some(true), degree: Some(45) };
    let (tile, _) = layout(red(10, 4), (100, 80), Placement::default(), tiling).unwrap();
    assert_eq!((tile.width, tile.height), rotated((10, 4), 45));
    // Without batch/1 the degree is ignored.
    let single = Tiling { batch: None, degree: Some(45) };
    let (tile, lattice) = layout(red(10, 4), (100, 80), Placement::default(), single).unwrap();
    assert_eq!(((tile.width, tile.height), lattice), ((10, 4), Lattice { xs: vec![90], ys: vec![76] }));
}

#[test]
fn repeats_cover_the_extent_and_nothing_more() {
    assert_eq!(repeat(0, 10, 40), vec![0, 15, 30]);
    assert_eq!(repeat(20, 10, 40), vec![5, 20, 35]);
    assert_eq!(repeat(-12, 10, 20), vec![3, 18]);
    assert_eq!(repeat(0, 1, 3), vec![0, 1, 2]);
    assert_eq!(repeat(0, 200, 40), vec![0]);
}

#[test]
fn dissolve_blends_with_what_is_under() {
    let mut mark = red(100, 80);
    fade(&mut mark.frame, 40);
    assert_eq!(mark.frame.pixel(0, 0).unwrap()[3], 102);
    let frame = drawn(mark, placement(Gravity::NorthWest, 0, 0), Tiling::default());
    // White under red at alpha 102/255: (255·102 + 255·153)/255, (0·102 + 255·153)/255.
    assert_eq!(frame.pixel(50, 40).unwrap(), [255, 153, 153, 255]);
}

#[test]
fn over_blends_straight_alpha_exactly() {
    // Onto transparent: the source as it is.
    let mut target = [9, 9, 9, 0];
    over(&mut target, &[200, 100, 50, 128]);
    assert_eq!(target, [200, 100, 50, 128]);
    // 128 over 128 (s = d = 0.50196): a = s + d·(1 − s) = 0.75196 → 191.75;
    // c = 200·s / a = 133.51 (black under it adds nothing).
    let mut target = [0, 0, 0, 128];
    over(&mut target, &[200, 200, 200, 128]);
    assert_eq!(target, [134, 134, 134, 192]);
    // A transparent source changes nothing.
    let mut target = [1, 2, 3, 4];
    over(&mut target, &[200, 200, 200, 0]);
    assert_eq!(target, [1, 2, 3, 4]);
}

#[test]
fn drawing_does_not_depend_on_the_thread_count() {
    let tiling = Tiling { batch: Some(true), degree: Some(30) };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let mut mark = red(17, 9);
            fade(&mut mark.frame, 55);
            drawn(mark, placement(Gravity::North, 3, 7), tiling)
        })
    };
    assert_eq!(run(1), run(3));
}
