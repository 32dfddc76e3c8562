//! The keyword tables: every name the language knows, written once.
//!
//! Each table is one `keyword_enum!` invocation. It generates the enum, the list of keywords
//! (used in error messages, the fuzz dictionary and the docs), the canonical spelling (used by
//! the printer) and the lookup (used by the parser), so the three can never disagree.

use std::fmt;

macro_rules! keyword_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in table order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            /// Every keyword, in table order.
            pub const KEYWORDS: &'static [&'static str] = &[$($text,)+];
            /// What these keywords name, for error messages.
            pub const WHAT: &'static str = $what;

            /// The canonical spelling.
            pub const fn keyword(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }

            /// Looks up an exact spelling.
            pub fn from_keyword(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.keyword() == text)
            }

            /// Looks up a spelling, ignoring ASCII case.
            pub fn from_keyword_ignore_case(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.keyword().eq_ignore_ascii_case(text))
            }

            /// What a parser reports when something else stands where one of these belongs.
            pub fn expected() -> $crate::error::Expected {
                $crate::error::Expected::OneOf { what: Self::WHAT, choices: Self::KEYWORDS }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.keyword())
            }
        }
    };
}

keyword_enum! {
    /// The first word of a pipeline stage.
    pub enum StageKey ("a processing stage") {
        /// `imageMogr2/...`: basic processing.
        ImageMogr2 = "imageMogr2",
        /// `imageView2/<mode>/...`: the quick thumbnail template.
        ImageView2 = "imageView2",
        /// `watermark/<1-4>/...`: image, text and blind watermarks.
        Watermark = "watermark",
        /// `imageInfo`: basic information as JSON.
        ImageInfo = "imageInfo",
        /// `exif`: EXIF data as JSON.
        Exif = "exif",
        /// `imageAve`: the average colour as JSON.
        ImageAve = "imageAve",
        /// `style/<name>`: a named rule stored with the bucket.
        Style = "style",
    }
}

keyword_enum! {
    /// The parameter names of an `imageMogr2` stage.
    pub enum Mogr2Key ("an imageMogr2 parameter") {
        /// `thumbnail/<geometry>`
        Thumbnail = "thumbnail",
        /// `pad/<0|1>`: pad the thumbnail box
        Pad = "pad",
        /// `color/<base64 #RRGGBB>`: the fill colour
        Color = "color",
        /// `cut/<W>x<H>x<DX>x<DY>`
        Cut = "cut",
        /// `crop/<geometry>`
        Crop = "crop",
        /// `gravity/<name>`: the crop's reference point
        Gravity = "gravity",
        /// `dx/<n>`: the crop's horizontal offset
        Dx = "dx",
        /// `dy/<n>`: the crop's vertical offset
        Dy = "dy",
        /// `iradius/<r>`: circle crop
        IRadius = "iradius",
        /// `rradius/<r>`: rounded corners
        RRadius = "rradius",
        /// `scrop/<W>x<H>`: face-aware crop
        SCrop = "scrop",
        /// `rotate/<0-360>`
        Rotate = "rotate",
        /// `auto-orient`
        AutoOrient = "auto-orient",
        /// `flip/<vertical|horizontal>`
        Flip = "flip",
        /// `blur/<radius>x<sigma>`
        Blur = "blur",
        /// `bright/<-100..100>`
        Bright = "bright",
        /// `contrast/<-100..100>`
        Contrast = "contrast",
        /// `sharpen/<10..300>`
        Sharpen = "sharpen",
        /// `grayscale/<0|1>`
        Grayscale = "grayscale",
        /// `format/<format>`
        Format = "format",
        /// `cgif/<1..100>`
        Cgif = "cgif",
        /// `interlace/<0|1>`
        Interlace = "interlace",
        /// `quality/<0..100>[!]`
        Quality = "quality",
        /// `rquality/<0..100>`
        RQuality = "rquality",
        /// `lquality/<0..100>`
        LQuality = "lquality",
        /// `strip`
        Strip = "strip",
        /// `size-limit/<n><k|m>[!]`
        SizeLimit = "size-limit",
        /// `ignore-error/<0|1>`
        IgnoreError = "ignore-error",
    }
}

keyword_enum! {
    /// The parameter names of an `imageView2` stage.
    pub enum View2Key ("an imageView2 parameter") {
        /// `w/<width>`
        Width = "w",
        /// `h/<height>`
        Height = "h",
        /// `format/<format>`
        Format = "format",
        /// `q/<0..100>[!]`
        Quality = "q",
        /// `rq/<0..100>`
        RQuality = "rq",
        /// `lq/<0..100>`
        LQuality = "lq",
    }
}

