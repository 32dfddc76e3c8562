//! The spec's font names and the open fonts that stand in for them.
//!
//! [`FONT_TABLE`] is the one place that says which file draws which spec font. Each entry lists
//! candidate files in order of preference; the first one found on disk wins. The first candidates
//! of most entries are the proprietary file itself (`simhei.ttf`, `arial.ttf`, ...): no Debian
//! package ships those, but an operator who holds a licence can drop them into a font folder
//! (`MOGR_FONT_DIRS`) and get Tencent's exact glyphs. The open stand-ins after them are chosen by
//! role (Hei = sans, Song/Fang = serif, Kai = brush) and, for Latin, by metric compatibility, so
//! that a watermark's size and line breaks come out close to CI's. `FONTS.md` beside this crate's
//! `Cargo.toml` has the same table with the reasons spelt out.

/// One file that can stand for a spec font.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FontFile {
    /// The trailing part of the file's path, compared component by component and ignoring ASCII
    /// case: `liberation2/LiberationSans-Regular.ttf` prefers the file in a `liberation2` folder.
    pub(crate) suffix: &'static str,
    /// The face's index inside a collection (`.ttc`); 0 for a single-face file.
    pub(crate) index: u32,
    /// The Debian package that installs it; empty for a proprietary file an operator supplies.
    pub(crate) package: &'static str,
    /// The file's licence (SPDX where one exists).
    pub(crate) licence: &'static str,
}

/// A spec font name and the files that can draw it, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FontEntry {
    /// The name as the spec's "Supported Fonts" list writes it.
    pub(crate) name: &'static str,
    /// The candidate files, best first.
    pub(crate) files: &'static [FontFile],
}

/// The name used when a rule gives no font: the spec's default.
pub(crate) const DEFAULT_FONT: &str = "Tahoma.ttf";

const fn proprietary(suffix: &'static str) -> FontFile {
    FontFile { suffix, index: 0, package: "", licence: "proprietary (operator-supplied)" }
}

/// Noto Sans CJK SC Regular: face 2 of the collection (0 JP, 1 KR, 2 SC, 3 TC, 4 HK).
const NOTO_SANS_SC: FontFile =
    FontFile { suffix: "NotoSansCJK-Regular.ttc", index: 2, package: "fonts-noto-cjk", licence: "OFL-1.1" };
/// Noto Sans CJK SC Bold, face 2 as in the regular collection.
const NOTO_SANS_SC_BOLD: FontFile =
    FontFile { suffix: "NotoSansCJK-Bold.ttc", index: 2, package: "fonts-noto-cjk", licence: "OFL-1.1" };
/// Noto Serif CJK SC Regular, face 2 (0 JP, 1 KR, 2 SC, 3 TC, 4 HK).
const NOTO_SERIF_SC: FontFile =
    FontFile { suffix: "NotoSerifCJK-Regular.ttc", index: 2, package: "fonts-noto-cjk", licence: "OFL-1.1" };
/// WenQuanYi Micro Hei, face 0 (face 1 is its monospaced twin).
const WQY_MICRO_HEI: FontFile = FontFile {
    suffix: "wqy-microhei.ttc",
    index: 0,
    package: "fonts-wqy-microhei",
    licence: "Apache-2.0 OR GPL-3.0-only WITH Font-exception-2.0",
};
/// AR PL UKai CN, face 0 of the collection (1 HK, 2 TW, 3 TW MBE).
const ARPHIC_UKAI_CN: FontFile =
    FontFile { suffix: "ukai.ttc", index: 0, package: "fonts-arphic-ukai", licence: "Arphic-1999" };
/// AR PL UMing CN, face 0; not installed by default, used when present.
const ARPHIC_UMING_CN: FontFile =
    FontFile { suffix: "uming.ttc", index: 0, package: "fonts-arphic-uming", licence: "Arphic-1999" };
