"""Small inline SVG bar charts for the staff report: no JavaScript, no CDN. Labels are escaped by
format_html; numbers are formatted here."""

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR_HEIGHT = 22
LABEL_WIDTH = 180
CHART_WIDTH = 520


def bar_chart(
    rows: Sequence[tuple[str, float | None]], *, maximum: float = 100.0, unit: str = "%"
) -> SafeString:
    """Horizontal bars, one per (label, value); a missing value shows as "—"."""
    height = max(len(rows), 1) * BAR_HEIGHT + 4
    span = CHART_WIDTH - LABEL_WIDTH - 60
    low = min([0.0, *(v for _l, v in rows if v is not None)])
    scale_span = (maximum - low) or 1.0

    def bar(index: int, label: str, value: float | None) -> tuple:
        y = index * BAR_HEIGHT + 2
        start = LABEL_WIDTH + span * (0 - low) / scale_span
        width = 0.0 if value is None else span * abs(value) / scale_span
        x = start if value is None or value >= 0 else start - width
        colour = "#2a7" if value is not None and value >= 0 else "#c44"
        text = "—" if value is None else f"{value:g}{unit}"
        return (
            y + 15,
            str(label)[:30],
            f"{x:.1f}",
            y + 3,
            f"{width:.1f}",
            colour,
            f"{x + width + 4:.1f}",
            y + 15,
            text,
        )

    bars = format_html_join(
        "",
        '<text x="4" y="{}" font-size="12">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="14" fill="{}"></rect>'
        '<text x="{}" y="{}" font-size="12">{}</text>',
        (bar(i, label, value) for i, (label, value) in enumerate(rows)),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{}" height="{}" '
        'viewBox="0 0 {} {}">{}</svg>',
        CHART_WIDTH,
        height,
        CHART_WIDTH,
        height,
        bars,
    )
