"""XPath 2.0 semantics the official rules rely on, as small Python functions.

Agreement with the official validators depends on details such as how ``xs:decimal`` parses,
how ``round()`` rounds halves, and what ``normalize-space`` strips; keeping those in one place
means every rule pack gets them identically.
"""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Final

from lxml import etree

from belegwerk.xml.ns import NSMAP

_DECIMAL: Final = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$")
_WS: Final = re.compile(r"[ \t\n\r]+")


def normalize_space(value: str | None) -> str:
    """XPath ``normalize-space``: collapse XML whitespace runs to one space and trim."""
    if not value:
        return ""
    if (
        value[0] != " "
        and value[-1] != " "
        and "  " not in value
        and "\n" not in value
        and "\t" not in value
        and "\r" not in value
    ):
        return value  # nothing to collapse or trim (most values): C-speed checks instead of a regex
    return _WS.sub(" ", value).strip(" ")


def plain_number(value: str) -> bool:
    """Whether ``value`` is ASCII digits with at most one point, an optional leading sign and at
    least one digit (``-12.50``), the form almost every amount has.

    Such a value is a valid ``xs:decimal`` and ``xs:double`` as it stands, so the casts can skip
    their regular expressions (a method call and a regex run each, several times the cost of
    this loop) and give exactly what the full check would.
    """
    n = len(value)
    i = 1 if n > 0 and value[0] in "+-" else 0
    digits = False
    point = False
    while i < n:
        c = ord(value[i])
        if 48 <= c <= 57:
            digits = True
        elif c == 46 and not point:
            point = True
        else:
            return False
        i += 1
    return digits


def to_decimal(value: str | None) -> Decimal | None:
    """Cast like ``xs:decimal(value)``; ``None`` where XPath would raise a cast error (or no value)."""
    if value is None:
        return None
    if plain_number(value):
        return Decimal(value)
    if not _DECIMAL.match(value):
        return None
    try:
        return Decimal(value.strip())
    except InvalidOperation:  # pragma: no cover - the pattern already excludes these
        return None


_HALF: Final = Decimal("0.5")


def xpath_round(value: Decimal, places: int = 0) -> Decimal:
    """XPath ``round()``: half rounds towards positive infinity (``round(-2.5) = -2``).

    ``places=2`` is the ``round(x * 10 * 10) div 100`` idiom of the EN 16931 rules. The scaling
    by 10**places is a ``scaleb`` (an exponent shift, rounded to the context like the division
    and multiplication by 0.01 it stands for, which cost several times more).
    """
    if places:
        return (value.scaleb(places) + _HALF).to_integral_value(rounding=ROUND_FLOOR).scaleb(-places)
    return (value + _HALF).to_integral_value(rounding=ROUND_FLOOR)


def text_of(node: etree._Element, path: str) -> str | None:
    """Text of the first element ``path`` (ElementPath with ``cbc:``/``ram:`` prefixes) finds, or None."""
    found = node.find(path, NSMAP)
    if found is None:
        return None
    return found.text or ""


def exists(node: etree._Element, path: str) -> bool:
    """XPath ``exists(path)`` for an ElementPath relative to ``node``."""
    return node.find(path, NSMAP) is not None


def all_text(node: etree._Element) -> str:
    """The string value of an element (all descendant text), as XPath ``string(.)``."""
    return "".join(str(t) for t in node.itertext())
