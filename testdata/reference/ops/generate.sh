#!/usr/bin/env bash
# Makes the independent reference images of crates/mogr/tests/reference.rs with ImageMagick 6
# (Debian 12's `imagemagick`, 6.9.11 Q16). Run by hand, once, when a case is added or its
# meaning changes; CI only reads the committed PNGs. It never runs mogr.
#
#     testdata/reference/ops/generate.sh [CORPUS]      # CORPUS defaults to ../shared/testimages
#
# Every reference is printed as the exact command that made it. The snapshot cases (iradius,
# rradius: anti-aliasing that is mogr's own) are not made here: see README.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
corpus=${1:-$here/../../../../shared/testimages}
corpus=$(cd "$corpus" && pwd)

echo "# $(convert -version | head -n 1)"
echo "# $(dpkg-query -W -f '${Package} ${Version}' imagemagick 2>/dev/null || echo 'imagemagick (version unknown)')"
echo "# corpus: $corpus"

# ref NAME SOURCE OPERATION...: reads SOURCE (relative to the corpus; $READ, if set, holds
# read options that must come before it), applies the operations and writes NAME.png: 8 bits
# per channel, no metadata, no time stamps, so a rerun writes the same bytes.
#
# This ImageMagick (6.9.11-60 Q16, not HDRI) truncates its 16-bit samples when it writes 8
# bits (27924/257 = 108.65 is written as 108) and, since it stores opacity, rounds alpha up.
# So before writing, half an 8-bit step (128/65535) is added to the colours and, when $ALPHA is
# set (an output with transparency), taken from alpha: each sample is then rounded to nearest.
# Samples already on 8 bits (v·257) are unchanged.
ref() {
    local name=$1 source=$2
    shift 2
    local read=() round=(-channel RGB -evaluate add 128 +channel)
    if [ -n "${READ:-}" ]; then read=($READ); fi
    if [ -n "${ALPHA:-}" ]; then round+=(-channel A -evaluate subtract 128 +channel); fi
    local cmd=(convert "${read[@]}" "$corpus/$source" "$@" "${round[@]}" -depth 8 -strip
        -define png:exclude-chunks=date,time -define png:compression-level=9 "$here/$name.png")
    printf '%q ' "${cmd[@]}" | sed "s|$here/||g; s|$corpus/||g"
    echo
    "${cmd[@]}"
}

# The formulas mogr documents for its own operations (crates/mogr-exec/src/ops/tone.rs):
# bright v adds round(255·v/100) (half away from zero); contrast v is the line through
# 127.5 with slope tan((v + 100)/200 · π/2), i.e. `-function Polynomial s,0.5−s/2` on 0..1.
bright_offset() { awk -v v="$1" 'BEGIN { x = 255 * v / 100; printf "%d", (x < 0 ? -int(-x + 0.5) : int(x + 0.5)) }'; }
contrast_polynomial() {
    awk -v v="$1" 'BEGIN { a = (v + 100) / 200 * atan2(1, 0); s = sin(a) / cos(a); printf "%.17g,%.17g", s, 0.5 - s / 2 }'
}

LAND=webp/gallery1_1.webp       # 550x368 lossy WebP photo, opaque
ROSE=webp/gallery2_1_webp_a.webp # 400x301 lossy WebP with an alpha channel
SMALL=jpeg/Canon_40D_small.jpg   # 100x68 JPEG photo
CAMERA=jpeg/DSCN0010_gps.jpg     # 640x480 JPEG photo
BANANA=gif/dancing-banana.gif    # 121x128 animated GIF, 8 frames, transparency
CUT=(-crop 160x120+180+150 +repage) # = imageMogr2/cut/160x120x180x150, exact in both
ROSE_CUT=(-crop 160x120+200+0 +repage) # = imageMogr2/cut/160x120x200x0: stem, leaf, petals
LANCZOS=(-filter Lanczos)        # mogr shrinks with Lanczos3 (IM's Lanczos is Lanczos3)
CATROM=(-filter Catrom)          # and enlarges with Catmull-Rom

