"""Tiny inline SVG charts for the HTML report: grouped bars, lines, histograms. No external assets."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#3b6fd8", "#e07b24", "#2e9e5b", "#c0392b", "#8e5cc4", "#7f8c8d", "#d4ac0d", "#16a2b8")
W, H = 640, 280
M_LEFT, M_RIGHT, M_TOP, M_BOTTOM = 48, 16, 28, 56


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _frame(chart_id: str, title: str, body: list[str], series: Sequence[str], y_max: float, y_label: str) -> str:
    ph = H - M_TOP - M_BOTTOM
    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" '
        f'width="{W}" height="{H}" role="img" aria-label="{escape(title)}">',
        f'<text x="{M_LEFT}" y="16" class="title">{escape(title)}</text>',
    ]
    for i in range(5):
        v = y_max * i / 4
        y = M_TOP + ph - ph * i / 4
        parts.append(f'<line x1="{M_LEFT}" x2="{W - M_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{M_LEFT - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{v:.3g}</text>')
    parts.append(f'<text x="12" y="{M_TOP + ph / 2:.1f}" class="tick" transform="rotate(-90 12 {M_TOP + ph / 2:.1f})" '
                 f'text-anchor="middle">{escape(y_label)}</text>')
    parts += body
    x = M_LEFT
    for i, name in enumerate(series):
        parts.append(f'<rect x="{x}" y="{H - 18}" width="10" height="10" fill="{color(i)}"/>')
        parts.append(f'<text x="{x + 14}" y="{H - 9}" class="legend">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    parts.append("</svg>")
    return "\n".join(parts)


def grouped_bars(chart_id: str, title: str, groups: Sequence[str], series: Sequence[str],
                 values: Sequence[Sequence[float | None]], y_max: float = 1.0, y_label: str = "") -> str:
    """``values[s][g]``: the bar of series ``s`` in group ``g``; ``None`` draws nothing."""
    pw, ph = W - M_LEFT - M_RIGHT, H - M_TOP - M_BOTTOM
    y_max = y_max or 1.0
    gw = pw / max(1, len(groups))
    bw = gw * 0.8 / max(1, len(series))
    body = []
    for g, group in enumerate(groups):
        gx = M_LEFT + g * gw
        for s, _ in enumerate(series):
            v = values[s][g]
            if v is None:
                continue
            h = ph * min(v, y_max) / y_max
            x = gx + gw * 0.1 + s * bw
            body.append(f'<rect class="bar" x="{x:.1f}" y="{M_TOP + ph - h:.1f}" width="{bw * 0.92:.1f}" '
                        f'height="{h:.1f}" fill="{color(s)}"><title>{escape(series[s])} · {escape(group)}: '
                        f'{v:.3f}</title></rect>')
        label = group if len(group) <= 18 else group[:17] + "…"
        body.append(f'<text x="{gx + gw / 2:.1f}" y="{M_TOP + ph + 14}" class="tick" '
                    f'text-anchor="middle">{escape(label)}</text>')
    return _frame(chart_id, title, body, series, y_max, y_label)


def lines(chart_id: str, title: str, xs: Sequence[float], series: Sequence[str],
          values: Sequence[Sequence[float | None]], y_max: float = 1.0, y_label: str = "", x_label: str = "") -> str:
    """One polyline per series over shared ``xs`` (evenly spaced, labelled)."""
    pw, ph = W - M_LEFT - M_RIGHT, H - M_TOP - M_BOTTOM
    step = pw / max(1, len(xs) - 1)
    body = []
    for i, x in enumerate(xs):
        body.append(f'<text x="{M_LEFT + i * step:.1f}" y="{M_TOP + ph + 14}" class="tick" '
                    f'text-anchor="middle">{escape(f"{x:g}")}</text>')
    if x_label:
        body.append(f'<text x="{M_LEFT + pw / 2:.1f}" y="{M_TOP + ph + 30}" class="tick" '
                    f'text-anchor="middle">{escape(x_label)}</text>')
    for s, name in enumerate(series):
        pts = [(M_LEFT + i * step, M_TOP + ph - ph * min(v, y_max) / y_max)
               for i, v in enumerate(values[s]) if v is not None]
        if not pts:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        body.append(f'<polyline class="line" points="{path}" fill="none" stroke="{color(s)}" stroke-width="2"/>')
        for (x, y), v in zip(pts, [v for v in values[s] if v is not None]):
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color(s)}"><title>{escape(name)}: '
                        f'{v:.3f}</title></circle>')
    return _frame(chart_id, title, body, series, y_max, y_label)


def histogram(chart_id: str, title: str, series: Sequence[str], samples: Sequence[Sequence[float]],
              bins: int = 12, x_label: str = "") -> str:
    """Shared bins over all samples; per bin, one bar per series (counts)."""
    flat = [v for s in samples for v in s]
    lo, hi = (min(flat), max(flat)) if flat else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1.0
    width = (hi - lo) / bins
    counts = [[0] * bins for _ in samples]
    for s, vals in enumerate(samples):
        for v in vals:
            counts[s][min(bins - 1, int((v - lo) / width))] += 1
    digits = 0 if width >= 1 else 1 if width >= 0.1 else 2
    groups = [f"{lo + i * width:.{digits}f}" for i in range(bins)]
    top = max((c for row in counts for c in row), default=1) or 1
    y_max = -(-top // 4) * 4  # a multiple of 4, so the grid lines fall on whole counts
    svg = grouped_bars(chart_id, title, groups, series, counts, y_max=float(y_max), y_label="questions")
    if x_label:
        svg = svg.replace("</svg>", f'<text x="{W - M_RIGHT}" y="{H - 30}" class="tick" text-anchor="end">'
                                    f'{escape(x_label)}</text>\n</svg>')
    return svg