const LIBERATION2_SANS: FontFile = FontFile {
    suffix: "liberation2/LiberationSans-Regular.ttf",
    index: 0,
    package: "fonts-liberation2",
    licence: "OFL-1.1",
};
const LIBERATION_SANS: FontFile = FontFile {
    suffix: "LiberationSans-Regular.ttf",
    index: 0,
    package: "fonts-liberation",
    licence: "GPL-2.0-only WITH Font-exception-2.0",
};
const LIBERATION2_SANS_BOLD: FontFile = FontFile {
    suffix: "liberation2/LiberationSans-Bold.ttf",
    index: 0,
    package: "fonts-liberation2",
    licence: "OFL-1.1",
};
const LIBERATION_SANS_BOLD: FontFile = FontFile {
    suffix: "LiberationSans-Bold.ttf",
    index: 0,
    package: "fonts-liberation",
    licence: "GPL-2.0-only WITH Font-exception-2.0",
};
const DEJAVU_SANS: FontFile =
    FontFile { suffix: "DejaVuSans.ttf", index: 0, package: "fonts-dejavu-core", licence: "Bitstream-Vera" };
const DEJAVU_SANS_BOLD: FontFile =
    FontFile { suffix: "DejaVuSans-Bold.ttf", index: 0, package: "fonts-dejavu-core", licence: "Bitstream-Vera" };

/// The fallback chain's second member: a Chinese/Japanese sans with wide CJK coverage.
pub(crate) const CJK_SANS: &[FontFile] = &[NOTO_SANS_SC, WQY_MICRO_HEI];
/// The fallback chain's last member: DejaVu Sans, for Greek, Cyrillic, symbols and the rest.
pub(crate) const LAST_RESORT: &[FontFile] = &[DEJAVU_SANS];

/// Every spec font name, with the files that draw it, best first.
///
/// - Hei (black, sans) faces: SimHei, STHeiti-Light and YouYuan (a rounded Hei: Debian has no
///   rounded CJK face, a plain sans is the nearest) use Noto Sans CJK SC Regular; STHeiti-Medium
///   uses its Bold, so the two STHeiti weights stay apart. WenQuanYi Micro Hei (itself a Hei)
///   stands in where fonts-noto-cjk is not installed.
/// - Song (serif) faces: SimSun, and SimFang (FangSong, a Song with slanted strokes) use Noto
///   Serif CJK SC, or AR PL UMing when that is all there is.
/// - SimKai (Kai, brush script) uses AR PL UKai CN, the open Kai face, and Noto Serif CJK SC when
///   fonts-arphic-ukai is missing.
/// - Arial, Helvetica and Helvetica Neue use Liberation Sans: its advances match Arial's glyph for
///   glyph, and Arial's match Helvetica's, so a watermark keeps CI's width. fonts-liberation2
///   (OFL, 2.x, more glyphs) is preferred over fonts-liberation (1.07, GPL with font exception).
///   Arial Black (Ariblk) is heavier and wider than any Liberation weight; Liberation Sans Bold
///   is the nearest.
/// - Ahronbd (Aharoni Bold, a heavy Hebrew/Latin sans) uses DejaVu Sans Bold, which is heavy and
///   also draws Hebrew.
/// - Tahoma, the default, uses DejaVu Sans: DejaVu descends from Bitstream Vera, drawn in
///   Verdana's proportions, and Tahoma is Verdana's narrower sibling; it is in fonts-dejavu-core,
///   present on nearly every Debian system, and covers Latin, Greek, Cyrillic and many symbols.
pub(crate) const FONT_TABLE: [FontEntry; 13] = [
    FontEntry { name: "SimFang.ttf", files: &[proprietary("simfang.ttf"), NOTO_SERIF_SC, ARPHIC_UMING_CN] },
    FontEntry { name: "SimHei.ttf", files: &[proprietary("simhei.ttf"), NOTO_SANS_SC, WQY_MICRO_HEI] },
    FontEntry { name: "SimKai.ttf", files: &[proprietary("simkai.ttf"), ARPHIC_UKAI_CN, NOTO_SERIF_SC] },
    FontEntry { name: "SimSun.ttc", files: &[proprietary("simsun.ttc"), NOTO_SERIF_SC, ARPHIC_UMING_CN] },
    FontEntry {
        name: "STHeiti-Light.ttc",
        files: &[proprietary("STHeiti-Light.ttc"), proprietary("STHeiti Light.ttc"), NOTO_SANS_SC, WQY_MICRO_HEI],
    },
    FontEntry {
        name: "STHeiti-Medium.ttc",
        files: &[
            proprietary("STHeiti-Medium.ttc"),
            proprietary("STHeiti Medium.ttc"),
            NOTO_SANS_SC_BOLD,
            NOTO_SANS_SC,
            WQY_MICRO_HEI,
        ],
    },
    FontEntry {
        name: "YouYuan.ttf",
        files: &[proprietary("youyuan.ttf"), proprietary("simyou.ttf"), NOTO_SANS_SC, WQY_MICRO_HEI],
    },
    FontEntry { name: "Ahronbd.ttf", files: &[proprietary("ahronbd.ttf"), DEJAVU_SANS_BOLD] },
    FontEntry { name: "Arial.ttf", files: &[proprietary("arial.ttf"), LIBERATION2_SANS, LIBERATION_SANS] },
    FontEntry { name: "Ariblk.ttf", files: &[proprietary("ariblk.ttf"), LIBERATION2_SANS_BOLD, LIBERATION_SANS_BOLD] },
    // A .dfont is a Mac resource fork that no parser here reads: no proprietary candidate.
    FontEntry { name: "Helvetica.dfont", files: &[LIBERATION2_SANS, LIBERATION_SANS] },
    FontEntry { name: "HelveticaNeue.dfont", files: &[LIBERATION2_SANS, LIBERATION_SANS] },
    FontEntry { name: DEFAULT_FONT, files: &[proprietary("tahoma.ttf"), DEJAVU_SANS] },
];

