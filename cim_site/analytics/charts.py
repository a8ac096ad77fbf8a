"""Server-side SVG charts for the operations dashboard: no JavaScript, no CDN, so they render
offline and in a saved page. Every chart carries <title>/<desc> for screen readers and is always
shown beside a table with the same numbers; each mark can link to the tickets behind it.

Text is escaped by format_html; numbers are formatted here. Labels on the x axis are thinned to
what fits the width (a 90-day period never prints 90 overlapping dates), and long category labels
are cut with an ellipsis, the full text staying in the mark's tooltip and in the table."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import count

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe palette (Okabe–Ito, darkened a little for contrast on white).
PALETTE = (
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#b08800",
    "#56b4e9",
    "#7f7f7f",
    "#e69f00",
    "#000000",
)
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"
WIDTH = 600
HEIGHT = 240
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 14, 44
CHAR_WIDTH = 7.0  # average width of a 12px glyph, Vietnamese diacritics included

_ids = count(1)


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    links: Sequence[str | None] = field(default_factory=list)
    # A fixed colour per thing (a channel keeps its colour in every chart); else by position.
    colour: str | None = None


def _colour(item: Series, index: int) -> str:
    return item.colour or PALETTE[index % len(PALETTE)]


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.1f}"
    return f"{text}{unit}"


def _nice_max(value: float, *, whole: bool = False) -> float:
    """The top of the y axis: four equal steps of 1, 2, 2.5 or 5 × 10ⁿ just above `value`;
    counts (`whole`) get whole-number steps so no axis reads "2.5 tickets"."""
    if value <= 0:
        return 4.0 if whole else 1.0
    raw = value / 4
    exponent = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        size = step * exponent
        if whole and size != int(size):
            continue
        if raw <= size:
            return size * 4
    return 10 * exponent * 4


def _frame(title: str, desc: str, width: int, height: int, body: SafeString) -> SafeString:
    ident = f"cim-chart-{next(_ids)}"
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="cim-chart" role="img" '
        'aria-labelledby="{}-t {}-d" viewBox="0 0 {} {}" width="{}" height="{}" '
        'preserveAspectRatio="xMinYMin meet" font-family="{}" font-size="12">'
        '<title id="{}-t">{}</title><desc id="{}-d">{}</desc>{}</svg>',
        ident,
        ident,
        width,
        height,
        width,
        height,
        FONT,
        ident,
        title,
        ident,
        desc,
        body,
    )


def _empty(title: str, desc: str, message: str, height: int = 80) -> SafeString:
    body = format_html(
        '<rect x="0.5" y="0.5" width="{}" height="{}" fill="none" stroke="#d9dee3" '
        'stroke-dasharray="4 3"></rect>'
        '<text class="cim-empty-chart" x="{}" y="{}" text-anchor="middle" fill="#4a5561" '
        'font-size="13">{}</text>',
        WIDTH - 1,
        height - 1,
        WIDTH // 2,
        height // 2 + 4,
        message,
    )
    return _frame(title, desc, WIDTH, height, body)


def _linked(mark: SafeString, href: str | None) -> SafeString:
    # Out of the tab order: a 90-day chart would be 90 stops; the table beside the chart has
    # the same links for the keyboard and for screen readers.
    return format_html('<a href="{}" tabindex="-1">{}</a>', href, mark) if href else mark


def _y_axis(top: float, unit: str, plot_w: float, plot_h: float) -> SafeString:
    rows = []
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        rows.append(
            (
                LEFT,
                f"{y:.1f}",
                LEFT + plot_w,
                f"{y:.1f}",
                LEFT - 6,
                f"{y + 4:.1f}",
                _number(value, unit),
            )
        )
    return format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d9dee3" stroke-width="1"></line>'
        '<text x="{}" y="{}" text-anchor="end" fill="#4a5561">{}</text>',
        rows,
    )


def _x_labels(labels: Sequence[str], xs: Sequence[float], plot_w: float) -> SafeString:
    """Prints every n-th label so that none overlaps its neighbour; the last one always shows."""
    if not labels:
        return mark_safe("")  # noqa: S308 - constant
    widest = max(len(str(label)) for label in labels) * CHAR_WIDTH + 8
    fits = max(1, int(plot_w // widest))
    step = max(1, math.ceil(len(labels) / fits))
    shown = set(range(0, len(labels), step))
    last = len(labels) - 1
    if last not in shown:
        # Keep the last date (the one people look for) and drop the neighbour it would hit.
        shown.discard(max(shown))
        shown.add(last)
    y = TOP + (HEIGHT - TOP - BOTTOM) + 16

    def placed(i: int) -> tuple[str, int, str, str]:
        # A label centred on the first or last period may run past the edge: pin it inside.
        half = len(str(labels[i])) * CHAR_WIDTH / 2
        if xs[i] + half > WIDTH - 2:
            return (f"{WIDTH - 2}", y, "end", labels[i])
        if xs[i] - half < 2:
            return ("2", y, "start", labels[i])
        return (f"{xs[i]:.1f}", y, "middle", labels[i])

    return format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="{}" fill="#4a5561">{}</text>',
        (placed(i) for i in sorted(shown)),
    )


LEGEND_ROW = 16


def _legend_rows(series: Sequence[Series], width: int) -> list[list[tuple[int, int, Series]]]:
    """Legend entries as rows that fit the chart's width: every series is named, none is cut."""
    rows: list[list[tuple[int, int, Series]]] = [[]]
    x = LEFT
    for index, item in enumerate(series):
        size = 14 + int(len(item.name) * CHAR_WIDTH) + 18
        if rows[-1] and x + size > width - RIGHT:
            rows.append([])
            x = LEFT
        rows[-1].append((x, index, item))
        x += size
    return rows


