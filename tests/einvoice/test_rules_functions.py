"""XPath semantics the rule packs rely on (``belegwerk.rules.functions``), as property tests."""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belegwerk.rules.functions import _DECIMAL as _XS_DECIMAL
from belegwerk.rules.functions import normalize_space, to_decimal, xpath_round

pytestmark = pytest.mark.einvoice

_TEXT = st.text(alphabet=st.sampled_from([" ", "\t", "\n", "\r", "a", "b", "ä", "\u00a0", "1", "."]), max_size=20)


@given(_TEXT)
def test_normalize_space_is_xpaths(value: str) -> None:
    """Collapse runs of the four XML whitespace characters to one space and trim them — and
    nothing else (a no-break space is no XML whitespace), fast path or not."""
    expected = re.sub(r"[ \t\n\r]+", " ", value).strip(" ")
    assert normalize_space(value) == expected
    assert normalize_space(expected) == expected


def test_normalize_space_of_nothing() -> None:
    assert normalize_space(None) == ""
    assert normalize_space("") == ""


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4), st.sampled_from(["", " ", "\n"]))
def test_to_decimal_reads_what_xs_decimal_reads(number: Decimal, pad: str) -> None:
    text = f"{pad}{number:f}{pad}"
    assert to_decimal(text) == number


@pytest.mark.parametrize("text", ["1e3", "1,5", "", "abc", "+-1", "NaN", "INF", "1 000"])
def test_to_decimal_refuses_what_xs_decimal_refuses(text: str) -> None:
    assert to_decimal(text) is None


@given(st.text(alphabet="0123456789.+- \n\t\u0660\u00b2e", max_size=8))
def test_to_decimal_fast_path_equals_the_full_cast(text: str) -> None:
    """The digit-loop shortcut for plain amounts gives what the regex and Decimal give."""
    full = Decimal(text.strip()) if _XS_DECIMAL.match(text) else None
    assert to_decimal(text) == full


def _round_by_definition(value: Decimal, places: int) -> Decimal:
    """``round(x * 10**places) div 10**places`` as written: divide by the step, add a half,
    floor, multiply by the step."""
    q = Decimal(1).scaleb(-places)
    return ((value / q) + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR) * q


@given(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**20), max_value=10**20, places=6)
    | st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**6), max_value=10**6),
    st.sampled_from([0, 1, 2, 4]),
)
def test_xpath_round_equals_its_definition(value: Decimal, places: int) -> None:
    """The exponent-shift form gives the definition's value and representation (half up: -2.5 -> -2)."""
    got, expected = xpath_round(value, places), _round_by_definition(value, places)
    assert got == expected and str(got) == str(expected)


def test_xpath_round_rounds_halves_up() -> None:
    assert [xpath_round(Decimal(v)) for v in ("2.5", "-2.5", "-2.51", "0.49")] == [3, -2, -3, 0]
    assert str(xpath_round(Decimal("1.005"), 2)) == "1.01" and str(xpath_round(Decimal("-1.005"), 2)) == "-1.00"
