//! The fonts an executor draws with: the [`FontLibrary`] of text watermarks, and (feature
//! `svg`) the same fonts as a font database for the text of SVG inputs, built at the first SVG
//! with text.
//!
//! SVG text: Liberation Sans (the spec's `Arial.ttf`) for `sans-serif` and text that names no
//! family, DejaVu Sans (`Tahoma.ttf`), and Noto CJK (`SimSun.ttc` as `serif`, `SimHei.ttf`),
//! which also draws any character the others lack. A face that is not installed only means
//! fewer glyphs.

#[cfg(feature = "svg")]
use std::sync::Arc;
use std::sync::OnceLock;

use mogr_text::FontLibrary;
#[cfg(feature = "svg")]
use resvg::usvg::fontdb;

/// An executor's fonts.
#[derive(Debug)]
pub(crate) struct Fonts {
    library: FontLibrary,
    #[cfg(feature = "svg")]
    svg: OnceLock<SvgFontDatabase>,
}

/// The font database of SVG text and the family unnamed text uses.
#[cfg(feature = "svg")]
#[derive(Debug)]
pub(crate) struct SvgFontDatabase {
    /// The faces.
    pub faces: Arc<fontdb::Database>,
    /// The family of text that names none.
    pub sans_family: Option<String>,
}

/// The spec fonts loaded for SVG text, and the generic family each stands for.
#[cfg(feature = "svg")]
const SVG_FACES: [(&str, Generic); 4] = [
    ("Arial.ttf", Generic::SansSerif),
    ("Tahoma.ttf", Generic::None),
    ("SimSun.ttc", Generic::Serif),
    ("SimHei.ttf", Generic::None),
];

#[cfg(feature = "svg")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Generic {
    SansSerif,
    Serif,
    None,
}

impl Fonts {
    /// The fonts of `library`; nothing is loaded yet.
    pub(crate) fn new(library: FontLibrary) -> Fonts {
        Fonts {
            library,
            #[cfg(feature = "svg")]
            svg: OnceLock::new(),
        }
    }

    /// The system's fonts, found once per process and shared (their files load on first use).
    pub(crate) fn system() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(|| Fonts::new(FontLibrary::system()))
    }

    /// The library text watermarks draw with.
    pub(crate) fn library(&self) -> &FontLibrary {
        &self.library
    }

    /// The font database of SVG text, loaded at first use.
    #[cfg(feature = "svg")]
    pub(crate) fn svg_database(&self) -> &SvgFontDatabase {
        self.svg.get_or_init(|| load_svg_faces(&self.library))
    }
}

/// Loads the faces of [`SVG_FACES`] that are installed.
#[cfg(feature = "svg")]
fn load_svg_faces(library: &FontLibrary) -> SvgFontDatabase {
    let mut faces = fontdb::Database::new();
    let mut sans_family = None;
    for (name, generic) in SVG_FACES {
        let Ok((source, data)) = library.font_data(Some(name)) else { continue };
        let ids = faces.load_font_source(fontdb::Source::Binary(data));
        let family = ids
            .iter()
            .filter_map(|id| faces.face(*id))
            .find(|face| face.index == source.index)
            .and_then(|face| face.families.first().map(|(family, _)| family.clone()));
        match (generic, family) {
            (Generic::SansSerif, Some(family)) => {
                faces.set_sans_serif_family(family.clone());
                sans_family = Some(family);
            }
            (Generic::Serif, Some(family)) => faces.set_serif_family(family),
            _ => {}
        }
    }
    SvgFontDatabase { faces: Arc::new(faces), sans_family }
}
