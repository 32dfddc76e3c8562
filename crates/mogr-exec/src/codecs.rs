//! The codec families a build has: which cargo feature brings each, and the error a request
//! that needs a missing one gets.
//!
//! This module owns the one table of mogr-exec's codec features ([`FAMILIES`]); the decoders
//! and encoders that a feature turns off answer through [`Family::missing`], so the message
//! always names the feature to enable. mogr, mogr-cli and mogr-server pass each feature through
//! under the same name.
//!
//! ```text
//! feature      on                                  off
//! jpeg-turbo   libjpeg-turbo decodes and encodes   zune-jpeg decodes (then box-shrinks),
//!                                                  the trellis encoder writes every JPEG
//! webp         libwebp encodes WebP                WebP output: Unsupported (decoding is pure
//!                                                  Rust and always built)
//! heif         libheif: HEIF/HEIC/AVIF in, AVIF    HEIF/HEIC/AVIF in or out: Unsupported
//!              out
//! heic-encode  x265 (GPL) writes HEIC/HEIF         HEIC/HEIF out: Unsupported (off by default)
//! svg          resvg draws SVG input; svgc         SVG input and svgc: Unsupported
//! ```
//!
//! Probing (mogr-plan) recognises every format whatever the features, so a request for a
//! missing codec is refused with the precise format and feature, never as an unknown format.

use crate::ExecError;

/// A codec family that one cargo feature turns on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Family {
    /// JPEG through libjpeg-turbo (`jpeg-turbo`).
    JpegTurbo,
    /// WebP encoding through libwebp (`webp`).
    Webp,
    /// HEIF/HEIC and AVIF through libheif (`heif`).
    Heif,
    /// HEIC/HEIF encoding through x265, GPL (`heic-encode`, which implies `heif`; off by
    /// default).
    HeicEncode,
    /// SVG input and svgc through resvg (`svg`).
    Svg,
}

/// What the table says about one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FamilyInfo {
    /// The family.
    pub family: Family,
    /// The cargo feature that brings it.
    pub feature: &'static str,
    /// What it brings, in a few words.
    pub brings: &'static str,
    /// Whether this build has it.
    pub built: bool,
    /// What enabling it means beyond the code it brings (a licence), if anything.
    pub caveat: Option<&'static str>,
}

/// Every codec family, in the order the README lists them.
pub const FAMILIES: [FamilyInfo; 5] = [
    FamilyInfo {
        family: Family::JpegTurbo,
        feature: "jpeg-turbo",
        brings: "JPEG through libjpeg-turbo",
        built: cfg!(feature = "jpeg-turbo"),
        caveat: None,
    },
    FamilyInfo {
        family: Family::Webp,
        feature: "webp",
        brings: "WebP encoding",
        built: cfg!(feature = "webp"),
        caveat: None,
    },
    FamilyInfo {
        family: Family::Heif,
        feature: "heif",
        brings: "HEIF/HEIC and AVIF",
        built: cfg!(feature = "heif"),
        caveat: None,
    },
    FamilyInfo {
        family: Family::HeicEncode,
        feature: "heic-encode",
        brings: "HEIC/HEIF encoding",
        built: cfg!(feature = "heic-encode"),
        caveat: Some("x265 is GPL-2.0: a binary built with it is GPL"),
    },
    FamilyInfo {
        family: Family::Svg,
        feature: "svg",
        brings: "SVG input and svgc",
        built: cfg!(feature = "svg"),
        caveat: None,
    },
];

impl Family {
    /// The family's row of [`FAMILIES`].
    pub fn info(self) -> &'static FamilyInfo {
        let index = match self {
            Family::JpegTurbo => 0,
            Family::Webp => 1,
            Family::Heif => 2,
            Family::HeicEncode => 3,
            Family::Svg => 4,
        };
        &FAMILIES[index]
    }

    /// Whether this build has the family.
    pub fn built(self) -> bool {
        self.info().built
    }

    /// The cargo feature that brings the family.
    pub fn feature(self) -> &'static str {
        self.info().feature
    }

    /// The error of a request that needs `what` (e.g. "AVIF", "WebP encoding") of this family
    /// in a build without it: [`ExecError::Unsupported`], naming the feature to enable (and
    /// its caveat).
    pub fn missing(self, what: &str) -> ExecError {
        let info = self.info();
        let mut message = format!("{what} support not built in: enable mogr's `{}` feature", info.feature);
        if let Some(caveat) = info.caveat {
            message.push_str(&format!(" ({caveat})"));
        }
        ExecError::Unsupported(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_its_own_row() {
        for family in [Family::JpegTurbo, Family::Webp, Family::Heif, Family::HeicEncode, Family::Svg] {
            assert_eq!(family.info().family, family);
        }
    }

    #[test]
    fn the_missing_error_names_the_feature() {
        let error = Family::Heif.missing("HEIF");
        assert_eq!(error, ExecError::Unsupported("HEIF support not built in: enable mogr's `heif` feature".into()));
        let ExecError::Unsupported(message) = Family::HeicEncode.missing("HEIC/HEIF encoding") else {
            panic!("not Unsupported");
        };
        assert!(message.contains("`heic-encode`") && message.contains("GPL"), "{message}");
    }
}
