"""The report's charts, drawn here as inline SVG (no chart library, nothing fetched).

Each function returns one ``<svg role="img">`` element as :class:`markupsafe.Markup`, with
a ``<title>`` and ``<desc>`` naming what it shows and the numbers written on the chart as
text, so it reads without JavaScript, in print and with a screen reader. Every piece of
text that comes from the linted repository is escaped here; colours are attributes (not
``style``), so the report's content security policy needs no inline-style allowance.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

from markupsafe import Markup, escape

from .. import secrets

FONT = 12
ROW = 22  # height of one bar row
CHAR_W = 7.0  # approximate width of a character at FONT px, for laying out labels
SEVERITY_FILL = {"error": "#c62828", "warning": "#c77700", "info": "#1f6fb2"}
NEUTRAL_FILL = "#5c6bc0"
ARM_FILL = {"before": "#8d6e63", "after": "#2e7d32"}
AXIS = "#888888"
TEXT = "#222222"


def _text(value: object) -> Markup:
    return escape(secrets.redact(str(value)))


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(chart_id: str, width: float, height: float, title: str, desc: str, body: Iterable[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{_text(chart_id)}" role="img" '
        f'aria-labelledby="{_text(chart_id)}-title {_text(chart_id)}-desc" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" width="{_num(width)}" height="{_num(height)}" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}">'
        f'<title id="{_text(chart_id)}-title">{_text(title)}</title>'
        f'<desc id="{_text(chart_id)}-desc">{_text(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _shorten(label: str, limit: int) -> str:
    """Long labels (paths) keep their end, the part that tells files apart."""
    label = secrets.redact(label)  # before cutting: the end of a key is as secret as its start
    return label if len(label) <= limit else "…" + label[-(limit - 1):]


def bar_chart(
    chart_id: str,
    title: str,
    bars: Sequence[tuple[str, float, str]],
    *,
    unit: str = "",
    value_format=None,
    bar_width: int = 320,
    label_limit: int = 44,
) -> Markup:
    """Horizontal bars: ``(label, value, fill)`` each, the value written after its bar."""
    format_value = value_format or (lambda v: f"{v:,.0f}")
    labels = [_shorten(label, label_limit) for label, _, _ in bars]
    label_w = max([len(label) for label in labels] + [4]) * CHAR_W + 12
    values = [value for _, value, _ in bars]
    top = max([abs(v) for v in values] + [0])
    value_w = max([len(format_value(v) + unit) for v in values] + [1]) * CHAR_W + 12
    width = label_w + bar_width + value_w
    height = max(1, len(bars)) * ROW + 8
    body: list[str] = []
    if not bars:
        body.append(f'<text x="8" y="{ROW - 6}" fill="{TEXT}">nothing to show</text>')
    for index, ((label, value, fill), short) in enumerate(zip(bars, labels)):
        y = 4 + index * ROW
        length = 0.0 if top == 0 else max(1.0, abs(value) / top * bar_width)
        shown = format_value(value) + unit
        body.append(
            f'<g class="bar"><title>{_text(label)}: {_text(shown)}</title>'
            f'<text x="{_num(label_w - 8)}" y="{_num(y + ROW / 2 + 4)}" text-anchor="end" fill="{TEXT}">{_text(short)}</text>'
            f'<rect x="{_num(label_w)}" y="{_num(y + 3)}" width="{_num(length)}" height="{ROW - 6}" fill="{_text(fill)}" rx="2"/>'
            f'<text x="{_num(label_w + length + 6)}" y="{_num(y + ROW / 2 + 4)}" fill="{TEXT}">{_text(shown)}</text></g>'
        )
    desc = "; ".join(f"{label}: {format_value(value)}{unit}" for label, value, _ in bars[:50]) or "no data"
    return _svg(chart_id, width, height, title, desc, body)


def histogram(chart_id: str, title: str, bins: Sequence[tuple[str, int]], *, x_label: str, fill: str = NEUTRAL_FILL) -> Markup:
    """Vertical bars over labelled bins, each count written above its bar."""
    column = 64
    plot_h = 140
    left, top_pad, bottom = 8, 20, 44
    width = left * 2 + column * max(1, len(bins))
    height = top_pad + plot_h + bottom
    top = max([count for _, count in bins] + [0])
    body = [f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - left}" y2="{top_pad + plot_h}" stroke="{AXIS}"/>']
    for index, (label, count) in enumerate(bins):
        x = left + index * column
        h = 0 if top == 0 else (count / top * plot_h if count else 0)
        if count and h < 1.5:
            h = 1.5
        body.append(
            f'<g class="bin"><title>{_text(label)} tokens: {count:,} files</title>'
            f'<rect x="{x + 6}" y="{_num(top_pad + plot_h - h)}" width="{column - 12}" height="{_num(h)}" fill="{_text(fill)}" rx="2"/>'
            f'<text x="{x + column / 2}" y="{_num(top_pad + plot_h - h - 5)}" text-anchor="middle" fill="{TEXT}">{count:,}</text>'
            f'<text x="{x + column / 2}" y="{top_pad + plot_h + 16}" text-anchor="middle" fill="{TEXT}">{_text(label)}</text></g>'
        )
    body.append(
        f'<text x="{_num(width / 2)}" y="{height - 8}" text-anchor="middle" fill="{TEXT}">{_text(x_label)}</text>'
    )
    desc = "; ".join(f"{label}: {count}" for label, count in bins) or "no data"
    return _svg(chart_id, width, height, title, desc, body)


def token_bins(sizes: Iterable[int]) -> list[tuple[str, int]]:
    """Counts of sizes in doubling bins (under 256, 256–511, … , 16k and more)."""
    edges = [0, 256, 512, 1024, 2048, 4096, 8192, 16384]
    counts = [0] * len(edges)
    for size in sizes:
        index = max(i for i, edge in enumerate(edges) if size >= edge) if size >= 0 else 0
        counts[index] += 1
    labels = []
    for i, edge in enumerate(edges):
        if i == len(edges) - 1:
            labels.append(f"≥{_k(edge)}")
        elif i == 0:
            labels.append(f"<{_k(edges[1])}")
        else:
            labels.append(f"{_k(edge)}–{_k(edges[i + 1])}")
    return list(zip(labels, counts))


def _k(value: int) -> str:
    return f"{value // 1024}k" if value >= 1024 and value % 1024 == 0 else str(value)


# ---------------------------------------------------------------------------------------
# A/B distributions
# ---------------------------------------------------------------------------------------


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _quantile(ordered: Sequence[float], q: float) -> float:
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def distribution_plot(chart_id: str, title: str, arms: Sequence[tuple[str, str, Sequence[float]]], *, unit: str = "ms") -> Markup:
    """Per arm, a box plot (quartiles, median, whiskers to min and max, a p90 tick) over
    a strip of every trial: ``arms`` is ``(name, label, values)`` each."""
    label_w, right_w, plot_w = 190.0, 200.0, 420.0
    row_h, top_pad, axis_h = 46.0, 8.0, 36.0
    width = label_w + plot_w + right_w
    height = top_pad + row_h * max(1, len(arms)) + axis_h
    every = [v for _, _, values in arms for v in values]
    ticks = nice_ticks(min(every + [0.0]) if every and min(every) < 0 else 0.0, max(every) if every else 1.0)
    low, high = ticks[0], ticks[-1]

    def x(value: float) -> float:
        return label_w + (value - low) / (high - low) * plot_w

    body: list[str] = []
    axis_y = top_pad + row_h * max(1, len(arms))
    body.append(f'<line x1="{_num(label_w)}" y1="{_num(axis_y)}" x2="{_num(label_w + plot_w)}" y2="{_num(axis_y)}" stroke="{AXIS}"/>')
    for tick in ticks:
        tx = x(tick)
        body.append(
            f'<line x1="{_num(tx)}" y1="{_num(top_pad)}" x2="{_num(tx)}" y2="{_num(axis_y + 4)}" stroke="#e2e2e2"/>'
            f'<text x="{_num(tx)}" y="{_num(axis_y + 16)}" text-anchor="middle" fill="{TEXT}">{_text(_num(tick))}</text>'
        )
    body.append(f'<text x="{_num(label_w + plot_w / 2)}" y="{_num(height - 4)}" text-anchor="middle" fill="{TEXT}">{_text(unit)}</text>')
    descs = []
    for index, (name, label, values) in enumerate(arms):
        mid = top_pad + row_h * index + row_h / 2
        fill = ARM_FILL.get(name, NEUTRAL_FILL)
        body.append(f'<text x="{_num(label_w - 10)}" y="{_num(mid + 4)}" text-anchor="end" fill="{TEXT}">{_text(_shorten(label, 26))}</text>')
        if not values:
            body.append(f'<text x="{_num(label_w + 6)}" y="{_num(mid + 4)}" fill="{TEXT}">no successful trials</text>')
            descs.append(f"{label}: no successful trials")
            continue
        ordered = sorted(values)
        q1, median, q3, p90 = (_quantile(ordered, q) for q in (0.25, 0.5, 0.75, 0.9))
        body.append(
            f'<g class="box"><title>{_text(label)}: median {_num(median)} {_text(unit)}, p90 {_num(p90)} {_text(unit)}, '
            f'n={len(values)}</title>'
            f'<line x1="{_num(x(ordered[0]))}" y1="{_num(mid)}" x2="{_num(x(ordered[-1]))}" y2="{_num(mid)}" stroke="{fill}"/>'
            f'<rect x="{_num(x(q1))}" y="{_num(mid - 11)}" width="{_num(max(1.0, x(q3) - x(q1)))}" height="22" '
            f'fill="{fill}" fill-opacity="0.18" stroke="{fill}"/>'
            f'<line x1="{_num(x(median))}" y1="{_num(mid - 13)}" x2="{_num(x(median))}" y2="{_num(mid + 13)}" stroke="{fill}" stroke-width="3"/>'
            f'<path d="M{_num(x(p90))} {_num(mid - 17)} l4 -6 h-8 z" fill="{fill}"/></g>'
        )
        for number, value in enumerate(values):
            jitter = ((number * 37) % 11 - 5) * 1.6
            body.append(f'<circle cx="{_num(x(value))}" cy="{_num(mid + jitter)}" r="2.2" fill="{fill}" fill-opacity="0.75"/>')
        body.append(
            f'<text x="{_num(label_w + plot_w + 12)}" y="{_num(mid + 4)}" fill="{TEXT}">'
            f'median {_text(_num(median))} · p90 {_text(_num(p90))} {_text(unit)}</text>'
        )
        descs.append(f"{label}: n={len(values)}, median {_num(median)} {unit}, p90 {_num(p90)} {unit}")
    return _svg(chart_id, width, height, title, "; ".join(descs) or "no data", body)
