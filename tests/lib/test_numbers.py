"""Numbers people read are rounded one way everywhere: to the nearest whole number, halves
away from zero, by intimacy.lib.numbers.rounded (Python's round() takes halves to even)."""

import ast
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from intimacy.lib.numbers import rounded

ROOT = Path(__file__).resolve().parents[2]
APPS = ("intimacy", "checkins", "prompts")
# round() here is not a number anyone reads: chart geometry, made-up demo data.
NOT_FOR_READING = {"intimacy/lib/charts.py", "checkins/demo.py", "intimacy/lib/numbers.py"}


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.5, 1),
        (1.5, 2),
        (2.5, 3),
        (-0.5, -1),
        (-1.5, -2),
        (0.49, 0),
        (-0.49, 0),
        (Fraction(7, 2), 4),
        (Fraction(-1, 3), 0),
        (Decimal("2.5"), 3),
        (3, 3),
    ],
)
def test_halves_go_away_from_zero(value, shown):
    assert rounded(value) == shown


def python_sources() -> list[Path]:
    return [
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and str(path.relative_to(ROOT)) not in NOT_FOR_READING
    ]


def test_no_other_rounding_of_numbers_for_display():
    """round(), or a format with a precision (f"{x:.1f}", which also takes halves to even),
    outside the helper would round another way."""
    found = []
    for path in python_sources():
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "round":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} round()")
        for match in re.finditer(r"[:%][+ ]?\d*\.\d+[fe%]", source):
            line = source.count("\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(ROOT)}:{line} {match.group(0)}")
    for path in (ROOT / "templates").rglob("*.html"):
        if "widthratio" in path.read_text():  # rounds halves to even too
            found.append(f"{path.relative_to(ROOT)} widthratio")
    assert not found, "Round numbers for display with intimacy.lib.numbers.rounded: " + ", ".join(
        found
    )
