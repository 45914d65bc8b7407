"""CII D16B reading and writing, and conversion between the syntaxes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from einvoice_corpus import instances, is_cii
from hypothesis import HealthCheck, given, settings
from lxml import etree
from strategies import invoices

from belegwerk.domain.invoice import InvoiceData, to_bt_fields
from belegwerk.einvoice.cii import read_cii, write_cii
from belegwerk.einvoice.ubl import read_ubl, write_ubl
from belegwerk.xml.ns import CII_RAM as RAM
from belegwerk.xml.safe import parse_xml

pytestmark = pytest.mark.einvoice


def _files(corpus: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in instances(corpus)]


def _normalised(invoice: InvoiceData) -> InvoiceData:
    """What CII D16B can carry of a UBL invoice.

    Its schema puts unschemed party ids before schemed ones (order carries no meaning) and has
    room for one preceding invoice reference (BG-3) only.
    """
    invoice.seller.identifiers.sort(key=lambda i: i.scheme is not None)
    del invoice.preceding_invoices[1:]
    return invoice


def test_every_corpus_cii_instance_reads(corpus: Path) -> None:
    files = [(p, d) for p, d in _files(corpus) if is_cii(d)]
    assert len(files) >= 55
    for path, data in files:
        invoice = read_cii(data)
        assert invoice.number, path
        assert invoice.lines, path
        assert invoice.seller.name, path


def test_corpus_round_trip_cii_model_cii_model(corpus: Path) -> None:
    for path, data in _files(corpus):
        if is_cii(data):
            first = read_cii(data)
            assert read_cii(write_cii(first)) == first, path


def test_corpus_cross_syntax_ubl_to_cii_keeps_business_terms(corpus: Path) -> None:
    checked = 0
    for path, data in _files(corpus):
        if is_cii(data):
            continue
        from_ubl = _normalised(read_ubl(data))
        via_cii = read_cii(write_cii(from_ubl))
        assert to_bt_fields(via_cii) == to_bt_fields(from_ubl), path
        assert _normalised(read_ubl(write_ubl(via_cii))) == from_ubl, path
        checked += 1
    assert checked >= 115


def test_ubl_and_cii_editions_of_the_same_example_agree(corpus: Path) -> None:
    """CEN publishes example 1 in both syntaxes; both must give the same business terms."""
    ubl = read_ubl((corpus / "en16931-examples/ubl/examples/ubl-tc434-example1.xml").read_bytes())
    cii = read_cii((corpus / "en16931-examples/cii/examples/CII_example1.xml").read_bytes())
    for attribute in ("number", "issue_date", "type_code", "currency", "due_date", "totals", "vat_breakdown"):
        assert getattr(cii, attribute) == getattr(ubl, attribute), attribute
    assert cii.seller.name == ubl.seller.name == "De Koksmaat"
    assert [line.net_amount for line in cii.lines] == [line.net_amount for line in ubl.lines]


def test_known_values_of_an_xrechnung_cii(corpus: Path) -> None:
    invoice = read_cii(
        (corpus / "xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_uncefact.xml").read_bytes()
    )
    assert invoice.number == "123456XX"
    assert invoice.issue_date == date(2016, 4, 4)
    assert invoice.buyer_reference == "04011000-12345-03"
    assert invoice.process.specification_id.endswith("xrechnung_3.0")
    assert invoice.notes[0].subject_code == "ADU"
    assert invoice.totals.payable is not None and invoice.totals.payable > Decimal(0)


def test_written_cii_is_schema_valid(corpus: Path) -> None:
    xsd = corpus / "rules/xsd/cii-d16b/uncoupled-clm/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    for name in (
        "en16931-examples/cii/examples/CII_example1.xml",
        "en16931-examples/cii/examples/CII_business_example_01.xml",
        "xrechnung-testsuite/technical-cases/cius/01.01_comprehensive_test_uncefact.xml",
        "en16931-examples/testfiles/Invoice-Max_content.xml",
    ):
        data = (corpus / name).read_bytes()
        model = read_cii(data) if is_cii(data) else read_ubl(data)
        root = parse_xml(write_cii(model))
        assert schema.validate(root), (name, schema.error_log.last_error)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_property_round_trip(invoice: InvoiceData) -> None:
    once = read_cii(write_cii(invoice))
    assert once == invoice
    assert read_cii(write_cii(once)) == once


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_property_cross_syntax(invoice: InvoiceData) -> None:
    assert read_cii(write_cii(read_ubl(write_ubl(invoice)))) == invoice
    assert read_ubl(write_ubl(read_cii(write_cii(invoice)))) == invoice


@pytest.fixture(scope="module")
def cii_schema(corpus: Path) -> etree.XMLSchema:
    xsd = corpus / "rules/xsd/cii-d16b/uncoupled-clm/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd"
    return etree.XMLSchema(etree.parse(str(xsd)))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(invoice=invoices())
def test_property_written_cii_is_schema_valid(cii_schema: etree.XMLSchema, invoice: InvoiceData) -> None:
    assert cii_schema.validate(parse_xml(write_cii(invoice))), cii_schema.error_log.last_error


def test_sub_lines_travel_flat_with_parent_ids(corpus: Path) -> None:
    invoice = read_ubl((corpus / "xrechnung-testsuite/business-cases/extension/04.01a-INVOICE_ubl.xml").read_bytes())
    xml = write_cii(invoice)
    root = parse_xml(xml)
    parents = root.findall(".//ram:AssociatedDocumentLineDocument/ram:ParentLineID", {"ram": RAM})
    assert parents and parents[0].text == "1"
    assert read_cii(xml) == invoice
