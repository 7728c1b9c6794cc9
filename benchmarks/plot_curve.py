"""Draw the cost curve measured by wire_bench.py as a log-log SVG (no plotting library needed).

Usage: python benchmarks/plot_curve.py benchmarks/results/wire-curve.json docs/images/cost-curve.svg

Two panels against the number of jobs: times (ms) and sizes (KB). A dotted line of slope 1
through each series' first point shows where linear growth would put it: a series that climbs
above its line grows faster than the queue.
"""

from __future__ import annotations

import json
import math
import sys
from html import escape
from pathlib import Path
from typing import Any

TIMES = (
    ("raw squeue", "squeue_ms", "#1f77b4"),
    ("backend list_jobs", "list_jobs_ms", "#ff7f0e"),
    ("server CPU per refresh", "server_cpu_per_refresh_ms", "#2ca02c"),
    ("GET jobs p50 (columns, gzip)", "get_columns_gzip_p50_ms", "#d62728"),
    ("GET jobs p99 (columns, gzip)", "get_columns_gzip_p99_ms", "#9467bd"),
)
SIZES = (
    ("job list, plain JSON", "rest_plain_bytes", "#1f77b4"),
    ("plain JSON, gzip", "rest_plain_gzip_bytes", "#ff7f0e"),
    ("columns", "rest_columns_bytes", "#2ca02c"),
    ("columns, gzip", "rest_columns_gzip_bytes", "#d62728"),
    ("1% delta, columns, deflate", "ws_delta_columns_deflate_bytes", "#9467bd"),
    ("server RSS growth (MB → KB)", "rss_growth_kb", "#8c564b"),
)

W, H = 460, 340  # one panel
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 30, 150


def _decades(lo: float, hi: float) -> list[float]:
    return [10.0**e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]


def panel(
    figures: list[dict[str, Any]], series: tuple[tuple[str, str, str], ...], title: str, unit: str, x0: int
) -> list[str]:
    xs = [f["jobs"] for f in figures]
    values = [f.get(key) for f in figures for _, key, _ in series]
    ys = [v for v in values if isinstance(v, int | float) and v > 0]
    ylo, yhi = min(ys) / 1.5, max(ys) * 1.5
    xlo, xhi = min(xs) / 1.3, max(xs) * 1.3
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(x: float) -> float:
        return x0 + LEFT + pw * (math.log10(x) - math.log10(xlo)) / (math.log10(xhi) - math.log10(xlo))

    def py(y: float) -> float:
        return TOP + ph * (1 - (math.log10(y) - math.log10(ylo)) / (math.log10(yhi) - math.log10(ylo)))

    out = [f'<text x="{x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">{escape(title)}</text>']
    out.append(f'<rect x="{x0 + LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>')
    for d in _decades(ylo, yhi):
        for m in (1, 2, 5):
            y = d * m
            if ylo <= y <= yhi:
                out.append(f'<line x1="{x0 + LEFT}" x2="{x0 + LEFT + pw}" y1="{py(y):.1f}" y2="{py(y):.1f}" '
                           f'stroke="#ddd" stroke-width="{1 if m == 1 else 0.5}"/>')  # fmt: skip
                if m in (1, 5) or yhi / ylo < 100:
                    label = f"{y:g}"
                    out.append(f'<text x="{x0 + LEFT - 4}" y="{py(y) + 4:.1f}" text-anchor="end" '
                               f'font-size="10">{label}</text>')  # fmt: skip
    for x in xs:
        out.append(f'<line x1="{px(x):.1f}" x2="{px(x):.1f}" y1="{TOP}" y2="{TOP + ph}" stroke="#eee"/>')
        out.append(f'<text x="{px(x):.1f}" y="{TOP + ph + 14}" text-anchor="middle" font-size="10">'
                   f"{x // 1000}k</text>")  # fmt: skip
    out.append(f'<text x="{x0 + LEFT + pw / 2}" y="{TOP + ph + 30}" text-anchor="middle" font-size="11">'
               f"jobs in the queue (log)</text>")  # fmt: skip
    out.append(f'<text x="{x0 + 14}" y="{TOP + ph / 2}" text-anchor="middle" font-size="11" '
               f'transform="rotate(-90 {x0 + 14} {TOP + ph / 2})">{escape(unit)} (log)</text>')  # fmt: skip
    for i, (label, key, colour) in enumerate(series):
        points = [(f["jobs"], f[key]) for f in figures if isinstance(f.get(key), int | float) and f[key] > 0]
        if not points:
            continue
        (x1, y1) = points[0]
        lx = [x1, max(xs)]
        line = " ".join(f"{px(x):.1f},{py(y1 * x / x1):.1f}" for x in lx if ylo <= y1 * x / x1 <= yhi)
        if line.count(",") == 2:
            out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1" '
                       'stroke-dasharray="2,3" opacity="0.6"/>')  # fmt: skip
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in points:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>')
        ly = TOP + ph + 48 + i * 15
        out.append(f'<line x1="{x0 + LEFT}" x2="{x0 + LEFT + 18}" y1="{ly - 4}" y2="{ly - 4}" '
                   f'stroke="{colour}" stroke-width="2"/>')  # fmt: skip
        out.append(f'<text x="{x0 + LEFT + 24}" y="{ly}" font-size="11">{escape(label)}</text>')
    return out


def svg(data: dict[str, Any]) -> str:
    figures = sorted(data["figures"], key=lambda f: f["jobs"])
    for f in figures:
        for key in list(f):
            if key.endswith("_bytes"):
                f[key] = f[key] / 1024
        if "rss_growth_mb" in f:
            f["rss_growth_kb"] = f["rss_growth_mb"] * 1024
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * W}" height="{H + 10}" '
        f'font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        *panel(figures, TIMES, "Time per call (ms)", "ms", 0),
        *panel(figures, SIZES, "Bytes (KB)", "KB", W),
        f'<text x="{2 * W - 6}" y="{H + 4}" text-anchor="end" font-size="9" fill="#666">'
        f"wire_bench.py, {escape(str(data.get('measured_at', '')))}; dotted: linear from the first point</text>",
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    data = json.loads(Path(sys.argv[1]).read_text())
    Path(sys.argv[2]).parent.mkdir(parents=True, exist_ok=True)
    Path(sys.argv[2]).write_text(svg(data))
    print(f"wrote {sys.argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
