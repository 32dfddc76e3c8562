#!/usr/bin/env python3
"""mogr side by side with libvips and ImageMagick: the measuring half of benches/compare.sh.

compare.sh installs the tools, builds mogr and makes the inputs; this script runs the cases
and prints the report (Markdown) on standard output, progress on standard error. Python 3.11
standard library only.

Method: every tool of a case runs once per round, as a whole process, on the same input; the
order rotates each round (A B C, B C A, C A B, ...), so that a slow phase of the machine hits
every tool alike; a warm-up round (page cache, CPU frequency) is not counted. Each run is
spawned with posix_spawn and reaped with wait4, whose rusage gives the CPU time (user + sys)
and the peak resident set (for a shell running several commands: the largest of them). The
table gives the median of each over the rounds, and the ratio mogr/peer of the medians
(below 1: mogr is faster or smaller). A peer limited to one thread is compared with
`mogr --threads 1`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

# The vips CLI has no pipelines: each step is a process that writes the whole image (.v, the
# uncompressed native format) for the next. The text is rendered by vips (pango), then made
# into a black RGBA overlay whose alpha is the text, composited at the bottom right, 20 px in,
# like the watermark rule's gravity/southeast/dx/20/dy/20.
VIPS_MIX = r"""
set -eu
in=$1 out=$2 d=$3
vips rotate "$in" "$d/r.v" 30 --background "255 255 255"
vips gaussblur "$d/r.v" "$d/b.v" 5
vips text "$d/t.v" "mogr benchmark" --font "DejaVu Sans 40" --dpi 72
vips linear "$d/t.v" "$d/k.v" "0 0 0" "0 0 0" --uchar
vips bandjoin "$d/k.v $d/t.v" "$d/o.v"
vips copy "$d/o.v" "$d/w.v" --interpretation srgb
x=$(( $(vipsheader -f width "$d/b.v") - $(vipsheader -f width "$d/t.v") - 20 ))
y=$(( $(vipsheader -f height "$d/b.v") - $(vipsheader -f height "$d/t.v") - 20 ))
vips composite2 "$d/b.v" "$d/w.v" "$d/c.v" over --x "$x" --y "$y"
vips flatten "$d/c.v" "$out[Q=80]"
rm -f "$d"/*.v
"""


def b64(text: str) -> str:
    """URL-safe base64 without padding, as the rules spell parameters."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


RULE_THUMB = "imageMogr2/thumbnail/720x/quality/80"
RULE_WEBP = "imageMogr2/thumbnail/720x/format/webp/quality/80"
RULE_ANIM = "imageMogr2/thumbnail/200x/format/webp/quality/80"
WATERMARK = (
    f"watermark/2/text/{b64('mogr benchmark')}/fill/{b64('#000000')}/fontsize/40/gravity/southeast/dx/20/dy/20"
)
RULE_MIX = f"imageMogr2/rotate/30/blur/8x5/quality/80|{WATERMARK}"


@dataclass
class Tool:
    """One command of a case."""

    label: str
    argv: list[str]
    out: str
    env: dict[str, str] = field(default_factory=dict)
    # The mogr row this one is compared with; None for mogr rows.
    ref: str | None = None
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rsss: list[float] = field(default_factory=list)
    failed: str | None = None


@dataclass
class Case:
    key: str
    title: str
    tools: list[Tool]


def run(tool: Tool, errpath: str) -> tuple[float, float, float, int]:
    """Runs `tool` once: wall seconds, CPU seconds, peak RSS in MiB, exit code."""
    env = dict(os.environ, **tool.env)
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, errpath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    start = time.perf_counter()
    pid = os.posix_spawnp(tool.argv[0], tool.argv, env, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def output_info(path: str) -> str:
    """`WxH` (and frames) of an output, read by vipsheader (which loads the first frame)."""
    fields = []
    for name in ("width", "height", "n-pages"):
        got = subprocess.run(["vipsheader", "-f", name, path], capture_output=True, text=True)
        fields.append(got.stdout.strip() if got.returncode == 0 else "")
    width, height, pages = fields
    return f"{width}x{height}" + (f", {pages} frames" if pages and pages != "1" else "")


def measure(case: Case, rounds: int, warmup: int, work: str) -> None:
    tools = case.tools
    errpath = os.path.join(work, "stderr.txt")
    for r in range(warmup + rounds):
        counted = r >= warmup
        for i in range(len(tools)):
            tool = tools[(r + i) % len(tools)]
            if tool.failed:
                continue
            if os.path.exists(tool.out):
                os.remove(tool.out)
            wall, cpu, rss, code = run(tool, errpath)
            if code != 0 or not os.path.exists(tool.out) or os.path.getsize(tool.out) == 0:
                with open(errpath, errors="replace") as f:
                    tail = f.read()[-400:].strip()
                tool.failed = f"exit {code}: {tail}" if tail else f"exit {code}, no output"
                print(f"  {tool.label}: FAILED ({tool.failed})", file=sys.stderr)
                continue
            if counted:
                tool.walls.append(wall)
                tool.cpus.append(cpu)
                tool.rsss.append(rss)
            elif r == 0:
                size = os.path.getsize(tool.out) / 1024
                print(f"  {tool.label}: {output_info(tool.out)}, {size:.0f} KiB", file=sys.stderr)
        if counted:
            print(f"  round {r - warmup + 1}/{rounds}", file=sys.stderr, end="\r")
    print(file=sys.stderr)


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    value = seconds * 1000
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "-"


def table(cases: list[Case]) -> list[str]:
    lines = [
        "| case | tool | wall ms | CPU ms | peak RSS MiB | output KiB "
        "| wall mogr/peer | CPU mogr/peer | RSS mogr/peer |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for case in cases:
        by_label = {t.label: t for t in case.tools}
        for tool in case.tools:
            if tool.failed:
                lines.append(f"| {case.key} | {tool.label} | failed | | | | | | |")
                continue
            wall, cpu, rss = med(tool.walls), med(tool.cpus), med(tool.rsss)
            size = os.path.getsize(tool.out) / 1024 if os.path.exists(tool.out) else float("nan")
            ratios = ["", "", ""]
            ref = by_label.get(tool.ref) if tool.ref else None
            if ref and not ref.failed:
                ratios = [ratio(med(ref.walls), wall), ratio(med(ref.cpus), cpu), ratio(med(ref.rsss), rss)]
            label = f"**{tool.label}**" if tool.ref is None else tool.label
            cells = [case.key, label, ms(wall), ms(cpu), f"{rss:.1f}", f"{size:.0f}", *ratios]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def sh(argv: list[str]) -> str:
    try:
        got = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return (got.stdout or got.stderr).strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine(args: argparse.Namespace) -> list[str]:
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    commit = sh(["git", "-C", args.repo, "rev-parse", "--short", "HEAD"]) or "?"
    if sh(["git", "-C", args.repo, "status", "--porcelain", "--untracked-files=no"]):
        commit += " with uncommitted changes"
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(args.mogr)))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    magick = (sh(["convert", "-version"]).splitlines() or ["?"])[0].removeprefix("Version: ")
    return [
        f"- CPU: {model}, {len(os.sched_getaffinity(0))} cores usable ({os.cpu_count()} online), {mem} RAM",
        f"- kernel: {platform.system()} {platform.release()}; load average at start: {load}",
        f"- mogr: commit {commit}, binary built {built} (`{args.mogr}`)",
        f"- libvips: {sh(['vips', '--version'])}; ImageMagick: {magick}",
        f"- method: {args.runs} rounds after {args.warmup} warm-up, tools alternating (order rotated each round); "
        "medians; CPU = user + sys; peak RSS from wait4",
    ]


def plan_input(mogr: str, path: str, rule: str) -> dict:
    got = subprocess.run([mogr, "plan", path, rule], capture_output=True, text=True, check=True)
    return json.loads(got.stdout)["input"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("mogr", "repo", "work", "font", "jpeg12", "png12", "jpeg50", "gif10", "gif300"):
        p.add_argument(f"--{name}", required=True)
    p.add_argument("--runs", type=int, default=11)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--cases", default="all", help="comma-separated case keys (1,2,3a,3b,4,5) or all")
    args = p.parse_args()

    out = os.path.join(args.work, "out")
    os.makedirs(out, exist_ok=True)
    vtmp = os.path.join(args.work, "vips-steps")
    os.makedirs(vtmp, exist_ok=True)
    m = args.mogr
    one = {"VIPS_CONCURRENCY": "1"}

    def o(name: str) -> str:
        return os.path.join(out, name)

    def mogr(label: str, path: str, rule: str, dest: str, *extra: str) -> Tool:
        return Tool(label, [m, "process", path, rule, "-o", dest, *extra], dest)

    def vthumb(label: str, path: str, size: str, dest: str, ref: str, env: dict[str, str] | None = None) -> Tool:
        return Tool(label, ["vipsthumbnail", path, "-s", size, "-o", dest + "[Q=80]"], dest, env or {}, ref)

    def im(label: str, argv: list[str], ref: str = "mogr") -> Tool:
        return Tool(label, ["convert", *argv], argv[-1], {}, ref)

    hint = ["-define", "jpeg:size=1440x"]
    cases = [
        Case(
            "1",
            "12 MP camera JPEG (4032x3024, corpus) → 720 px wide JPEG q80",
            [
                mogr("mogr", args.jpeg12, RULE_THUMB, o("1-mogr.jpg")),
                mogr("mogr --threads 1", args.jpeg12, RULE_THUMB, o("1-mogr1.jpg"), "--threads", "1"),
                vthumb("vipsthumbnail", args.jpeg12, "720x100000", o("1-vips.jpg"), "mogr"),
                vthumb("vipsthumbnail, VIPS_CONCURRENCY=1", args.jpeg12, "720x100000", o("1-vips1.jpg"),
                       "mogr --threads 1", one),
                im("convert", [args.jpeg12, "-resize", "720x", "-quality", "80", o("1-im.jpg")]),
                im("convert -define jpeg:size=1440x", [*hint, args.jpeg12, "-resize", "720x", "-quality", "80",
                                                       o("1-im-hint.jpg")]),
            ],
        ),
        Case(
            "2",
            "12 MP PNG (the photo, RGB, written by ImageMagick) → 720 px wide WebP q80",
            [
                mogr("mogr", args.png12, RULE_WEBP, o("2-mogr.webp")),
                vthumb("vipsthumbnail", args.png12, "720x100000", o("2-vips.webp"), "mogr"),
                im("convert", [args.png12, "-resize", "720x", "-quality", "80", o("2-im.webp")]),
            ],
        ),
        Case(
            "3a",
            "animated GIF 370x285, 10 frames (corpus) → 200 px wide animated WebP q80",
            [
                mogr("mogr", args.gif10, RULE_ANIM, o("3a-mogr.webp")),
                vthumb("vipsthumbnail [n=-1]", args.gif10 + "[n=-1]", "200x100000", o("3a-vips.webp"), "mogr"),
                im("convert -coalesce", [args.gif10, "-coalesce", "-resize", "200x", "-quality", "80",
                                         o("3a-im.webp")]),
            ],
        ),
        Case(
            "3b",
            "animated GIF 472x298, 300 frames (corpus's muybridge.gif, first 300) → 200 px wide animated WebP q80",
            [
                mogr("mogr", args.gif300, RULE_ANIM, o("3b-mogr.webp")),
                vthumb("vipsthumbnail [n=-1]", args.gif300 + "[n=-1]", "200x100000", o("3b-vips.webp"), "mogr"),
                im("convert -coalesce", [args.gif300, "-coalesce", "-resize", "200x", "-quality", "80",
                                         o("3b-im.webp")]),
            ],
        ),
        Case(
            "4",
            "12 MP JPEG: rotate 30° (white corners), Gaussian blur σ 5, black text watermark at the bottom "
            "right → 5004x4635 JPEG q80",
            [
                mogr("mogr", args.jpeg12, RULE_MIX, o("4-mogr.jpg")),
                mogr("mogr --threads 1", args.jpeg12, RULE_MIX, o("4-mogr1.jpg"), "--threads", "1"),
                Tool("vips CLI, 8 commands via .v files", ["bash", "-c", VIPS_MIX, "vips-mix", args.jpeg12,
                                                         o("4-vips.jpg"), vtmp], o("4-vips.jpg"), {}, "mogr"),
                im("convert -rotate -blur -annotate", [
                    args.jpeg12, "-background", "white", "-rotate", "30", "+repage", "-blur", "8x5",
                    "-gravity", "southeast", "-fill", "black", "-font", args.font, "-pointsize", "40",
                    "-annotate", "+20+20", "mogr benchmark", "-quality", "80", o("4-im.jpg"),
                ]),
            ],
        ),
        Case(
            "5",
            "50 MP JPEG (8160x6120, the photo enlarged by vips) → 720 px wide JPEG q80",
            [
                mogr("mogr", args.jpeg50, RULE_THUMB, o("5-mogr.jpg")),
                vthumb("vipsthumbnail", args.jpeg50, "720x100000", o("5-vips.jpg"), "mogr"),
                im("convert", [args.jpeg50, "-resize", "720x", "-quality", "80", o("5-im.jpg")]),
                im("convert -define jpeg:size=1440x", [*hint, args.jpeg50, "-resize", "720x", "-quality", "80",
                                                       o("5-im-hint.jpg")]),
            ],
        ),
    ]
    wanted = None if args.cases == "all" else set(args.cases.split(","))
    cases = [c for c in cases if wanted is None or c.key in wanted]

    report = ["### Machine", "", *machine(args), ""]
    started = time.monotonic()
    for case in cases:
        print(f"case {case.key}: {case.title}", file=sys.stderr)
        measure(case, args.runs, args.warmup, args.work)
    elapsed = time.monotonic() - started

    report += ["### Cases", ""]
    report += [f"- **{c.key}**: {c.title}" for c in cases]
    report += ["", "### Results", "", *table(cases), ""]

    found = {(c.key, t.label): t for c in cases for t in c.tools if not t.failed and t.walls}
    notes = []
    mogr1, vips1 = found.get(("1", "mogr")), found.get(("1", "vipsthumbnail"))
    if mogr1 and vips1:
        wall, rss = med(mogr1.walls) / med(vips1.walls), med(mogr1.rsss) / med(vips1.rsss)
        met = "met" if wall <= 0.8 and rss <= 1.0 else "NOT met"
        notes.append(
            f"- Goal of case 1 (wall ≤ 0.8x vipsthumbnail's, peak RSS ≤ vipsthumbnail's): wall {wall:.2f}x, "
            f"RSS {rss:.2f}x: **{met}**."
        )
    for key in ("1", "4"):
        full, single = found.get((key, "mogr")), found.get((key, "mogr --threads 1"))
        if full and single:
            notes.append(
                f"- Threads, case {key}: mogr with {os.cpu_count()} threads {ms(med(full.walls))} ms wall / "
                f"{ms(med(full.cpus))} ms CPU, with 1 thread {ms(med(single.walls))} ms / {ms(med(single.cpus))} ms: "
                f"{med(single.walls) / med(full.walls):.2f}x speed-up."
            )
    big = [(k, p) for k, p in (("1", args.jpeg12), ("5", args.jpeg50)) if (k, "mogr") in found]
    if big:
        info = Tool("info", [m, "process", args.jpeg12, "imageInfo", "-o", o("info.json")], o("info.json"))
        for _ in range(5):
            wall, cpu, rss, _code = run(info, os.path.join(args.work, "stderr.txt"))
            info.rsss.append(rss)
        parts = []
        for key, path in big:
            plan = plan_input(m, path, RULE_THUMB)
            w, h = plan["decode_width"], plan["decode_height"]
            parts.append(
                f"{plan['width'] * plan['height'] / 1e6:.0f} MP input ({os.path.getsize(path) / 2**20:.1f} MiB file), "
                f"decoded at 1/{plan['shrink_on_load']} to {w}x{h} ({w * h * 4 / 2**20:.1f} MiB RGBA): "
                f"peak RSS {med(found[(key, 'mogr')].rsss):.1f} MiB"
            )
        notes.append(
            "- Memory, mogr: " + "; ".join(parts) + f". Reading the 12 MP file without decoding pixels "
            f"(`imageInfo`) peaks at {med(info.rsss):.1f} MiB."
        )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    notes.append(f"- Measured in {elapsed:.0f} s; load average at the end: {load}.")
    report += notes
    print("\n".join(report))


if __name__ == "__main__":
    main()
