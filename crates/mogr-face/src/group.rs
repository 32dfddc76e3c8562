//! Merging the raw window hits of the sliding-window search into face boxes (OpenCV's
//! `groupRectangles`).
//!
//! Hits that are near-duplicates of each other (all four edges within `eps` times the mean side)
//! are joined into clusters; a cluster with fewer than `min_neighbors + 1` hits is dropped as
//! noise; the rest are averaged. Finally a small box lying inside a stronger big one is dropped.

/// An axis-aligned box in working-image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hit {
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) side: f32,
}

/// A merged cluster: the averaged box and how many hits voted for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cluster {
    pub(crate) hit: Hit,
    pub(crate) votes: u32,
}

/// OpenCV's `SimilarRects` with its default `eps = 0.2`.
const EPS: f32 = 0.2;

fn similar(a: &Hit, b: &Hit) -> bool {
    let delta = EPS * a.side.min(b.side);
    (a.x - b.x).abs() <= delta
        && (a.y - b.y).abs() <= delta
        && (a.x + a.side - b.x - b.side).abs() <= delta
        && (a.y + a.side - b.y - b.side).abs() <= delta
}

fn find_root(parents: &mut [usize], mut node: usize) -> usize {
    while let Some(&parent) = parents.get(node) {
        if parent == node {
            break;
        }
        let grandparent = parents.get(parent).copied().unwrap_or(parent);
        if let Some(slot) = parents.get_mut(node) {
            *slot = grandparent;
        }
        node = parent;
    }
    node
}

/// Groups `hits` and keeps clusters with more than `min_neighbors` votes.
pub(crate) fn group_hits(hits: &[Hit], min_neighbors: u32) -> Vec<Cluster> {
    let mut parents: Vec<usize> = (0..hits.len()).collect();
    for (i, a) in hits.iter().enumerate() {
        for (j, b) in hits.iter().enumerate().skip(i + 1) {
            if similar(a, b) {
                let (root_a, root_b) = (find_root(&mut parents, i), find_root(&mut parents, j));
                if let Some(slot) = parents.get_mut(root_b) {
                    *slot = root_a;
                }
            }
        }
    }
    let mut totals: Vec<(f32, f32, f32, u32)> = vec![(0.0, 0.0, 0.0, 0); hits.len()];
    for (index, hit) in hits.iter().enumerate() {
        let root = find_root(&mut parents, index);
        if let Some(total) = totals.get_mut(root) {
            *total = (total.0 + hit.x, total.1 + hit.y, total.2 + hit.side, total.3 + 1);
        }
    }
    let clusters: Vec<Cluster> = totals
        .into_iter()
        .filter(|&(.., votes)| votes > min_neighbors)
        .map(|(x, y, side, votes)| {
            let n = votes as f32;
            Cluster { hit: Hit { x: x / n, y: y / n, side: side / n }, votes }
        })
        .collect();
    drop_nested(clusters)
}

/// Drops a cluster lying inside a bigger one (with `EPS` slack) that has more votes than
/// `max(3, own votes)`, or any nested cluster with fewer than 3 votes — OpenCV's final filter.
fn drop_nested(clusters: Vec<Cluster>) -> Vec<Cluster> {
    let nested_in = |inner: &Cluster, outer: &Cluster| {
        let slack = outer.hit.side * EPS;
        inner.hit.x >= outer.hit.x - slack
            && inner.hit.y >= outer.hit.y - slack
            && inner.hit.x + inner.hit.side <= outer.hit.x + outer.hit.side + slack
            && inner.hit.y + inner.hit.side <= outer.hit.y + outer.hit.side + slack
            && (outer.votes > inner.votes.max(3) || inner.votes < 3)
    };
    clusters
        .iter()
        .enumerate()
        .filter(|&(i, inner)| !clusters.iter().enumerate().any(|(j, outer)| i != j && nested_in(inner, outer)))
        .map(|(_, cluster)| *cluster)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(x: f32, y: f32, side: f32) -> Hit {
        Hit { x, y, side }
    }

    #[test]
    fn near_duplicates_merge_and_lonely_hits_drop() {
        let hits = [hit(10.0, 10.0, 50.0), hit(12.0, 11.0, 50.0), hit(11.0, 9.0, 52.0), hit(300.0, 300.0, 50.0)];
        let clusters = group_hits(&hits, 2);
        assert_eq!(clusters.len(), 1);
        assert_eq!(clusters[0].votes, 3);
        assert!((clusters[0].hit.x - 11.0).abs() < 1e-4);
        assert!(group_hits(&hits, 3).is_empty());
    }

    #[test]
    fn small_box_inside_strong_big_box_is_dropped() {
        let mut hits = vec![hit(100.0, 100.0, 20.0); 4];
        hits.extend(vec![hit(90.0, 90.0, 60.0); 8]);
        let clusters = group_hits(&hits, 2);
        assert_eq!(clusters.len(), 1);
        assert_eq!(clusters[0].votes, 8);
    }
}
