"""Line charts drawn on the server as SVG geometry: no JavaScript, no chart library.

Each chart is drawn twice, wide and narrow; the page shows the one that fits its column
(a container query in app.css), so a phone sees the whole chart with readable labels and
never a sideways scroll.
"""

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

# Each line differs by dash pattern and marker as well as colour, never colour alone.
STYLES = [("line--a", ""), ("line--b", "6 4")]
# The drawings' widths in SVG units (12-unit labels read at about 12 px at these widths).
WIDE, NARROW = 640, 320
# About how wide a character of a 12-unit label is, and the least room between two date labels.
CHAR = 7.0
TICK_GAP = 16
# Below this many units between two days, dots would merge into a band: the line alone, with a
# dot only where a day stands alone (a line of one point draws nothing).
DOT_ROOM = 7


@dataclass
class Line:
    label: str
    css: str
    dash: str
    segments: list[str] = field(default_factory=list)
    dots: list[tuple[float, float, str]] = field(default_factory=list)


@dataclass
class Drawing:
    """The chart at one width."""

    name: str
    width: int
    height: int
    left: int
    right: int
    bottom: float
    lines: list[Line]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]


@dataclass
class Chart:
    drawings: list[Drawing]

    @property
    def lines(self) -> list[Line]:
        """For the legend: the same in every drawing."""
        return self.drawings[0].lines


def label_width(text: str) -> float:
    return len(text) * CHAR


def line_chart(
    series: list[tuple[str, list[tuple[dt.date, int | None]]]],
    *,
    y_min: int,
    y_max: int,
    y_labels: dict[int, str],
    height: int = 200,
    room_for: Iterable[str] = (),
) -> Chart:
    """Place each series on a shared date axis; a missing day breaks the line.

    `room_for`: another chart's y labels, to leave room for at the left as well, so that two
    charts shown one above the other put each day at the same place.
    """
    room = max((label_width(text) for text in room_for), default=0)
    return Chart(
        [
            _draw(
                series,
                name,
                width,
                y_min=y_min,
                y_max=y_max,
                y_labels=y_labels,
                height=height,
                room=room,
            )
            for name, width in (("wide", WIDE), ("narrow", NARROW))
        ]
    )


def _draw(
    series: list[tuple[str, list[tuple[dt.date, int | None]]]],
    name: str,
    width: int,
    *,
    y_min: int,
    y_max: int,
    y_labels: dict[int, str],
    height: int,
    room: float,
) -> Drawing:
    days = [day for day, _ in series[0][1]] if series else []
    y_ticks_text = [y_labels.get(v, str(v)) for v in range(y_min, y_max + 1)]
    date_labels = [f"{day:%-d %b}" for day in days]
    widest_date = max((label_width(t) for t in date_labels), default=0)
    # Room for the labels: the y labels at the left, half a date label past each end.
    left = math.ceil(max(max(room, *map(label_width, y_ticks_text)) + 12, widest_date / 2 + 4))
    right = math.ceil(widest_date / 2 + 4)
    top, bottom = 12, 28
    step = (width - left - right) / max(len(days) - 1, 1)
    scale = (height - top - bottom) / max(y_max - y_min, 1)

    def y_of(value: float) -> float:
        return round(height - bottom - (value - y_min) * scale, 1)

    lines = []
    for (label, points), (css, dash) in zip(series, STYLES, strict=False):
        line = Line(label=label, css=css, dash=dash)
        # Runs of days with a value: a missing day breaks the line.
        runs: list[list[tuple[float, float, str]]] = [[]]
        for i, (day, value) in enumerate(points):
            if value is None:
                runs.append([])
                continue
            tip = f"{label}, {day:%-d %b}: {y_labels.get(value, value)}"
            runs[-1].append((round(left + i * step, 1), y_of(value), tip))
        for run in filter(None, runs):
            line.segments.append(" ".join(f"{x},{y}" for x, y, _ in run))
            if step >= DOT_ROOM or len(run) == 1:
                line.dots += run
        lines.append(line)

    y_ticks = [(y_of(v), y_labels.get(v, str(v))) for v in range(y_min, y_max + 1)]
    # Date labels counted back from the latest day, as far apart as they need to be to read.
    every = max(1, math.ceil((widest_date + TICK_GAP) / step)) if len(days) > 1 else 1
    if len(days) > 1 and days[1] - days[0] == dt.timedelta(days=1) and 1 < every <= 28:
        every = 7 * math.ceil(every / 7)  # Day by day: labels a week or weeks apart.
    x_ticks = [
        (round(left + i * step, 1), text)
        for i, text in enumerate(date_labels)
        if (len(days) - 1 - i) % every == 0
    ]
    return Drawing(
        name, width, height, left, width - right, height - bottom, lines, y_ticks, x_ticks
    )
