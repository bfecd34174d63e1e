"""Charts drawn wide and narrow: every label inside its drawing, none on top of another."""

import datetime as dt
import itertools

import pytest

from intimacy.lib.charts import NARROW, WIDE, label_width, line_chart

WEATHER = {1: "Stormy", 2: "Rainy", 3: "Windy", 4: "Foggy", 5: "Overcast", 6: "Bright spells"}


def series(points: int, step: dt.timedelta) -> list:
    first = dt.date(2026, 10, 12)
    days = [first + n * step for n in range(points)]
    return [
        ("You", [(d, (n % 5) - 2) for n, d in enumerate(days)]),
        ("Maximiliano", [(d, None if n % 4 == 0 else 1) for n, d in enumerate(days)]),
    ]


@pytest.mark.parametrize(
    ("points", "step", "labels"),
    [
        (30, dt.timedelta(days=1), WEATHER),
        (90, dt.timedelta(days=1), WEATHER),
        (12, dt.timedelta(weeks=1), {}),
        (52, dt.timedelta(weeks=1), {}),
        (1, dt.timedelta(days=1), {}),
    ],
)
def test_every_label_is_inside_its_drawing_and_apart_from_the_next(points, step, labels):
    chart = line_chart(series(points, step), y_min=-4, y_max=6, y_labels=labels)
    assert [(d.name, d.width) for d in chart.drawings] == [("wide", WIDE), ("narrow", NARROW)]
    for drawing in chart.drawings:
        spans = [(x - label_width(t) / 2, x + label_width(t) / 2) for x, t in drawing.x_ticks]
        assert drawing.x_ticks, drawing.name
        assert all(start >= 0 and end <= drawing.width for start, end in spans), drawing.name
        assert all(a[1] + 8 <= b[0] for a, b in itertools.pairwise(spans)), drawing.name
        # The latest day is always labelled: it is what a reader looks for first.
        assert drawing.x_ticks[-1][0] == (drawing.right if points > 1 else drawing.left)
        for _, text in drawing.y_ticks:
            assert drawing.left - 8 - label_width(text) >= 0, (drawing.name, text)


def test_dense_days_are_a_line_with_dots_only_where_a_day_stands_alone():
    chart = line_chart(series(90, dt.timedelta(days=1)), y_min=-4, y_max=6, y_labels={})
    you, partner = chart.drawings[1].lines
    assert you.dots == []
    assert len(you.segments) == 1
    # Every fourth day missing: runs of three days drawn as lines; the last day stands alone.
    assert len(partner.segments) == 23
    assert [tip for _, _, tip in partner.dots] == ["Maximiliano, 9 Jan: 1"]
    alone = [("You", [(dt.date(2026, 10, d), 1 if d == 5 else None) for d in range(1, 31)])]
    (line,) = line_chart(alone, y_min=0, y_max=2, y_labels={}).drawings[1].lines
    assert [tip for _, _, tip in line.dots] == ["You, 5 Oct: 1"]