# thumbnail
ref thumbnail-percent "$LAND" "${LANCZOS[@]}" -resize 30%
ALPHA=1 ref thumbnail-percent-width "$ROSE" "${LANCZOS[@]}" -resize '30%x100%'
ref thumbnail-width "$LAND" "${LANCZOS[@]}" -resize 160x
ref thumbnail-height "$LAND" "${LANCZOS[@]}" -resize x100
ref thumbnail-fit "$LAND" "${LANCZOS[@]}" -resize 140x120
ref thumbnail-force "$LAND" "${LANCZOS[@]}" -resize '160x90!'
ref thumbnail-cover "$LAND" "${LANCZOS[@]}" -resize '120x120^'
ref thumbnail-shrink-only "$LAND" "${LANCZOS[@]}" -resize '150x150>'
ref thumbnail-enlarge "$SMALL" "${CATROM[@]}" -resize '200x200<'
ref thumbnail-area "$LAND" "${LANCZOS[@]}" -resize '10000@'
ALPHA=1 ref thumbnail-alpha "$ROSE" "${LANCZOS[@]}" -resize 128x
# libjpeg's own 1/4 scaled decode (jpeg:size), as mogr's shrink-on-load does, then Lanczos
READ="-define jpeg:size=160x120" ref thumbnail-jpeg-shrink-on-load "$CAMERA" "${LANCZOS[@]}" -resize 120x
# the same rule against a full-size decode: how far shrink-on-load strays from the exact result
ref thumbnail-jpeg-full-decode "$CAMERA" "${LANCZOS[@]}" -resize 120x
# pad: mogr centres 107 rows in 160 at y = 26 (floor of 26.5); IM's -gravity center would
# put them at 27, so the offset is explicit (the spec says "centered", nothing finer)
ref thumbnail-pad "$LAND" "${LANCZOS[@]}" -resize 160x160 -background '#FF0000' -extent 160x160+0-26
ref thumbnail-pad-alpha "$ROSE" "${LANCZOS[@]}" -resize 120x120 -background '#3366CC' -gravity center \
    -extent 120x120 -alpha off

# imageView2 (never enlarges; modes 4 and 5 read w/h as long/short edge)
ref iv2-mode1 "$LAND" "${LANCZOS[@]}" -resize '120x120^' -gravity center -extent 120x120
ref iv2-mode1-one-value "$LAND" "${LANCZOS[@]}" -resize '100x100^' -gravity center -extent 100x100
ref iv2-mode2 "$LAND" "${LANCZOS[@]}" -resize 130x130
ref iv2-mode2-never-enlarges "$SMALL" -resize '200x200>'
ref iv2-mode3 "$LAND" "${LANCZOS[@]}" -resize '150x110^'
ref iv2-mode4-portrait "$LAND" -rotate 90 "${LANCZOS[@]}" -resize '100x160^'
ref iv2-mode5-portrait "$LAND" -rotate 90 "${LANCZOS[@]}" -resize '100x160^' -gravity center -extent 100x160

# cut and crop
ref cut "$LAND" "${CUT[@]}"
ref cut-clipped "$LAND" -crop 200x200+450+250 +repage
ref crop-northwest-default "$LAND" -crop 160x120+0+0 +repage
ref crop-center "$LAND" -gravity center -crop 160x120+0+0 +repage
ref crop-southeast-offset "$LAND" -gravity southeast -crop 160x120+20+10 +repage
ref crop-north-dy "$LAND" -gravity north -crop 160x120+0+30 +repage
ref crop-width-east "$SMALL" -gravity east -crop 60x68+0+0 +repage

# rotate: right angles on the rose (alpha), any angle by bilinear inverse mapping about the
# centres onto the planner's canvas (the rotated box rounded: 200x188 for 160x120 at 33°),
# alpha weighted, transparent outside
ALPHA=1 ref rotate-90 "$ROSE" "${ROSE_CUT[@]}" -rotate 90
ALPHA=1 ref rotate-180 "$ROSE" "${ROSE_CUT[@]}" -rotate 180
ALPHA=1 ref rotate-270 "$ROSE" "${ROSE_CUT[@]}" -rotate 270
BILINEAR=(-background none -virtual-pixel transparent -filter point -interpolate bilinear)
ALPHA=1 ref rotate-33 "$ROSE" "${ROSE_CUT[@]}" "${BILINEAR[@]}" \
    -define distort:viewport=200x188+0+0 -distort SRT '80,60 1 33 100,94'
ALPHA=1 ref rotate-33-opaque "$LAND" "${CUT[@]}" "${BILINEAR[@]}" \
    -define distort:viewport=200x188+0+0 -distort SRT '80,60 1 33 100,94'

# flip
ref flip-vertical "$LAND" "${CUT[@]}" -flip
ref flip-horizontal "$LAND" "${CUT[@]}" -flop

# auto-orient: libjpeg's 1/8 decode (as mogr's shrink-on-load), IM's EXIF orientation, Lanczos
for n in 1 2 3 4 5 6 7 8; do
    READ="-define jpeg:size=150x150" ref "auto-orient-$n" "exif-orientation/Landscape_$n.jpg" -auto-orient \
        "${LANCZOS[@]}" -resize 120x
done

