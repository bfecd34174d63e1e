"""Line charts drawn on the server as SVG geometry: no JavaScript, no chart library."""

import datetime as dt
from dataclasses import dataclass, field

# Each line differs by dash pattern and marker as well as colour, never colour alone.
STYLES = [("line--a", ""), ("line--b", "6 4")]


@dataclass
class Line:
    label: str
    css: str
    dash: str
    segments: list[str] = field(default_factory=list)
    dots: list[tuple[float, float, str]] = field(default_factory=list)


@dataclass
class Chart:
    width: int
    height: int
    left: int
    right: int
    bottom: float
    lines: list[Line]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]


def line_chart(
    series: list[tuple[str, list[tuple[dt.date, int | None]]]],
    *,
    y_min: int,
    y_max: int,
    y_labels: dict[int, str],
    width: int = 640,
    height: int = 200,
) -> Chart:
    """Place each series on a shared date axis; a missing day breaks the line."""
    # Labels on both sides: on a phone the chart scrolls and opens at its right-hand end.
    left, right, top, bottom = 88, 88, 12, 28
    days = len(series[0][1]) if series else 0
    step = (width - left - right) / max(days - 1, 1)
    scale = (height - top - bottom) / max(y_max - y_min, 1)

    def y_of(value: float) -> float:
        return round(height - bottom - (value - y_min) * scale, 1)

    lines = []
    for (label, points), (css, dash) in zip(series, STYLES, strict=False):
        line = Line(label=label, css=css, dash=dash)
        run: list[str] = []
        for i, (day, value) in enumerate(points):
            if value is None:
                if run:
                    line.segments.append(" ".join(run))
                run = []
                continue
            x = round(left + i * step, 1)
            run.append(f"{x},{y_of(value)}")
            line.dots.append(
                (x, y_of(value), f"{label}, {day:%-d %b}: {y_labels.get(value, value)}")
            )
        if run:
            line.segments.append(" ".join(run))
        lines.append(line)

    y_ticks = [(y_of(v), y_labels.get(v, str(v))) for v in range(y_min, y_max + 1)]
    every = 7 if days <= 31 else 15
    x_ticks = [
        (round(left + i * step, 1), f"{day:%-d %b}")
        for i, (day, _) in enumerate(series[0][1] if series else [])
        if (days - 1 - i) % every == 0
    ]
    return Chart(width, height, left, width - right, height - bottom, lines, y_ticks, x_ticks)
