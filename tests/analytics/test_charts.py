"""The dashboard's SVG charts: every series is named in the legend, however many there are."""

import re

from cim_site.analytics import charts
from cim_site.analytics.charts import Series

CHANNELS = [
    "API",
    "Chatbot",
    "Email",
    "Facebook Messenger",
    "Điện thoại / IVR",
    "Trò chuyện trên web",
    "Zalo OA",
    "Biểu mẫu web",
    "Tại quầy",
]


def _series(names):
    return [Series(name=name, values=[1, 2, 3]) for name in names]


def test_a_legend_too_wide_for_one_row_wraps_and_names_every_series():
    svg = str(
        charts.stacked_bar_chart(
            title="t", desc="d", labels=["01/11", "02/11", "03/11"], series=_series(CHANNELS)
        )
    )
    for name in CHANNELS:
        assert f">{name}</text>" in svg
    height = int(re.search(r'viewBox="0 0 \d+ (\d+)"', svg).group(1))
    assert height > charts.HEIGHT  # the extra legend rows are inside the picture
    rows = {float(y) for y in re.findall(r'<rect x="\d+" y="([\d.]+)" width="10"', svg)}
    assert len(rows) >= 2
    assert max(rows) + 10 <= height


def test_a_short_legend_keeps_the_chart_height():
    svg = str(
        charts.line_chart(title="t", desc="d", labels=["a", "b", "c"], series=_series(["A", "B"]))
    )
    assert f'viewBox="0 0 {charts.WIDTH} {charts.HEIGHT}"' in svg
