"""UBL 2.1 reading and writing against the corpus and generated invoices."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from einvoice_corpus import instances, is_cii
from hypothesis import HealthCheck, given, settings
from lxml import etree
from strategies import invoices

from belegwerk.demo import sample_einvoice
from belegwerk.domain.invoice import InvoiceData
from belegwerk.einvoice.ubl import read_ubl, write_ubl
from belegwerk.xml.ns import NSMAP
from belegwerk.xml.safe import parse_xml

pytestmark = pytest.mark.einvoice


def _ubl_instances(corpus: Path) -> list[tuple[Path, bytes]]:
    files = [(p, p.read_bytes()) for p in instances(corpus)]
    return [(p, data) for p, data in files if not is_cii(data)]


def test_every_corpus_ubl_instance_reads(corpus: Path) -> None:
    files = _ubl_instances(corpus)
    assert len(files) >= 115
    for path, data in files:
        invoice = read_ubl(data)
        assert invoice.number, path
        assert invoice.lines, path
        assert invoice.seller.name, path


def test_corpus_round_trip_ubl_model_ubl_model(corpus: Path) -> None:
    for path, data in _ubl_instances(corpus):
        first = read_ubl(data)
        second = read_ubl(write_ubl(first))
        assert second == first, path


def test_known_values_of_the_tc434_example(corpus: Path) -> None:
    invoice = read_ubl((corpus / "en16931-examples/ubl/examples/ubl-tc434-example1.xml").read_bytes())
    assert invoice.number == "12115118"
    assert invoice.issue_date == date(2015, 1, 9)
    assert invoice.type_code == "380"
    assert invoice.seller.name == "De Koksmaat"
    assert invoice.buyer.name == "ODIN 59"
    assert invoice.totals.tax_exclusive == Decimal("229.60")
    assert invoice.totals.vat_total == Decimal("20.73")
    assert invoice.totals.payable == Decimal("250.33")
    assert len(invoice.lines) == 20
    assert [(v.rate, v.tax_amount) for v in invoice.vat_breakdown] == [
        (Decimal(6), Decimal("10.99")),
        (Decimal(21), Decimal("9.74")),
    ]


def test_credit_note_is_read_and_written_as_credit_note(corpus: Path) -> None:
    invoice = read_ubl((corpus / "en16931-examples/ubl/examples/ubl-tc434-creditnote1.xml").read_bytes())
    assert invoice.type_code == "381"
    assert invoice.is_credit_note
    root = parse_xml(write_ubl(invoice))
    assert etree.QName(root).localname == "CreditNote"
    assert root.find("cac:CreditNoteLine/cbc:CreditedQuantity", NSMAP) is not None


def test_written_ubl_is_schema_valid(corpus: Path) -> None:
    """Our writer's element order must satisfy the UBL 2.1 schema for real invoices."""
    schemas = {
        "Invoice": etree.XMLSchema(etree.parse(str(corpus / "rules/xsd/ubl-2.1/maindoc/UBL-Invoice-2.1.xsd"))),
        "CreditNote": etree.XMLSchema(etree.parse(str(corpus / "rules/xsd/ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd"))),
    }
    for name in (
        "en16931-examples/ubl/examples/ubl-tc434-example2.xml",
        "en16931-examples/testfiles/Invoice-Max_content.xml",
        "en16931-examples/testfiles/CreditNote-Max_content.xml",
        "xrechnung-testsuite/technical-cases/cius/01.01_comprehensive_test_ubl.xml",
    ):
        root = parse_xml(write_ubl(read_ubl((corpus / name).read_bytes())))
        schema = schemas[etree.QName(root).localname]
        assert schema.validate(root), (name, schema.error_log.last_error)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_property_round_trip(invoice: InvoiceData) -> None:
    once = read_ubl(write_ubl(invoice))
    assert once == invoice
    assert read_ubl(write_ubl(once)) == once


def test_notes_keep_subject_codes() -> None:
    from belegwerk.domain.invoice import Note

    invoice = InvoiceData(number="1", currency="EUR", notes=[Note("Skonto 2 %", "AAB"), Note("frei")])
    xml = write_ubl(invoice)
    assert b"#AAB#Skonto 2 %" in xml
    assert read_ubl(xml).notes == invoice.notes


@pytest.fixture(scope="module")
def ubl_schemas(corpus: Path) -> dict[bool, etree.XMLSchema]:
    base = corpus / "rules/xsd/ubl-2.1/maindoc"
    return {
        False: etree.XMLSchema(etree.parse(str(base / "UBL-Invoice-2.1.xsd"))),
        True: etree.XMLSchema(etree.parse(str(base / "UBL-CreditNote-2.1.xsd"))),
    }


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(invoice=invoices())
def test_property_written_ubl_is_schema_valid(ubl_schemas: dict[bool, etree.XMLSchema], invoice: InvoiceData) -> None:
    schema = ubl_schemas[invoice.is_credit_note]
    assert schema.validate(parse_xml(write_ubl(invoice))), schema.error_log.last_error


def test_xrechnung_extension_sub_lines_are_kept(corpus: Path) -> None:
    invoice = read_ubl((corpus / "xrechnung-testsuite/business-cases/extension/04.01a-INVOICE_ubl.xml").read_bytes())
    first = invoice.lines[0]
    assert [line.id for line in first.sub_lines] == ["1 1", "1 2"]
    assert [line.id for line in first.sub_lines[0].sub_lines] == ["1 1 1", "1 1 2", "1 1 3"]
    assert first.sub_lines[0].sub_lines[1].quantity == Decimal("32.50")
    assert read_ubl(write_ubl(invoice)) == invoice


def test_a_gross_price_without_discount_is_written_schema_valid(ubl_schemas: dict[bool, etree.XMLSchema]) -> None:
    """UBL needs the discount amount next to the gross price; a model without one gets discount 0."""
    invoice = sample_einvoice("RE-GROSS-1")
    line = invoice.lines[0]
    invoice.lines[0] = replace(line, price=replace(line.price, gross_price=Decimal("25.00"), discount=None))
    data = write_ubl(invoice)
    schema = ubl_schemas[False]
    assert schema.validate(parse_xml(data)), schema.error_log.last_error
    price = read_ubl(data).lines[0].price
    assert (price.gross_price, price.discount, price.net_price) == (Decimal("25.00"), Decimal("0.00"), Decimal("25.00"))
