"""The fast paths of the CII number casts give exactly what the full casts give."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belegwerk.rules.en16931_cii_numbers import _DOUBLE, _SPECIAL, decimal_of, to_double
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
