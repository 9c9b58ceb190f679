"""Charts as server-rendered SVG: pictures read at a glance, with the numbers in a table
beside each (the templates). No script, no inline style (the CSP allows neither)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

COLOURS = ("#1d5fa8", "#2e8540", "#c4432b", "#7a4fb0")


def _nice_max(value: int) -> int:
    for step in (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000):
        if value <= step:
            return step
    return ((value // 100_000) + 1) * 100_000


def columns(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    chart_id: str,
) -> Markup:
    """Grouped columns (months along the bottom), one colour per series, with a legend."""
    width, height, left, bottom, top = 640, 260, 44, 40, 16
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = _nice_max(max([1, *(v for _, values in series for v in values)]))
    group = plot_w / max(len(labels), 1)
    bar = max(group * 0.8 / max(len(series), 1), 1.0)
    parts = [
        f'<svg viewBox="0 0 {width} {height + 24}" role="img" class="chart" '
        f'aria-labelledby="{chart_id}-t" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
    ]
    for tick in range(5):
        value = peak * tick // 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{value}</text>'
        )
    for i, name in enumerate(labels):
        x0 = left + group * i + group * 0.1
        for s, (_, values) in enumerate(series):
            h = plot_h * values[i] / peak
            parts.append(
                f'<rect x="{x0 + s * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[s % len(COLOURS)]}"/>'
            )
        parts.append(
            f'<text x="{x0 + group * 0.4:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
            f'font-size="11">{escape(name)}</text>'
        )
    for s, (name, _) in enumerate(series):
        x = left + s * 190
        parts.append(
            f'<rect x="{x}" y="{height + 6}" width="12" height="12" '
            f'fill="{COLOURS[s % len(COLOURS)]}"/><text x="{x + 16}" y="{height + 16}" '
            f'font-size="12">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(title: str, rows: Sequence[tuple[str, int]], *, chart_id: str) -> Markup:
    """Horizontal bars, one per row (a kind, a category), the number at the end of each."""
    width, row_h, label_w = 640, 26, 230
    height = row_h * max(len(rows), 1) + 8
    peak = max([1, *(v for _, v in rows)])
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" class="chart" '
        f'aria-labelledby="{chart_id}-t" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
    ]
    for i, (name, value) in enumerate(rows):
        y = 4 + i * row_h
        w = (width - label_w - 60) * value / peak
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end" font-size="12">'
            f"{escape(name[:36])}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="{COLOURS[0]}"/><text x="{label_w + w + 4:.1f}" y="{y + 17}" '
            f'font-size="12">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
