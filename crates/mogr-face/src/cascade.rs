//! The boosted LBP cascade: its in-memory form, the parser that builds it from OpenCV's
//! `opencv_storage` XML, and the evaluation of one detection window.
//!
//! Data flow: the XML (embedded in the binary) is parsed once into a [`Cascade`] of stages of
//! decision stumps over LBP features. [`BoundCascade::passes`] then reads 16 lattice corners (9 cell sums) per feature
//! from an [`IntegralImage`] and walks the stages, rejecting a
//! window at the first stage whose score falls below that stage's threshold (OpenCV's
//! `predictCategoricalStump`).

use crate::integral::IntegralImage;

/// One LBP feature: a 3x3 grid of cells, each `cell_width x cell_height`, whose top-left corner is
/// at (`x`, `y`) inside the detection window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LbpFeature {
    x: u32,
    y: u32,
    cell_width: u32,
    cell_height: u32,
}

/// A decision stump over one categorical (8-bit LBP code) feature.
#[derive(Debug, Clone, PartialEq)]
struct WeakClassifier {
    feature_index: usize,
    /// 256-bit set of LBP codes that select `leaf_in_subset`.
    subset: [u32; 8],
    leaf_in_subset: f32,
    leaf_outside_subset: f32,
}

/// One boosting stage: the sum of its stumps must reach `threshold` for the window to go on.
#[derive(Debug, Clone, PartialEq)]
struct Stage {
    threshold: f32,
    weak_classifiers: Vec<WeakClassifier>,
}

/// A parsed LBP cascade with its detection window size.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cascade {
    /// Detection window width in pixels.
    pub(crate) window_width: u32,
    /// Detection window height in pixels.
    pub(crate) window_height: u32,
    stages: Vec<Stage>,
    features: Vec<LbpFeature>,
}

/// Why an embedded model could not be parsed (only reachable if the vendored file is replaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ModelError(pub(crate) String);

impl Cascade {
    /// Parses OpenCV's new-style (`<cascade>`) LBP cascade XML.
    pub(crate) fn from_opencv_xml(xml: &str) -> Result<Cascade, ModelError> {
        let document = roxmltree::Document::parse(xml).map_err(|e| ModelError(format!("XML: {e}")))?;
        let cascade = child(document.root_element(), "cascade")?;
        let feature_type = text(child(cascade, "featureType")?);
        if feature_type.trim() != "LBP" {
            return Err(ModelError(format!("featureType {feature_type:?} is not LBP")));
        }
        let window_width = parse_number(text(child(cascade, "width")?))?;
        let window_height = parse_number(text(child(cascade, "height")?))?;
        let stages = items(child(cascade, "stages")?).map(parse_stage).collect::<Result<Vec<_>, _>>()?;
        let features = items(child(cascade, "features")?).map(parse_feature).collect::<Result<Vec<_>, _>>()?;
        let parsed = Cascade { window_width, window_height, stages, features };
        parsed.validate()?;
        Ok(parsed)
    }

    /// Checks that every feature index is in range and every feature fits in the window, so that
    /// evaluation never indexes out of bounds.
    fn validate(&self) -> Result<(), ModelError> {
        if self.window_width == 0 || self.window_height == 0 || self.stages.is_empty() {
            return Err(ModelError("empty window or no stages".into()));
        }
        let in_window = |f: &LbpFeature| {
            f.x + 3 * f.cell_width <= self.window_width && f.y + 3 * f.cell_height <= self.window_height
        };
        if !self.features.iter().all(in_window) {
            return Err(ModelError("a feature lies outside the window".into()));
        }
        let weak = self.stages.iter().flat_map(|s| s.weak_classifiers.iter());
        if weak.clone().any(|w| w.feature_index >= self.features.len()) {
            return Err(ModelError("a weak classifier names a missing feature".into()));
        }
        Ok(())
    }
}

/// The cascade bound to one integral image: each feature's 16 grid corners (a 4x4 lattice) as
/// offsets into the summed-area table, so a window costs 16 reads per feature.
pub(crate) struct BoundCascade<'a> {
    cascade: &'a Cascade,
    table: &'a [u32],
    stride: usize,
    corners: Vec<[usize; 16]>,
}

