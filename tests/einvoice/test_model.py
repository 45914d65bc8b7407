"""The EN 16931 model: term coverage, the BT key scheme and its inverse."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from strategies import invoices

from belegwerk.domain import invoice as model
from belegwerk.domain.invoice import (
    BinaryObject,
    Identifier,
    InvoiceData,
    InvoiceLine,
    Item,
    SupportingDocument,
    from_bt_fields,
    to_bt_fields,
)
from belegwerk.domain.money import InvalidAmount, format_decimal, parse_decimal, round_amount
from belegwerk.domain.terms import GROUP_LABELS, TERM_LABELS

pytestmark = pytest.mark.einvoice

#: EN 16931 has no BT-4; every other id from 1 to 165 is a business term.
ALL_TERMS = {f"BT-{n}" for n in range(1, 166)} - {"BT-4"}


def _declared_ids(cls: type, seen: set[type] | None = None) -> set[str]:
    """Every BT/BG id the dataclasses declare, including ids assigned by holders (``terms``)."""
    seen = seen or set()
    ids: set[str] = set()
    for f in dataclasses.fields(cls):
        if f.metadata.get("term"):
            ids.add(f.metadata["term"])
        if "group" in f.metadata:
            ids.add(f.metadata["group"])
            ids.update(f.metadata["terms"].values())
            hint = model._unwrap(model._hints(cls)[f.name])[0]
            if hint not in seen:
                seen.add(hint)
                ids |= _declared_ids(hint, seen)
    return ids


def test_model_declares_every_business_term_and_group() -> None:
    declared = _declared_ids(InvoiceData)
    # BG-2's terms and the card/direct-debit groups are declared like any other
    assert declared >= ALL_TERMS, sorted(ALL_TERMS - declared)
    assert {f"BG-{n}" for n in range(1, 33)} <= declared


def test_every_term_has_a_german_label() -> None:
    assert set(TERM_LABELS) >= ALL_TERMS
    assert {f"BG-{n}" for n in range(1, 33)} <= set(GROUP_LABELS)


def test_to_bt_fields_key_scheme() -> None:
    invoice = InvoiceData(
        number="R-1",
        issue_date=date(2024, 5, 31),
        currency="EUR",
        seller=model.Seller(name="Muster GmbH", identifiers=[Identifier("4000001", "0088"), Identifier("K-1")]),
        totals=model.DocumentTotals(tax_exclusive=Decimal("100.00"), payable=Decimal("119.00")),
        lines=[InvoiceLine(id="1", quantity=Decimal("2"), net_amount=Decimal("100.00"), item=Item(name="Ware"))],
        supporting_documents=[SupportingDocument("D1", attachment=BinaryObject(b"%PDF", "application/pdf", "a.pdf"))],
    )
    fields = to_bt_fields(invoice)
    assert fields["BT-1"] == "R-1"
    assert fields["BT-2"] == "2024-05-31"
    assert fields["BT-109"] == "100.00"
    assert fields["BT-115"] == "119.00"
    assert fields["BT-29"] == ["4000001", "K-1"]
    assert fields["BT-29-1"] == ["0088", None]
    assert fields["BG-25"] == [{"BT-126": "1", "BT-129": "2", "BT-131": "100.00", "BT-153": "Ware"}]
    assert fields["BG-24"] == [
        {"BT-122": "D1", "BT-125": "JVBERg==", "BT-125-1": "application/pdf", "BT-125-2": "a.pdf"}
    ]
    assert "BT-110" not in fields  # absent terms are left out
    json.dumps(fields)  # JSON-ready
    assert all(re.fullmatch(r"B[TG]-\d+(-\d)?", key) for key in fields)


def test_models_compare_by_value_and_are_not_hashable() -> None:
    a = InvoiceData(number="1", totals=model.DocumentTotals(payable=Decimal("1.0")))
    b = InvoiceData(number="1", totals=model.DocumentTotals(payable=Decimal("1.00")))
    assert a == b
    with pytest.raises(TypeError):
        hash(a)


@settings(max_examples=60, deadline=None)
@given(invoices())
def test_from_bt_fields_inverts_to_bt_fields(invoice: InvoiceData) -> None:
    fields = to_bt_fields(invoice)
    assert from_bt_fields(json.loads(json.dumps(fields))) == invoice


def test_credit_note_type_codes() -> None:
    assert InvoiceData(type_code="381").is_credit_note
    assert InvoiceData(type_code="396").is_credit_note
    assert not InvoiceData(type_code="380").is_credit_note
    assert not InvoiceData(type_code="384").is_credit_note


@pytest.mark.parametrize(
    ("text", "expected"),
    [("100.00", "100.00"), ("-3", "-3"), (" 7.5 ", "7.5"), ("+0.10", "0.10"), (".5", "0.5")],
)
def test_decimal_text_round_trip(text: str, expected: str) -> None:
    assert format_decimal(parse_decimal(text)) == expected


@pytest.mark.parametrize("text", ["", "1,50", "NaN", "1e3", "Infinity", "12abc", "--1"])
def test_parse_decimal_refuses_non_decimals(text: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_decimal(text)


def test_format_decimal_never_uses_exponents() -> None:
    assert format_decimal(Decimal("1E+2")) == "100"
    assert format_decimal(Decimal("0.0000001")) == "0.0000001"


def test_round_amount_is_commercial() -> None:
    assert round_amount(Decimal("2.345")) == Decimal("2.35")
    assert round_amount(Decimal("-2.345")) == Decimal("-2.35")


@pytest.mark.parametrize(
    "fields",
    [
        {"BT-2": "31.05.2024"},
        {"BT-115": "1.234,50"},
        {"BG-25": "not a list"},
        {"BG-25": [{"BT-129": "zwei"}]},
        {"BG-24": [{"BT-122": "D", "BT-125": "%%%", "BT-125-1": "x/y", "BT-125-2": "f"}]},
    ],
)
def test_from_bt_fields_refuses_malformed_values(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        from_bt_fields(fields)
