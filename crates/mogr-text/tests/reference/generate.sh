#!/usr/bin/env bash
# Regenerates the ImageMagick references of mogr-text's tests (tests/reference.rs, tests/render.rs).
# Needs ImageMagick 6 with FreeType (`apt-get install imagemagick`; made with 6.9.11-60) and the
# font packages of .ci/run. The tests themselves need neither ImageMagick nor this script.
#
# ImageMagick 6 always renders face 0 of a font collection (`-font Noto-Sans-CJK-SC` gives the
# same bytes as the JP face), so Han characters are compared on WenQuanYi Micro Hei, whose face 0
# is the face mogr-text uses, and Noto Sans CJK only on kana and Latin, whose outlines the JP and
# SC faces share (same glyph ids). ImageMagick 6 kerns with the legacy `kern` table only; Noto CJK
# has GPOS kerning only, so the Noto string has no kerning pair.
set -euo pipefail
cd "$(dirname "$0")"

liberation=/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf
dejavu=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
noto=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
wqy=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc

# white text on black: the gray level is the coverage.
label() { # FILE SIZE TEXT OUT
    convert -background black -fill white -font "$1" -pointsize "$2" label:"$3" \
        -colorspace Gray -depth 8 -define png:color-type=0 -define png:exclude-chunks=date,time "$4"
}
label "$liberation" 40 'Hello World' liberation-hello-40.png
label "$wqy" 48 '水印 mogr' wqy-watermark-48.png
label "$noto" 48 'すかし mogr' noto-kana-48.png

# label: sizes (ImageMagick adds 1 px to each side for its stroke width): spec name, file, size,
# width, height, text.
{
    printf 'name\tfile\tsize\twidth\theight\ttext\n'
    for row in "Arial.ttf $liberation 13 Text" "Arial.ttf $liberation 40 Text" \
        "Tahoma.ttf $dejavu 13 Hello" "Tahoma.ttf $dejavu 40 Hello" "SimHei.ttf $noto 48 mogr"; do
        set -- $row
        for text in "$4" "$4"$'\n'"$4" "$4"$'\n'"$4"$'\n'"$4"; do
            read -r width height < <(convert -font "$2" -pointsize "$3" label:"$text" -format '%w %h\n' info:)
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$width" "$height" "${text//$'\n'/\\n}"
        done
    done
} > label-sizes.tsv
