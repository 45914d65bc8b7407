"""XPath 2.0 number semantics the EN 16931 CII rules depend on, beyond :mod:`belegwerk.rules.functions`.

The official rules mix two kinds of arithmetic, and the verdict can depend on which one runs:

* ``xs:decimal(x)`` casts give exact decimal arithmetic (:class:`decimal.Decimal` here);
* untyped element values used directly (``sum(ram:ActualAmount)``, ``ram:BasisAmount - 1``,
  ``ram:RateApplicablePercent > 0``) are cast to ``xs:double`` (Python ``float`` here), and a
  decimal compared with a double is first converted to double.

The helpers return ``None`` where XPath would raise a dynamic error (a value that does not cast);
rules treat that as "condition not met", which is how an assertion over a broken value ends up
failing in practice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import ROUND_FLOOR, Context, Decimal
from typing import Final

from belegwerk.rules.functions import plain_number, to_decimal

_DOUBLE: Final = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_SPECIAL: Final = {"INF": math.inf, "+INF": math.inf, "-INF": -math.inf, "NaN": math.nan}
#: Wide enough that conversions of doubles to decimals and sums of amounts stay exact.
_EXACT: Final = Context(prec=400, rounding=ROUND_FLOOR)
#: The context's operations bound once: a call through ``_add(…)`` looks the method up
#: every time (compiled code calls these a few hundred times per document).
_add: Final = _EXACT.add
_subtract: Final = _EXACT.subtract
_multiply: Final = _EXACT.multiply
_divide: Final = _EXACT.divide
_to_integral: Final = _EXACT.to_integral_value
_scaleb: Final = _EXACT.scaleb
_HALF: Final = Decimal("0.5")
_HUNDRED: Final = Decimal(100)


def to_double(value: str | None) -> float | None:
    """Cast like ``xs:double(value)``; None where XPath raises a cast error."""
    if value is None:
        return None
    if plain_number(value):
        return float(value)
    v = value.strip(" \t\r\n")
    if _DOUBLE.fullmatch(v):
        return float(v)
    return _SPECIAL.get(v)


def double_to_decimal(value: float) -> Decimal:
    """``xs:decimal(double)``: the exact value of the binary double (as Saxon's ``new BigDecimal``)."""
    return Decimal(value)


def round_decimal(value: Decimal) -> Decimal:
    """XPath ``round()`` on a decimal: half towards positive infinity, computed exactly."""
    return _to_integral(_add(value, _HALF))


def round2_decimal(value: Decimal) -> Decimal:
    """The ``round(x * 10 * 10) div 100`` idiom on decimals.

    Scaling by 100 is an exponent shift (``scaleb``), which gives the same value as the
    multiplication and the exact division it stands for at a fraction of their cost (the result
    may carry trailing zeros the division would drop: ``12.00`` for ``12``; the rules only
    compare and add these values). :func:`round2_decimal_by_arithmetic` is the reference.
    """
    return _scaleb(round_decimal(_scaleb(value, 2)), -2)


def round2_decimal_by_arithmetic(value: Decimal) -> Decimal:
    """:func:`round2_decimal` operation by operation as written in the rules (the reference)."""
    return _divide(round_decimal(_multiply(value, _HUNDRED)), _HUNDRED)


def round_double(value: float) -> float:
    """XPath ``round()`` on a double (half towards positive infinity, no ``x + 0.5`` error)."""
    if math.isnan(value) or math.isinf(value):
        return value
    floor = math.floor(value)
    return float(floor + 1) if value - floor >= 0.5 else float(floor)


def round2_double(value: float) -> float:
    """The ``round(x * 10 * 10) div 100`` idiom on doubles, operation by operation."""
    return round_double(value * 10 * 10) / 100


def sum_doubles(values: Iterable[str]) -> float | None:
    """``sum()`` over untyped values (each cast to double, added left to right); None on a cast error."""
    total = 0.0
    for v in values:
        d = to_double(v)
        if d is None:
            return None
        total += d
    return total


def sum_decimals(values: Iterable[Decimal]) -> Decimal:
    total = Decimal(0)
    for v in values:
        total = _add(total, v)
    return total


def decimal_of(value: str | None) -> Decimal | None:
    """``xs:decimal(value)``, None when absent or not castable."""
    return to_decimal(value)


def eq_double(untyped: str | None, number: float | Decimal | None) -> bool:
    """``untyped = number`` in XPath 2.0: both sides compared as doubles."""
    if number is None:
        return False
    d = to_double(untyped)
    return d is not None and d == float(number)


def mul(a: Decimal, b: Decimal) -> Decimal:
    return _multiply(a, b)


def add(a: Decimal, b: Decimal) -> Decimal:
    return _add(a, b)


def sub(a: Decimal, b: Decimal) -> Decimal:
    return _subtract(a, b)
