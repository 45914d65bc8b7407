"""Human-readable rendering: every corpus invoice renders, key values are visible, input is escaped."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pypdfium2
import pytest
from einvoice_corpus import instances
from markupsafe import escape

from belegwerk.domain.invoice import InvoiceData, Note, Seller
from belegwerk.einvoice.loader import read_invoice
from belegwerk.einvoice.render import amount_text, format_value, render_html, render_pdf

pytestmark = pytest.mark.einvoice


def _pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def _e(text: str) -> str:
    """How the template (autoescape on) writes ``text``."""
    return str(escape(text))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_every_corpus_invoice_renders_with_its_key_values(corpus: Path) -> None:
    for path in instances(corpus):
        invoice = read_invoice(path.read_bytes())
        page = render_html(invoice)
        assert _e(invoice.number) in page, path
        assert _e(invoice.seller.name) in page, path
        if invoice.totals.payable is not None:
            assert _e(amount_text(invoice.totals.payable, invoice.currency)) in page, path
        for line in invoice.lines:
            assert _e(line.item.name) in page, path


def test_labels_and_term_ids_are_shown(corpus: Path) -> None:
    invoice = read_invoice(
        (corpus / "xrechnung-testsuite/technical-cases/cius/01.01_comprehensive_test_ubl.xml").read_bytes()
    )
    page = render_html(invoice)
    for text in ("Rechnungsnummer", "BT-1", "Verkäufer", "BG-4", "Rechnungspositionen", "BG-25",
                 "Aufschlüsselung der Umsatzsteuer", "BG-23", "Zahlbetrag", "BT-115", "Zahlungsanweisungen",
                 "Rechnungsbegründende Unterlagen", "Bemerkungen", "Vorausgegangene Rechnungen",
                 "Nachlässe auf Belegebene", "Zuschläge auf Belegebene", "Lieferung", "Zahlungsempfänger",
                 "Steuervertreter"):  # fmt: skip
        assert text in page, text


def test_untrusted_text_is_escaped() -> None:
    invoice = InvoiceData(
        number="<script>alert(1)</script>",
        currency="EUR",
        seller=Seller(name="A & B <GmbH>"),
        notes=[Note("<img src=x onerror=alert(1)>")],
    )
    page = render_html(invoice)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page
    assert "A &amp; B &lt;GmbH&gt;" in page
    assert "<img" not in page


def test_german_number_and_date_formats() -> None:
    assert format_value("BT-115", "1234567.5", "EUR") == "1.234.567,50 EUR"
    assert format_value("BT-146", "0.0258", "EUR") == "0,0258 EUR"
    assert format_value("BT-2", "2024-05-31") == "31.05.2024"
    assert format_value("BT-119", "19.00") == "19,00 %"
    assert format_value("BT-129", "-3") == "-3"
    assert format_value("BT-3", "381") == "Gutschrift (381)"
    assert amount_text(Decimal("-19"), "EUR") == "-19,00 EUR"


@pytest.mark.slow
@pytest.mark.parametrize(
    "relative",
    [
        "en16931-examples/ubl/examples/ubl-tc434-example1.xml",
        "xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_uncefact.xml",
    ],
)
def test_pdf_shows_number_seller_and_totals(corpus: Path, relative: str) -> None:
    invoice = read_invoice((corpus / relative).read_bytes())
    pdf = render_pdf(invoice)
    assert pdf.startswith(b"%PDF-")
    text = _squash(_pdf_text(pdf))
    assert invoice.number in text
    assert _squash(invoice.seller.name) in text
    assert invoice.totals.payable is not None
    assert amount_text(invoice.totals.payable, invoice.currency) in text
    assert "Zahlbetrag" in text


def test_xrechnung_extension_sub_lines_are_rendered(corpus: Path) -> None:
    invoice = read_invoice(
        (corpus / "xrechnung-testsuite/business-cases/extension/04.01a-INVOICE_ubl.xml").read_bytes()
    )
    nested = invoice.lines[0].sub_lines[0].sub_lines[0]
    page = render_html(invoice)
    assert _e(nested.item.name) in page
    assert f"↳ {_e(nested.id)}" in page
