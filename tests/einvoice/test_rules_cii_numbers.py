"""The fast paths of the CII number casts give exactly what the full casts give."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belegwerk.rules.en16931_cii_numbers import (
    _DOUBLE,
    _SPECIAL,
    decimal_of,
    round2_decimal,
    round2_decimal_by_arithmetic,
    to_double,
)
from belegwerk.rules.functions import plain_number, to_decimal

pytestmark = pytest.mark.einvoice

#: digits, signs, points and the characters the slow paths treat specially (whitespace, an
#: exponent, a non-ASCII digit, letters of INF/NaN)
_NUMBERISH = st.text(alphabet=st.sampled_from(list("0123456789+-.  \t\neE١INFNa")), max_size=12)


def _full_double(value: str) -> float | None:
    """``xs:double`` by the regular expression alone (the path before the fast path existed)."""
    v = value.strip(" \t\r\n")
    return float(v) if _DOUBLE.fullmatch(v) else _SPECIAL.get(v)


@given(_NUMBERISH)
def test_decimal_of_equals_the_full_cast(value: str) -> None:
    assert decimal_of(value) == to_decimal(value)
    fast, full = to_double(value), _full_double(value)
    assert (fast is None and full is None) or (
        fast is not None and full is not None and (fast == full or (math.isnan(fast) and math.isnan(full)))
    )


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ("12.50", True),
        ("-1", True),
        ("+.5", True),
        ("5.", True),
        (".", False),
        ("-", False),
        ("", False),
        ("1.2.3", False),
        (" 1", False),
        ("1e3", False),
        ("١", False),
    ],
)
def test_plain_number(value: str, plain: bool) -> None:
    assert plain_number(value) is plain


#: decimals as amounts come (a few places) and as computations leave them (many places, large)
_DECIMALS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**12, max_value=10**12),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.builds(Decimal, st.sampled_from(["0.005", "-0.005", "0.015", "-0.015", "2.675", "-2.675", "1E+3", "0E-7", "-0"])),
)


@given(_DECIMALS)
def test_round2_by_exponent_shift_equals_the_arithmetic(value: Decimal) -> None:
    """``round(x * 10 * 10) div 100``: the exponent shift gives the value of the arithmetic."""
    assert round2_decimal(value) == round2_decimal_by_arithmetic(value)
