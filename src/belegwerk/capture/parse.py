"""Reading amounts and dates as printed on invoices, German, English, French and Dutch.

Amounts become :class:`~decimal.Decimal` (never float). ``1.234,56`` and ``1,234.56`` are both common; a
lone ``1.234`` is ambiguous, so callers pass the number style seen elsewhere in the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class NumberStyle(StrEnum):
    """Which character separates decimals in this document."""

    COMMA = "comma"  # 1.234,56
    POINT = "point"  # 1,234.56


AMOUNT_RE = re.compile(
    r"(?<![\w.,])(?P<sign>[-−–])?\s?(?P<num>\d{1,3}(?:[.,'’\u202f\u00a0]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
    r"(?P<trail>-)?(?![\w]|[.,]\d)"
)


def detect_number_style(text: str) -> NumberStyle:
    """The decimal separator most used for two-decimal amounts in ``text``."""
    comma = len(re.findall(r"\d,\d\d(?!\d)", text))
    point = len(re.findall(r"\d\.\d\d(?!\d)", text))
    return NumberStyle.POINT if point > comma else NumberStyle.COMMA


def parse_amount(raw: str, style: NumberStyle = NumberStyle.COMMA) -> Decimal | None:
    """``raw`` (one number as printed, with optional sign) as Decimal, or None if it is not an amount."""
    s = raw.strip().replace("−", "-").replace("–", "-")
    negative = s.startswith("-") or s.endswith("-")
    s = s.strip("-").strip()
    s = re.sub(r"[\s'’\u202f\u00a0]", "", s)
    if not s or not re.fullmatch(r"[\d.,]+", s):
        return None
    last_comma, last_point = s.rfind(","), s.rfind(".")
    if last_comma >= 0 and last_point >= 0:
        dec = "," if last_comma > last_point else "."
    elif last_comma >= 0 or last_point >= 0:
        sep = "," if last_comma >= 0 else "."
        tail = len(s) - s.rfind(sep) - 1
        if s.count(sep) > 1:
            dec = "" if tail == 3 else sep
            if dec:
                return None
        elif tail == 3:
            # 1.234 or 1,234: three decimals are implausible for money, so a thousands separator.
            dec = ""
        else:
            dec = sep
    else:
        dec = ""
    if dec:
        thousands = "." if dec == "," else ","
        s = s.replace(thousands, "").replace(dec, ".")
    else:
        s = s.replace(",", "").replace(".", "")
    try:
        value = Decimal(s)
    except InvalidOperation:
        return None
    return -value if negative else value


@dataclass(frozen=True, slots=True)
class AmountMatch:
    """An amount found in a text with its character span."""

    value: Decimal
    start: int
    end: int
    has_decimals: bool


def find_amounts(text: str, style: NumberStyle = NumberStyle.COMMA) -> Iterator[AmountMatch]:
    """Every amount-like number in ``text`` (percentages excluded)."""
    for m in AMOUNT_RE.finditer(text):
        after = text[m.end() : m.end() + 2].lstrip()
        if after.startswith("%"):
            continue
        raw = (m.group("sign") or "") + m.group("num") + (m.group("trail") or "")
        value = parse_amount(raw, style)
        if value is None:
            continue
        num = m.group("num")
        has_dec = bool(re.search(r"[.,]\d{1,2}$", num))
        yield AmountMatch(value, m.start(), m.end(), has_dec)


MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    [
        "januar january janvier januari jan jänner janv",
        "februar february février fevrier februari feb févr fevr",
        "märz maerz march mars maart mar mrz",
        "april avril apr avr",
        "mai may mei",
        "juni june juin jun",
        "juli july juillet jul juil",
        "august august août aout augustus aug",
        "september septembre sep sept",
        "oktober october octobre okt oct",
        "november novembre nov",
        "dezember december décembre decembre dez dec déc",
    ],
    start=1,
):
    for _n in _names.split():
        MONTHS[_n] = _i

_MONTH_ALT = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_DAY_MONTH_NAME = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:\.|er|st|nd|rd|th)?\s*(?:de\s+)?({_MONTH_ALT})\.?\s*,?\s*(\d{{4}})", re.I
)
_MONTH_NAME_DAY = re.compile(rf"\b({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(\d{{4}})", re.I)
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<![\d.,/])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\d])")


@dataclass(frozen=True, slots=True)
class DateMatch:
    """A date found in a text with its character span."""

    value: date
    start: int
    end: int


def find_dates(text: str, month_first: bool = False) -> Iterator[DateMatch]:
    """Every date in ``text``, in order of position.

    ``month_first`` resolves 03/04/2023 as March 4 (US style); day-first otherwise. A part above 12
    overrides the hint.
    """
    found: list[DateMatch] = []
    for m in _ISO.finditer(text):
        d = _mk(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d:
            found.append(DateMatch(d, m.start(), m.end()))
    for m in _DAY_MONTH_NAME.finditer(text):
        d = _mk(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
        if d:
            found.append(DateMatch(d, m.start(), m.end()))
    for m in _MONTH_NAME_DAY.finditer(text):
        d = _mk(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)))
        if d:
            found.append(DateMatch(d, m.start(), m.end()))
    for m in _NUMERIC.finditer(text):
        a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
        year = int(y) if len(y) == 4 else 2000 + int(y)
        if sep == "/" and month_first and a <= 12:
            a, b = b, a
        if b > 12 and a <= 12:
            a, b = b, a
        d = _mk(year, b, a)
        if d:
            found.append(DateMatch(d, m.start(), m.end()))
    found.sort(key=lambda x: x.start)
    last_end = -1
    for dm in found:
        if dm.start >= last_end:
            yield dm
            last_end = dm.end


def detect_month_first(text: str) -> bool:
    """Whether slash dates in ``text`` are US style (month first), judged by parts above 12."""
    first_big = second_big = 0
    for m in re.finditer(r"(?<!\d)(\d{1,2})/(\d{1,2})/\d{2,4}", text):
        if int(m.group(1)) > 12:
            first_big += 1
        if int(m.group(2)) > 12:
            second_big += 1
    return second_big > first_big


def _mk(y: int, m: int, d: int) -> date | None:
    if not (1900 <= y <= 2199):
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None
