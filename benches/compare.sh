#!/usr/bin/env bash
# mogr side by side with libvips (vipsthumbnail, vips) and ImageMagick 6 (convert), whole
# processes from the command line, on the same inputs, in alternation.
#
#   benches/compare.sh            # from a checkout; builds target/release/mogr if missing
#
# What it does:
#   1. installs what is missing (libvips-tools, imagemagick, python3, fonts-dejavu-core) with
#      apt-get when run as root, else says what to install and stops;
#   2. uses $MOGR_BIN, else ${CARGO_TARGET_DIR:-target}/release/mogr of this checkout, which it
#      builds (`cargo build --release --bin mogr`) when missing or when MOGR_REBUILD=1;
#   3. makes the inputs the corpus lacks, once, in $MOGR_COMPARE_DIR: a 12 MP PNG and a 50 MP
#      JPEG from the corpus's 12 MP camera JPEG, and a 300-frame GIF from the corpus's
#      380-frame one (mogr, like Tencent CI, refuses GIFs of more than 300 frames);
#   4. runs benches/compare.py: every tool of a case once per round, the order rotating each
#      round, a warm-up round first, then RUNS rounds; it prints the machine and a Markdown
#      table of medians (wall, CPU = user + sys, peak RSS) with the ratios mogr/peer.
#
# Environment:
#   MOGR_BIN          the mogr binary to measure (not rebuilt)
#   MOGR_REBUILD=1    run `cargo build --release --bin mogr` even if the binary exists
#   CORPUS            the test images (default: ../shared/testimages next to the checkout)
#   MOGR_COMPARE_DIR  where generated inputs are kept and outputs written
#                     (default: ${TMPDIR:-/tmp}/mogr-compare)
#   RUNS              measured rounds (default 11); WARMUP: warm-up rounds (default 1)
#   CASES             which cases to run, comma-separated (default: all; see compare.py)

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

say() { printf '%s\n' "$*" >&2; }

# 1. Tools.
missing=()
command -v vipsthumbnail >/dev/null 2>&1 && command -v vipsheader >/dev/null 2>&1 || missing+=(libvips-tools)
command -v convert >/dev/null 2>&1 || missing+=(imagemagick)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if ! command -v fc-match >/dev/null 2>&1 || ! fc-match -f '%{file}' 'DejaVu Sans' | grep -q DejaVuSans; then
    missing+=(fontconfig fonts-dejavu-core)
fi
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        say "installing ${missing[*]} (apt-get)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >&2
        apt-get install -y -q "${missing[@]}" >&2
    else
        say "missing: ${missing[*]}"
        say "this script installs them with apt-get only as root; run it as root, or:"
        say "  sudo apt-get install -y ${missing[*]}"
        exit 1
    fi
fi
font=$(fc-match -f '%{file}' 'DejaVu Sans')

# 2. mogr.
if [[ -z "${MOGR_BIN:-}" ]]; then
    target_dir=${CARGO_TARGET_DIR:-target}
    [[ $target_dir == /* ]] || target_dir="$repo/$target_dir"
    MOGR_BIN="$target_dir/release/mogr"
    if [[ ! -x "$MOGR_BIN" || -n "${MOGR_REBUILD:-}" ]]; then
        say "building mogr (cargo build --release --bin mogr)"
        (cd "$repo" && cargo build --release --bin mogr >&2)
    fi
fi
[[ -x "$MOGR_BIN" ]] || { say "no mogr binary at $MOGR_BIN"; exit 1; }

# 3. Inputs.
corpus=${CORPUS:-$repo/../shared/testimages}
[[ -d "$corpus" ]] || { say "no corpus at $corpus (set CORPUS)"; exit 1; }
corpus=$(cd "$corpus" && pwd)
jpeg12="$corpus/jpeg/olympus_E-P3_12MP.jpg"
gif10="$corpus/gif/animated-loop-3.gif"
gif380="$corpus/gif/muybridge.gif"
for f in "$jpeg12" "$gif10" "$gif380"; do
    [[ -f "$f" ]] || { say "missing corpus file $f"; exit 1; }
done
work=${MOGR_COMPARE_DIR:-${TMPDIR:-/tmp}/mogr-compare}
mkdir -p "$work/inputs"
work=$(cd "$work" && pwd)
png12="$work/inputs/olympus_12MP.png"
jpeg50="$work/inputs/olympus_50MP.jpg"
gif300="$work/inputs/muybridge_300.gif"
if [[ ! -s "$png12" ]]; then
    say "making $png12 (ImageMagick, once)"
    convert "$jpeg12" -strip "$work/inputs/tmp.png"
    mv "$work/inputs/tmp.png" "$png12"
fi
if [[ ! -s "$jpeg50" ]]; then
    # vips, not ImageMagick: Debian's ImageMagick policy (256 MiB of memory) pushes a 50 MP
    # image to its disk cache, which takes a minute.
    say "making $jpeg50 (8160x6120, vips resize with Lanczos3, q90, once)"
    vips resize "$jpeg12" "$work/inputs/tmp.jpg[Q=90]" 2.02381
    mv "$work/inputs/tmp.jpg" "$jpeg50"
fi
if [[ ! -s "$gif300" ]]; then
    say "making $gif300 (the first 300 frames, ImageMagick, once)"
    convert "${gif380}[0-299]" "$work/inputs/tmp.gif"
    mv "$work/inputs/tmp.gif" "$gif300"
fi

# 4. Measure.
exec python3 "$here/compare.py" \
    --mogr "$MOGR_BIN" --repo "$repo" --work "$work" --font "$font" \
    --jpeg12 "$jpeg12" --png12 "$png12" --jpeg50 "$jpeg50" --gif10 "$gif10" --gif300 "$gif300" \
    --runs "${RUNS:-11}" --warmup "${WARMUP:-1}" --cases "${CASES:-all}"
