#!/usr/bin/env bash
# The fuzz smoke run, by hand (CI leaves it out: its instrumented build is 9 minutes cold on 2
# cores, and `cargo test` already replays the seeds and regression files through the targets'
# checks): builds every cargo-fuzz target of fuzz/ with the stable toolchain (no sanitizer:
# `-s none`; libFuzzer's coverage instrumentation is stable) and runs each for a bounded time
# from its committed seeds and regression files, so a change that makes a target fail within
# seconds of fuzzing, or no longer build, shows. Run it after changing fuzz/ or a parser,
# prober or decoder.
#
#     fuzz/smoke.sh [SECONDS]     # per target, default 20
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --version 0.13.2 --locked`). Writes only
# under fuzz/ (corpus copies in fuzz/corpus/smoke-*, findings in fuzz/artifacts/).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
# target, seed folder, regression folder, extra libFuzzer flags
targets=(
    "parse parse parse -dict=fuzz/parse.dict -max_len=4096"
    "pic_operations pic_operations pic_operations -dict=fuzz/parse.dict -max_len=4096"
    "probe probe probe -max_len=65536"
    "parse_plan parse_plan parse_plan -dict=fuzz/parse.dict -max_len=16384"
    "process parse_plan process -dict=fuzz/parse.dict -max_len=65536"
)

cargo fuzz build -s none
for line in "${targets[@]}"; do
    read -r target seeds regressions flags <<<"$line"
    corpus="fuzz/corpus/smoke-$target"
    rm -rf "$corpus"
    mkdir -p "$corpus"
    find "fuzz/seeds/$seeds" "testdata/regression/$regressions" -maxdepth 1 -type f ! -name README.md \
        -exec cp {} "$corpus/" \;
    echo "fuzz smoke: $target for ${seconds}s from $(find "$corpus" -type f | wc -l) inputs"
    # shellcheck disable=SC2086
    cargo fuzz run -s none "$target" "$corpus" -- $flags -timeout=10 -rss_limit_mb=2048 \
        -max_total_time="$seconds" -print_final_stats=1 2>&1 | tail -n 12
done
