"""Decimal helpers for money and quantities.

Amounts in e-invoices are decimal strings with a meaningful scale ("100.00" vs "100"). We keep them
as :class:`~decimal.Decimal` end to end so nothing is lost to binary floating point, and format them
back without switching to scientific notation (``Decimal("1E+2")`` must be written ``100``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

#: Quantum for amounts with two decimals, the precision EN 16931 prescribes for totals.
CENT: Final = Decimal("0.01")
ZERO: Final = Decimal(0)
_DECIMAL: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


class InvalidAmount(ValueError):
    """A text that should be a decimal number is not one."""


def parse_decimal(text: str) -> Decimal:
    """Parse an ``xs:decimal``-like text ("1234.50", "-3", " 7 ") into a finite Decimal.

    Raises :class:`InvalidAmount` for anything else (empty, "1,50", "NaN", "1e3"), because a silently
    wrong amount is worse than a refused document.
    """
    stripped = text.strip()
    if not _DECIMAL.fullmatch(stripped):
        raise InvalidAmount(f"not a decimal number: {text!r}")
    try:
        value = Decimal(stripped)
    except InvalidOperation as exc:
        raise InvalidAmount(f"not a decimal number: {text!r}") from exc
    if not value.is_finite():
        raise InvalidAmount(f"not a finite decimal number: {text!r}")
    return value


def format_decimal(value: Decimal) -> str:
    """Write ``value`` in plain positional notation, keeping its scale ("100.00" stays "100.00")."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        value = value.quantize(Decimal(1))
    return f"{value:f}"


def round_amount(value: Decimal, quantum: Decimal = CENT) -> Decimal:
    """Round commercially (half away from zero) to ``quantum``, as invoices are rounded on paper."""
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def sum_amounts(values: Iterable[Decimal | None]) -> Decimal:
    """Sum the present values; an empty sum is ``0``."""
    total = ZERO
    for value in values:
        if value is not None:
            total += value
    return total