impl<'a> BoundCascade<'a> {
    /// Precomputes the corner offsets of every feature for `integral`'s row stride.
    pub(crate) fn new(cascade: &'a Cascade, integral: &'a IntegralImage) -> BoundCascade<'a> {
        let stride = integral.stride();
        let corners = cascade
            .features
            .iter()
            .map(|f| {
                std::array::from_fn(|i| {
                    let (column, row) = ((i % 4) as u32, (i / 4) as u32);
                    let (x, y) = (f.x + column * f.cell_width, f.y + row * f.cell_height);
                    y as usize * stride + x as usize
                })
            })
            .collect();
        BoundCascade { cascade, table: integral.table(), stride, corners }
    }

    /// Whether the window whose top-left corner is (`x`, `y`) passes every stage. The caller
    /// keeps the window inside the image; reads outside the table count as zero.
    pub(crate) fn passes(&self, x: u32, y: u32) -> bool {
        let base = y as usize * self.stride + x as usize;
        self.cascade.stages.iter().all(|stage| {
            let score: f32 = stage.weak_classifiers.iter().map(|weak| self.stump(weak, base)).sum();
            score >= stage.threshold
        })
    }

    fn stump(&self, weak: &WeakClassifier, base: usize) -> f32 {
        let code = self.code(weak.feature_index, base);
        let word = weak.subset.get(usize::from(code >> 5)).copied().unwrap_or(0);
        if word & (1u32 << (code & 31)) != 0 { weak.leaf_in_subset } else { weak.leaf_outside_subset }
    }

    /// The feature's 8-bit LBP code in the window at `base`: each of the 8 outer cells contributes
    /// one bit, set when its sum is at least the centre cell's. Bit order follows OpenCV (clockwise
    /// from the top-left cell = bit 7, ending with the middle-left cell = bit 0).
    fn code(&self, feature_index: usize, base: usize) -> u8 {
        let Some(corners) = self.corners.get(feature_index) else { return 0 };
        let mut p = [0u32; 16];
        for (value, &offset) in p.iter_mut().zip(corners) {
            *value = self.table.get(base + offset).copied().unwrap_or(0);
        }
        // Sum of the cell whose top-left lattice corner is `tl` (exact modulo 2^32).
        let cell = |tl: u32, tr: u32, bl: u32, br: u32| br.wrapping_sub(tr).wrapping_sub(bl).wrapping_add(tl);
        let centre = cell(p[5], p[6], p[9], p[10]);
        let bit = |sum: u32, weight: u8| if sum >= centre { weight } else { 0 };
        bit(cell(p[0], p[1], p[4], p[5]), 128)
            | bit(cell(p[1], p[2], p[5], p[6]), 64)
            | bit(cell(p[2], p[3], p[6], p[7]), 32)
            | bit(cell(p[6], p[7], p[10], p[11]), 16)
            | bit(cell(p[10], p[11], p[14], p[15]), 8)
            | bit(cell(p[9], p[10], p[13], p[14]), 4)
            | bit(cell(p[8], p[9], p[12], p[13]), 2)
            | bit(cell(p[4], p[5], p[8], p[9]), 1)
    }
}

