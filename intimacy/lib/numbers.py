"""Numbers people read: one way of rounding, everywhere they are shown."""

import math
from decimal import Decimal
from fractions import Fraction


def rounded(value: int | float | Decimal | Fraction) -> int:
    """To the nearest whole number, halves away from zero (0.5 is 1, 1.5 is 2, -0.5 is -1),
    as people round by hand. Python's round() takes halves to the even number (0.5 is 0,
    1.5 is 2), which reads as a mistake. Exact: a Fraction of ints never meets float error."""
    exact = Fraction(value)
    whole = math.floor(abs(exact) + Fraction(1, 2))
    return whole if exact >= 0 else -whole
