//! Image styles: named rules a bucket stores, used as `style/<name>` (or through the style
//! separator of a URL, which a server turns into `style/<name>`).
//!
//! The grammar keeps `style/<name>` as a stage of its own; before planning, the engine looks
//! each name up in a [`Styles`] store and splices the style's parsed stages in its place:
//!
//! ```text
//! style/small|imageInfo ──Styles::style("small") = "imageMogr2/thumbnail/!50p"──▶
//!   imageMogr2/thumbnail/!50p|imageInfo
//! ```
//!
//! Styles do not nest: a style whose rule names a style is an invalid parameter. A name the
//! store does not know is CI's -60967 (`StyleNotFound`).

use std::collections::{BTreeMap, HashMap};

use crate::syntax::Stage;
use crate::{Error, ErrorCode, Pipeline};

/// A store of image styles: a style's rule by name.
///
/// Maps from names to rules are stores as they are:
///
/// ```
/// use std::collections::BTreeMap;
/// use mogr::Styles;
/// let styles = BTreeMap::from([("small".to_owned(), "imageMogr2/thumbnail/!50p".to_owned())]);
/// assert_eq!(styles.style("small").as_deref(), Some("imageMogr2/thumbnail/!50p"));
/// assert_eq!(styles.style("big"), None);
/// ```
pub trait Styles: Send + Sync {
    /// The rule of the style `name`, or `None` when there is no such style.
    fn style(&self, name: &str) -> Option<String>;
}

/// No styles: every `style/<name>` is -60967 `StyleNotFound`. What an engine has until it is
/// given a store.
///
/// ```
/// use mogr::{NoStyles, Styles};
/// assert_eq!(NoStyles.style("small"), None);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct NoStyles;

impl Styles for NoStyles {
    fn style(&self, _name: &str) -> Option<String> {
        None
    }
}

impl Styles for BTreeMap<String, String> {
    fn style(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl<S: std::hash::BuildHasher + Send + Sync> Styles for HashMap<String, String, S> {
    fn style(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// Whether `pipeline` names a style.
///
/// ```
/// let pipeline = mogr::parse("style/small|imageInfo")?;
/// assert!(mogr::has_styles(&pipeline));
/// assert!(!mogr::has_styles(&mogr::parse("imageInfo")?));
/// # Ok::<(), mogr::Error>(())
/// ```
pub fn has_styles(pipeline: &Pipeline) -> bool {
    pipeline.stages.iter().any(|stage| matches!(stage, Stage::Style(_)))
}

/// `pipeline` with each `style/<name>` stage replaced by the stages of the style's rule.
///
/// ```
/// use std::collections::BTreeMap;
/// let styles = BTreeMap::from([("small".to_owned(), "imageMogr2/thumbnail/!50p|imageMogr2/strip".to_owned())]);
/// let expanded = mogr::expand_styles(&mogr::parse("style/small|imageInfo")?, &styles)?;
/// assert_eq!(expanded.to_string(), "imageMogr2/thumbnail/!50p|imageMogr2/strip|imageInfo");
///
/// let missing = mogr::expand_styles(&mogr::parse("style/big")?, &styles).unwrap_err();
/// assert_eq!(missing.code(), mogr::ErrorCode::StyleNotFound);
/// # Ok::<(), mogr::Error>(())
/// ```
pub fn expand_styles(pipeline: &Pipeline, styles: &dyn Styles) -> Result<Pipeline, Error> {
    let mut stages = Vec::with_capacity(pipeline.stages.len());
    for stage in &pipeline.stages {
        let Stage::Style(name) = stage else {
            stages.push(stage.clone());
            continue;
        };
        let rule = styles
            .style(name)
            .ok_or_else(|| Error::new(ErrorCode::StyleNotFound, format!("the image style {name:?} does not exist")))?;
        let expanded = crate::parse(&rule).map_err(|e| {
            Error::new(ErrorCode::InvalidParameter, format!("the image style {name:?} is invalid: {}", e.message()))
        })?;
        if has_styles(&expanded) {
            let message = format!("the image style {name:?} names another style: a style's rule cannot use styles");
            return Err(Error::new(ErrorCode::InvalidParameter, message));
        }
        stages.extend(expanded.stages);
    }
    Ok(Pipeline { stages })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn styles() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("small".to_owned(), "imageMogr2/thumbnail/!50p".to_owned()),
            ("nested".to_owned(), "style/small".to_owned()),
            ("broken".to_owned(), "imageMogr2/rotate/720".to_owned()),
        ])
    }

    #[test]
    fn styles_expand_in_place_and_in_order() {
        let pipeline = crate::parse("imageMogr2/strip|style/small|imageInfo").unwrap();
        let expanded = expand_styles(&pipeline, &styles()).unwrap();
        assert_eq!(expanded.to_string(), "imageMogr2/strip|imageMogr2/thumbnail/!50p|imageInfo");
    }

    #[test]
    fn nested_and_broken_styles_are_invalid_parameters() {
        for name in ["nested", "broken"] {
            let err = expand_styles(&crate::parse(&format!("style/{name}")).unwrap(), &styles()).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidParameter, "{name}");
            assert!(err.message().contains(&format!("{name:?}")), "{}", err.message());
        }
    }

    #[test]
    fn unknown_styles_are_not_found() {
        let err = expand_styles(&crate::parse("style/small").unwrap(), &NoStyles).unwrap_err();
        assert_eq!((err.code().number(), err.http_status()), (-60967, 404));
    }
}