def _legend_height(series: Sequence[Series], width: int) -> int:
    """What the legend adds below a chart beyond its first row."""
    return LEGEND_ROW * (len(_legend_rows(series, width)) - 1)


def _legend(series: Sequence[Series], y: float, width: int) -> SafeString:
    items = [
        (f"{x}", f"{y - 9 + n * LEGEND_ROW}", _colour(item, index))
        + (f"{x + 14}", f"{y + n * LEGEND_ROW}", item.name)
        for n, row in enumerate(_legend_rows(series, width))
        for x, index, item in row
    ]
    return format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"></rect>'
        '<text x="{}" y="{}" fill="#1f2a33">{}</text>',
        items,
    )


def line_chart(
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    maximum: float | None = None,
    empty: str = "",
) -> SafeString:
    """One line per series over the periods in `labels`; a gap where a value is missing."""
    if not any(v is not None for s in series for v in s.values):
        return _empty(title, desc, empty or "—", HEIGHT // 2)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    values = [v for s in series for v in s.values if v is not None]
    whole = all(float(v).is_integer() for v in values)
    top = maximum if maximum is not None else _nice_max(max(values, default=0), whole=whole)
    n = len(labels)
    xs = [LEFT + (plot_w * (i + 0.5) / n if n else 0) for i in range(n)]

    def y_of(value: float) -> float:
        return TOP + plot_h - plot_h * min(value, top) / top

    parts = [_y_axis(top, unit, plot_w, plot_h), _x_labels(labels, xs, plot_w)]
    # Smaller points when they would touch each other (a quarter by day).
    radius = 3.5 if n <= 40 else 2
    for index, item in enumerate(series):
        colour = _colour(item, index)
        # Periods without a value (no ticket solved that day) are skipped, not drawn as zero:
        # the line joins the periods that have one, and the points show where they are.
        points = [
            f"{xs[i]:.1f},{y_of(value):.1f}"
            for i, value in enumerate(item.values)
            if value is not None
        ]
        if len(points) > 1:
            parts.append(
                format_html(
                    '<polyline class="cim-line" points="{}" fill="none" stroke="{}" '
                    'stroke-width="2" stroke-linejoin="round"></polyline>',
                    " ".join(points),
                    colour,
                )
            )
        for i, value in enumerate(item.values):
            if value is None:
                continue
            links = list(item.links)
            mark = format_html(
                '<circle class="cim-point" cx="{}" cy="{}" r="{}" fill="{}">'
                "<title>{} · {}: {}</title></circle>",
                f"{xs[i]:.1f}",
                f"{y_of(value):.1f}",
                radius,
                colour,
                labels[i],
                item.name,
                _number(value, unit),
            )
            parts.append(_linked(mark, links[i] if i < len(links) else None))
    parts.append(_legend(series, HEIGHT - 6, WIDTH))
    height = HEIGHT + _legend_height(series, WIDTH)
    return _frame(title, desc, WIDTH, height, mark_safe("".join(parts)))  # noqa: S308 - escaped


def stacked_bar_chart(
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    empty: str = "",
) -> SafeString:
    """Columns per period, one coloured block per series (e.g. tickets per channel per day)."""
    if not any(v for s in series for v in s.values):
        return _empty(title, desc, empty or "—", HEIGHT // 2)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    n = len(labels)
    totals = [sum((s.values[i] or 0) for s in series) for i in range(n)]
    top = _nice_max(max(totals, default=0), whole=all(float(t).is_integer() for t in totals))
    slot = plot_w / n if n else plot_w
    bar_w = max(2.0, min(28.0, slot * 0.7))
    xs = [LEFT + slot * (i + 0.5) for i in range(n)]
    parts = [_y_axis(top, unit, plot_w, plot_h), _x_labels(labels, xs, plot_w)]
    for i in range(n):
        base = TOP + plot_h
        for index, item in enumerate(series):
            value = item.values[i] or 0
            if value <= 0:
                continue
            height = plot_h * value / top
            base -= height
            links = list(item.links)
            mark = format_html(
                '<rect class="cim-bar" x="{}" y="{}" width="{}" height="{}" fill="{}">'
                "<title>{} · {}: {}</title></rect>",
                f"{xs[i] - bar_w / 2:.1f}",
                f"{base:.1f}",
                f"{bar_w:.1f}",
                f"{height:.1f}",
                _colour(item, index),
                labels[i],
                item.name,
                _number(value, unit),
            )
            parts.append(_linked(mark, links[i] if i < len(links) else None))
    parts.append(_legend(series, HEIGHT - 6, WIDTH))
    height = HEIGHT + _legend_height(series, WIDTH)
    return _frame(title, desc, WIDTH, height, mark_safe("".join(parts)))  # noqa: S308 - escaped


def bar_chart(
    *,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, float | None, str | None]],
    unit: str = "",
    maximum: float | None = None,
    label_chars: int = 26,
    empty: str = "",
) -> SafeString:
    """Horizontal bars, one per (label, value, link); a missing value shows as "—"."""
    if not any(value for _label, value, _link in rows):
        return _empty(title, desc, empty or "—")
    row_h = 24
    longest = min(label_chars, max((len(str(r[0])) for r in rows), default=4))
    label_w = int(longest * CHAR_WIDTH) + 12
    value_w = 64
    height = max(len(rows), 1) * row_h + 8
    plot_w = WIDTH - label_w - value_w
    values = [v for _label, v, _link in rows if v is not None]
    top = maximum if maximum is not None else max(values, default=0) or 1
    parts = []
    for i, (label, value, link) in enumerate(rows):
        y = 4 + i * row_h
        text = str(label)
        short = text if len(text) <= label_chars else text[: label_chars - 1] + "…"
        width = 0.0 if value is None else max(1.0, plot_w * min(value, top) / top)
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" fill="#1f2a33">{}<title>{}</title></text>',
                label_w - 8,
                y + 15,
                short,
                text,
            )
        )
        if value:
            mark = format_html(
                '<rect class="cim-bar" x="{}" y="{}" width="{}" height="16" fill="{}" rx="2">'
                "<title>{}: {}</title></rect>",
                label_w,
                y + 3,
                f"{width:.1f}",
                PALETTE[0],
                text,
                _number(value, unit),
            )
            parts.append(_linked(mark, link))
        parts.append(
            format_html(
                '<text x="{}" y="{}" fill="#1f2a33">{}</text>',
                f"{label_w + width + 6:.1f}",
                y + 15,
                _number(value, unit),
            )
        )
    return _frame(title, desc, WIDTH, height, mark_safe("".join(parts)))  # noqa: S308 - escaped