/// Reference LBP code computed straight from rectangle sums (used to check [`BoundCascade`]).
#[cfg(test)]
fn lbp_code(feature: &LbpFeature, integral: &IntegralImage, x: u32, y: u32) -> u8 {
    let (w, h) = (feature.cell_width, feature.cell_height);
    let (left, top) = (x + feature.x, y + feature.y);
    let cell = |column: u32, row: u32| integral.sum(left + column * w, top + row * h, w, h);
    let centre = cell(1, 1);
    const CLOCKWISE: [(u32, u32); 8] = [(0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (1, 2), (0, 2), (0, 1)];
    CLOCKWISE.iter().fold(0u8, |code, &(column, row)| (code << 1) | u8::from(cell(column, row) >= centre))
}

fn child<'a, 'input>(node: roxmltree::Node<'a, 'input>, name: &str) -> Result<roxmltree::Node<'a, 'input>, ModelError> {
    node.children().find(|c| c.has_tag_name(name)).ok_or_else(|| ModelError(format!("missing <{name}>")))
}

/// The `<_>` list items under `node`.
fn items<'a, 'input>(node: roxmltree::Node<'a, 'input>) -> impl Iterator<Item = roxmltree::Node<'a, 'input>> {
    node.children().filter(|c| c.has_tag_name("_"))
}

fn text<'a>(node: roxmltree::Node<'a, '_>) -> &'a str {
    node.text().unwrap_or("")
}

fn parse_number<T: std::str::FromStr>(token: &str) -> Result<T, ModelError> {
    token.trim().parse().map_err(|_| ModelError(format!("not a number: {token:?}")))
}

fn parse_numbers<T: std::str::FromStr>(node: roxmltree::Node<'_, '_>) -> Result<Vec<T>, ModelError> {
    text(node).split_whitespace().map(parse_number).collect()
}

fn parse_stage(node: roxmltree::Node<'_, '_>) -> Result<Stage, ModelError> {
    let threshold = parse_number(text(child(node, "stageThreshold")?))?;
    let weak_classifiers =
        items(child(node, "weakClassifiers")?).map(parse_weak_classifier).collect::<Result<Vec<_>, _>>()?;
    Ok(Stage { threshold, weak_classifiers })
}

/// `<internalNodes>` holds `left right featureIndex subset[8]` (a depth-1 tree: left = 0,
/// right = -1); `<leafValues>` the two leaves.
fn parse_weak_classifier(node: roxmltree::Node<'_, '_>) -> Result<WeakClassifier, ModelError> {
    let internal: Vec<i64> = parse_numbers(child(node, "internalNodes")?)?;
    let leaves: Vec<f32> = parse_numbers(child(node, "leafValues")?)?;
    let (&[_, _, feature_index, ref subset_words @ ..], &[leaf_in_subset, leaf_outside_subset]) =
        (internal.as_slice(), leaves.as_slice())
    else {
        return Err(ModelError("weak classifier is not a categorical stump".into()));
    };
    let mut subset = [0u32; 8];
    if subset_words.len() != subset.len() {
        return Err(ModelError("subset is not 8 words".into()));
    }
    for (slot, &word) in subset.iter_mut().zip(subset_words) {
        // The words are stored as signed 32-bit integers; keep their bit pattern.
        *slot = i32::try_from(word).map_err(|_| ModelError("subset word out of range".into()))?.cast_unsigned();
    }
    let feature_index = usize::try_from(feature_index).map_err(|_| ModelError("negative feature index".into()))?;
    Ok(WeakClassifier { feature_index, subset, leaf_in_subset, leaf_outside_subset })
}

fn parse_feature(node: roxmltree::Node<'_, '_>) -> Result<LbpFeature, ModelError> {
    let numbers: Vec<u32> = parse_numbers(child(node, "rect")?)?;
    let &[x, y, cell_width, cell_height] = numbers.as_slice() else {
        return Err(ModelError("a rect is not 4 numbers".into()));
    };
    if x > 1024 || y > 1024 || cell_width > 1024 || cell_height > 1024 {
        return Err(ModelError("feature rect too large".into()));
    }
    Ok(LbpFeature { x, y, cell_width, cell_height })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_model_parses() {
        let cascade = Cascade::from_opencv_xml(crate::MODEL_XML);
        assert!(matches!(cascade, Ok(Cascade { window_width: 45, window_height: 45, .. })), "{cascade:?}");
        if let Ok(cascade) = cascade {
            assert_eq!(cascade.stages.len(), 19);
            assert_eq!(cascade.features.len(), 142);
        }
    }

    #[test]
    fn rejects_haar_and_garbage() {
        assert!(Cascade::from_opencv_xml("<opencv_storage/>").is_err());
        assert!(Cascade::from_opencv_xml("not xml").is_err());
        let haar = "<opencv_storage><cascade><featureType>HAAR</featureType></cascade></opencv_storage>";
        assert!(Cascade::from_opencv_xml(haar).is_err());
    }

    #[test]
    fn lbp_code_bits_follow_opencv_order() {
        // 3x3 image, 1x1 cells: the centre is 5; cells >= 5 set their bit.
        let pixels = [9, 0, 9, 0, 5, 0, 0, 0, 6];
        let integral = IntegralImage::new(&pixels, 3, 3);
        let feature = LbpFeature { x: 0, y: 0, cell_width: 1, cell_height: 1 };
        // top-left (bit 7), top-right (bit 5), bottom-right (bit 3), and centre itself is not a bit.
        assert_eq!(lbp_code(&feature, &integral, 0, 0), 0b1010_1000);
    }

    #[test]
    fn bound_codes_match_the_reference_on_every_feature() {
        let Ok(cascade) = Cascade::from_opencv_xml(crate::MODEL_XML) else { panic!("model") };
        let (w, h) = (60u32, 52u32);
        let pixels: Vec<u8> = (0..w * h).map(|i| ((i * 2_654_435_761) >> 24) as u8).collect();
        let integral = IntegralImage::new(&pixels, w, h);
        let bound = BoundCascade::new(&cascade, &integral);
        for (x, y) in [(0, 0), (15, 7), (3, 5)] {
            for (index, feature) in cascade.features.iter().enumerate() {
                let base = y as usize * integral.stride() + x as usize;
                assert_eq!(bound.code(index, base), lbp_code(feature, &integral, x, y), "feature {index}");
            }
        }
    }
}