keyword_enum! {
    /// The parameter names of the `watermark` stages (each kind accepts a subset).
    pub enum MarkKey ("a watermark parameter") {
        /// `image/<base64 url>`
        Image = "image",
        /// `text/<base64 text>`
        Text = "text",
        /// `font/<base64 name>`
        Font = "font",
        /// `fontsize/<pt>`
        FontSize = "fontsize",
        /// `fill/<base64 #RRGGBB>`
        Fill = "fill",
        /// `dissolve/<1..100>`
        Dissolve = "dissolve",
        /// `gravity/<name>`
        Gravity = "gravity",
        /// `dx/<n>`
        Dx = "dx",
        /// `dy/<n>`
        Dy = "dy",
        /// `blogo/<1|2>`
        Blogo = "blogo",
        /// `scatype/<1|2|3>`
        ScaType = "scatype",
        /// `spcent/<permille>`
        Spcent = "spcent",
        /// `batch/<0|1>`
        Batch = "batch",
        /// `degree/<0..360>`
        Degree = "degree",
        /// `shadow/<0..100>`
        Shadow = "shadow",
        /// `type/<1|2|3>` (blind watermarks)
        Type = "type",
        /// `level/<1|2|3>` (blind watermarks)
        Level = "level",
    }
}

keyword_enum! {
    /// A point of the 3x3 grid that offsets are measured from.
    pub enum Gravity ("a gravity") {
        /// Top left.
        NorthWest = "northwest",
        /// Top centre.
        North = "north",
        /// Top right.
        NorthEast = "northeast",
        /// Middle left.
        West = "west",
        /// The centre.
        Center = "center",
        /// Middle right.
        East = "east",
        /// Bottom left.
        SouthWest = "southwest",
        /// Bottom centre.
        South = "south",
        /// Bottom right.
        SouthEast = "southeast",
    }
}

keyword_enum! {
    /// An output format name.
    pub enum Format ("an image format") {
        /// JPEG.
        Jpg = "jpg",
        /// JPEG (the same as `jpg`).
        Jpeg = "jpeg",
        /// PNG.
        Png = "png",
        /// BMP.
        Bmp = "bmp",
        /// GIF, animated or not.
        Gif = "gif",
        /// WebP, animated or not.
        Webp = "webp",
        /// Tencent's optimised JPEG, which is plain JPEG.
        Yjpeg = "yjpeg",
        /// AVIF.
        Avif = "avif",
        /// HEIF.
        Heif = "heif",
        /// HEIC.
        Heic = "heic",
        /// Tencent's proprietary TPG (refused at execution: no public spec).
        Tpg = "tpg",
        /// Compressed SVG (SVG input only).
        Svgc = "svgc",
    }
}

keyword_enum! {
    /// The axis of a flip.
    pub enum Flip ("a flip direction") {
        /// Top and bottom swap.
        Vertical = "vertical",
        /// Left and right swap.
        Horizontal = "horizontal",
    }
}

keyword_enum! {
    /// The unit of `size-limit`.
    pub enum SizeUnit ("a size unit") {
        /// Kilobytes (1024 bytes).
        K = "k",
        /// Megabytes (1024 × 1024 bytes).
        M = "m",
    }
}

impl SizeUnit {
    /// Bytes in one unit.
    pub const fn bytes(self) -> u64 {
        match self {
            SizeUnit::K => 1024,
            SizeUnit::M => 1024 * 1024,
        }
    }
}

/// Every keyword of the language, for the fuzz dictionary and the docs.
pub fn all_keywords() -> impl Iterator<Item = &'static str> {
    StageKey::KEYWORDS
        .iter()
        .chain(Mogr2Key::KEYWORDS)
        .chain(View2Key::KEYWORDS)
        .chain(MarkKey::KEYWORDS)
        .chain(Gravity::KEYWORDS)
        .chain(Format::KEYWORDS)
        .chain(Flip::KEYWORDS)
        .chain(SizeUnit::KEYWORDS)
        .chain(crate::query::QUERY_KEYWORDS)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_round_trips_every_keyword() {
        for &key in Mogr2Key::ALL {
            assert_eq!(Mogr2Key::from_keyword(key.keyword()), Some(key));
        }
        for &g in Gravity::ALL {
            assert_eq!(Gravity::from_keyword_ignore_case(&g.keyword().to_uppercase()), Some(g));
        }
    }

    #[test]
    fn exact_lookup_is_case_sensitive() {
        assert_eq!(StageKey::from_keyword("imagemogr2"), None);
        assert_eq!(StageKey::from_keyword("imageMogr2"), Some(StageKey::ImageMogr2));
    }

    #[test]
    fn keywords_are_unique_within_a_table() {
        fn unique(words: &[&str]) -> bool {
            words.iter().enumerate().all(|(i, w)| !words[..i].contains(w))
        }
        assert!(unique(Mogr2Key::KEYWORDS));
        assert!(unique(MarkKey::KEYWORDS));
        assert!(unique(Format::KEYWORDS));
    }
}