# blur and sharpen. blur/8x5 is ImageMagick's own -blur. At small sigmas ImageMagick's kernel
# differs from the textbook one (it averages three sub-samples per tap), so the other cases
# convolve with the point-sampled Gaussian exp(-d²/2σ²), d = -r..r, normalised (the definition
# mogr documents in ops/blur.rs), computed here by awk; edges repeat (ImageMagick's default).
gauss() { # gauss R SIGMA: the morphology arguments of a separable Gaussian blur
    local k
    k=$(awk -v r="$1" -v s="$2" 'BEGIN { for (i = -r; i <= r; i++) { w[i] = exp(-i * i / (2 * s * s)); t += w[i] }
        for (i = -r; i <= r; i++) printf "%s%.17g", (i > -r ? "," : ""), w[i] / t }')
    echo "-morphology Convolve $((2 * $1 + 1))x1:$k -morphology Convolve 1x$((2 * $1 + 1)):$k"
}
ref blur-8x5 "$LAND" "${CUT[@]}" -blur 8x5
# shellcheck disable=SC2046 # the kernel arguments are meant to split
ref blur-3x1 "$LAND" "${CUT[@]}" $(gauss 3 1)
# With alpha, colours are weighted by alpha: blur(RGB·A)/blur(A), alpha = blur(A). (This
# ImageMagick's `-channel RGBA -blur` does not weight: transparent pixels' colours bleed in.)
# shellcheck disable=SC2046
ALPHA=1 ref blur-alpha "$ROSE" "${ROSE_CUT[@]}" -write mpr:source +delete \
    \( mpr:source -channel RGB -fx 'u*u.a' +channel -alpha off $(gauss 4 2) \) \
    \( mpr:source -alpha extract $(gauss 4 2) -write mpr:alpha \) \
    -fx 'v == 0 ? 0 : u/v' mpr:alpha -compose CopyOpacity -composite
# sharpen/v: the unsharp mask c + a·(c − gauss(r 3, σ 1)) with a = v/100 (mogr's reading of CI's
# strength), i.e. (1 + a)·c − a·blurred
sharpen() { # sharpen A: the operations of an unsharp mask of amount A
    # shellcheck disable=SC2046
    echo "( +clone $(gauss 3 1) ) -compose Mathematics -define compose:args=0,-$1,$(awk -v a="$1" 'BEGIN { print 1 + a }'),0 -composite"
}
# shellcheck disable=SC2046
ref sharpen-70 "$LAND" "${CUT[@]}" $(sharpen 0.7)
# shellcheck disable=SC2046
ref sharpen-300 "$LAND" "${CUT[@]}" $(sharpen 3)

# tone
ref bright-40 "$LAND" "${CUT[@]}" -evaluate add "$(($(bright_offset 40) * 257))"
ref bright-minus-30 "$LAND" "${CUT[@]}" -evaluate add "$(($(bright_offset -30) * 257))"
ref contrast-50 "$LAND" "${CUT[@]}" -function Polynomial "$(contrast_polynomial 50)"
ref contrast-minus-50 "$LAND" "${CUT[@]}" -function Polynomial "$(contrast_polynomial -50)"
ref grayscale "$LAND" "${CUT[@]}" -grayscale Rec601Luma

# animation, frame by frame: the coalesced frames stacked top to bottom
ALPHA=1 ref gif-crop-flip-frames "$BANANA" -coalesce -gravity center -crop 100x100+0+0 +repage -flop -append
# a GIF has one bit of alpha: the resized frames' alpha is cut at 50 % (as ImageMagick writes GIF)
ALPHA=1 ref gif-thumbnail-frames "$BANANA" -coalesce "${LANCZOS[@]}" -resize 50% -channel A -threshold 50% +channel \
    -append

# watermarks: IM's dissolve compose multiplies the mark's alpha by the percentage, then "over"
# (Porter-Duff in straight alpha), as mogr documents; offsets push away from the gravity edge
LOGO=png/pngsuite/basn6a08.png    # 32x32 RGBA gradient with graded alpha
DISSOLVE() { echo -compose dissolve -define "compose:args=$1"; }
# shellcheck disable=SC2046
ref watermark-image-default "$LAND" "${CUT[@]}" "$corpus/$LOGO" -gravity southeast -geometry +0+0 $(DISSOLVE 90) \
    -composite
# shellcheck disable=SC2046
ALPHA=1 ref watermark-image-northwest-on-alpha "$ROSE" "${ROSE_CUT[@]}" "$corpus/$LOGO" -gravity northwest \
    -geometry +10+5 $(DISSOLVE 50) -composite
# scatype/1/spcent/500: the 32 px logo enlarged to half the 160 px width (Catmull-Rom)
# shellcheck disable=SC2046
ref watermark-image-scaled "$LAND" "${CUT[@]}" \( "$corpus/$LOGO" "${CATROM[@]}" -resize 80x80 \) -gravity east \
    -geometry +7+0 $(DISSOLVE 100) -composite
# text: Tahoma is DejaVu Sans; 24 pt at 72 dpi = 24 px em; IM's annotate places the text's
# metrics box (advance x ascent+descent) by gravity as mogr places the layout box
# shellcheck disable=SC2046
ref watermark-text-default "$LAND" "${CUT[@]}" -font /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf -pointsize 24 \
    -fill '#3D3D3D' -gravity southeast -annotate +0+0 'mogr' 
