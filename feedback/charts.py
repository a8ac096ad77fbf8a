"""Small inline SVG bar charts for the staff report: no JavaScript, no CDN. Labels are escaped by
format_html; numbers are formatted here.

Layout: a label column (right-aligned, cut to fit, the full text as a tooltip), then the bars,
then the value just right of its bar, in a reserved value column so it never runs past the
chart's edge nor into the label of a negative bar."""

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR_HEIGHT = 24
LABEL_WIDTH = 170
VALUE_WIDTH = 60
CHART_WIDTH = 480
FONT_SIZE = 12
# A generous average glyph width at 12 px (Vietnamese capitals with marks are wide): a label cut
# to this many characters stays inside the label column.
MAX_LABEL_CHARS = int((LABEL_WIDTH - 12) / 7.2)


def fit_label(label: str) -> str:
    text = " ".join(str(label).split())
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1] + "…"


def bar_chart(
    rows: Sequence[tuple[str, float | None]], *, maximum: float = 100.0, unit: str = "%"
) -> SafeString:
    """Horizontal bars, one per (label, value); a missing value shows as "—"."""
    height = max(len(rows), 1) * BAR_HEIGHT + 4
    left = LABEL_WIDTH
    span = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    values = [v for _l, v in rows if v is not None]
    low = min([0.0, *values])
    high = max([maximum, *values])
    scale_span = (high - low) or 1.0
    zero = left + span * (0 - low) / scale_span

    def bar(index: int, label: str, value: float | None) -> tuple:
        y = index * BAR_HEIGHT + 2
        width = 0.0 if value is None else span * abs(value) / scale_span
        x = zero if value is None or value >= 0 else zero - width
        colour = "#2a7" if value is not None and value >= 0 else "#c44"
        text = "—" if value is None else f"{value:g}{unit}"
        # Values sit right of the longest possible bar end for their sign: after the bar for a
        # positive value, after the zero line for a negative one.
        value_x = (x + width if value is not None and value >= 0 else zero) + 4
        return (
            str(label),
            left - 8,
            y + 16,
            FONT_SIZE,
            fit_label(label),
            f"{x:.1f}",
            y + 4,
            f"{width:.1f}",
            colour,
            f"{value_x:.1f}",
            y + 16,
            FONT_SIZE,
            text,
        )

    bars = format_html_join(
        "",
        '<g class="bar"><title>{}</title>'
        '<text class="label" x="{}" y="{}" font-size="{}" text-anchor="end">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="14" fill="{}"></rect>'
        '<text class="value" x="{}" y="{}" font-size="{}">{}</text></g>',
        (bar(i, label, value) for i, (label, value) in enumerate(rows)),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{}" height="{}" '
        'viewBox="0 0 {} {}" style="max-width:100%;height:auto">'
        '<line x1="{}" y1="0" x2="{}" y2="{}" stroke="#999" stroke-width="1"></line>{}</svg>',
        CHART_WIDTH,
        height,
        CHART_WIDTH,
        height,
        f"{zero:.1f}",
        f"{zero:.1f}",
        height,
        bars,
    )