/// The spec names of [`FONT_TABLE`], in its order.
pub(crate) const FONT_NAMES: [&str; 13] = {
    let mut names = [""; 13];
    let mut i = 0;
    while i < FONT_TABLE.len() {
        names[i] = FONT_TABLE[i].name;
        i += 1;
    }
    names
};

/// The entry for a font name as a rule writes it: ASCII case ignored, extension optional.
pub(crate) fn find_entry(name: &str) -> Option<&'static FontEntry> {
    FONT_TABLE.iter().find(|entry| name.eq_ignore_ascii_case(entry.name) || name.eq_ignore_ascii_case(stem(entry.name)))
}

/// The entry for a request's font: the named one, or the default when none is named.
pub(crate) fn entry_for(font: Option<&str>) -> Option<&'static FontEntry> {
    find_entry(font.unwrap_or(DEFAULT_FONT))
}

/// `SimHei.ttf` → `SimHei`.
fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// The Debian package to name when none of an entry's files is found: the first packaged one.
pub(crate) fn package_of(files: &[FontFile]) -> &'static str {
    files.iter().map(|file| file.package).find(|package| !package.is_empty()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_ignoring_case_and_extension() {
        assert_eq!(find_entry("simhei").map(|e| e.name), Some("SimHei.ttf"));
        assert_eq!(find_entry("SIMHEI.TTF").map(|e| e.name), Some("SimHei.ttf"));
        assert_eq!(find_entry("helvetica.DFONT").map(|e| e.name), Some("Helvetica.dfont"));
        assert_eq!(find_entry("STHeiti-Medium").map(|e| e.name), Some("STHeiti-Medium.ttc"));
    }

    #[test]
    fn wrong_extension_or_unknown_name_is_not_found() {
        assert_eq!(find_entry("SimHei.ttc"), None);
        assert_eq!(find_entry("Comic Sans"), None);
        assert_eq!(find_entry(""), None);
        assert_eq!(find_entry("."), None);
    }

    #[test]
    fn no_font_means_the_default() {
        assert_eq!(entry_for(None).map(|e| e.name), Some(DEFAULT_FONT));
    }

    #[test]
    fn every_entry_has_a_packaged_candidate() {
        for entry in &FONT_TABLE {
            assert!(!package_of(entry.files).is_empty(), "{} has no Debian package", entry.name);
        }
        assert_eq!(FONT_NAMES.len(), FONT_TABLE.len());
        assert!(FONT_NAMES.iter().all(|name| !name.is_empty()));
    }
}
