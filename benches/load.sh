#!/usr/bin/env bash
# A bounded load run of mogr-server on loopback with wrk: requests per second, latency
# percentiles and the server's memory, for a plain download and for processing on download.
#
#   benches/load.sh               # from a checkout; builds target/release/mogr-server if missing
#
# What it does:
#   1. needs wrk (Debian package `wrk`; installed with apt-get when run as root);
#   2. uses $MOGR_SERVER_BIN, else ${CARGO_TARGET_DIR:-target}/release/mogr-server, built with
#      `cargo build --release --bin mogr-server` when missing or when MOGR_REBUILD=1;
#   3. starts it open on 127.0.0.1 over a fresh root with one bucket holding a 1200x1800 JPEG
#      (testdata/landscape_orient6.jpg, 0.5 MB) and metrics on a second port;
#   4. for each case runs `wrk -t2 -c$CONNECTIONS -d${DURATION}s --latency` and prints a
#      Markdown table: req/s, p50/p99 latency, non-2xx answers, and the server's resident memory
#      (VmRSS after the case, VmHWM = peak so far).
#
# Environment:
#   DURATION      seconds per case (default 60)
#   CONNECTIONS   concurrent connections (default 16)
#   CASES         comma-separated: original, thumbnail, webp, info (default: all)
#   WORKERS       the server's image workers (default: one per core)

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
duration=${DURATION:-60}
connections=${CONNECTIONS:-16}
cases=${CASES:-original,thumbnail,webp,info}

say() { printf '%s\n' "$*" >&2; }

if ! command -v wrk >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]]; then
        say "installing wrk (apt-get)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >&2
    else
        say "wrk is missing: sudo apt-get install -y wrk"
        exit 1
    fi
fi

server_bin=${MOGR_SERVER_BIN:-}
if [[ -z "$server_bin" ]]; then
    server_bin="$(cd "$repo" && realpath -m "${CARGO_TARGET_DIR:-target}")/release/mogr-server"
    if [[ ! -x "$server_bin" || "${MOGR_REBUILD:-0}" == 1 ]]; then
        say "building mogr-server (release)"
        (cd "$repo" && cargo build --release --bin mogr-server >&2)
    fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mogr-load.XXXXXX")
bucket=examplebucket-1250000000
host="$bucket.cos.ap-guangzhou.myqcloud.com"
mkdir -p "$work/root/$bucket"
cp "$repo/testdata/landscape_orient6.jpg" "$work/root/$bucket/photo.jpg"

port=$((20000 + RANDOM % 20000))
metrics_port=$((port + 1))
config="$work/server.toml"
{
    echo "listen = \"127.0.0.1:$port\""
    echo "metrics_listen = \"127.0.0.1:$metrics_port\""
    [[ -n "${WORKERS:-}" ]] && echo "workers = $WORKERS"
} >"$config"
RUST_LOG=warn "$server_bin" --root "$work/root" --config "$config" 2>"$work/server.log" &
server_pid=$!
cleanup() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do
    curl -sf -o /dev/null -H "Host: $host" "http://127.0.0.1:$port/photo.jpg" && break
    sleep 0.1
done

target_of() {
    case "$1" in
    original) echo "/photo.jpg" ;;
    thumbnail) echo "/photo.jpg?imageMogr2/thumbnail/300x" ;;
    webp) echo "/photo.jpg?imageMogr2/thumbnail/600x/format/webp/quality/80" ;;
    info) echo "/photo.jpg?imageInfo" ;;
    *) say "unknown case $1"; exit 2 ;;
    esac
}

kib() { awk -v k="$1" '/^'"$1"':/ {print $2}' "/proc/$server_pid/status"; }
ms() { # wrk latency ("850.00us", "12.3ms", "1.2s") in milliseconds
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
        else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.0f", v * 60000 }
        else { sub(/s$/, "", v); printf "%.0f", v * 1000 }
    }'
}

echo "mogr-server load run: $(nproc) cores, $(uname -m), wrk -t2 -c$connections -d${duration}s, $(date -u +%F)"
echo
echo "| case | request | req/s | p50 ms | p99 ms | non-2xx | RSS after MiB | peak RSS MiB |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
IFS=, read -ra selected <<<"$cases"
for case in "${selected[@]}"; do
    target=$(target_of "$case")
    out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Host: $host" "http://127.0.0.1:$port$target")
    rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
    p50=$(ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
    p99=$(ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    rss=$(($(kib VmRSS) / 1024))
    hwm=$(($(kib VmHWM) / 1024))
    echo "| $case | \`GET $target\` | $rps | $p50 | $p99 | ${non2xx:-0} | $rss | $hwm |"
done
echo
echo "server counters: $(curl -s "http://127.0.0.1:$metrics_port/metrics" | awk '/^mogr_http_requests_total/ {n += $NF} END {print n " requests"}')"
