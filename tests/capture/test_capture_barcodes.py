"""Barcodes and payment QR codes (GiroCode, Swiss QR-bill) on text PDFs and scans."""

from __future__ import annotations

from decimal import Decimal

import pytest

from belegwerk.capture.barcodes import parse_epc, parse_payment, parse_swiss_qr
from belegwerk.capture.pipeline import capture_bytes
from belegwerk.capture.testdata import ScanOptions, epc_payload, generate_invoice, scanned_image

pytestmark = pytest.mark.capture

SWISS = "\n".join(
    ["SPC", "0200", "1", "CH4431999123000889012", "S", "Robert Schneider AG", "Rue du Lac", "1268", "2501", "Biel",
     "CH", "", "", "", "", "", "", "", "1949.75", "CHF", "S", "Pia-Maria Rutschmann-Schnyder", "Grosse Marktgasse",
     "28", "9400", "Rorschach", "CH", "QRR", "210000000003139471430009017", "Auftrag vom 15.06.2020", "EPD"]
)  # fmt: skip


def test_parse_epc() -> None:
    inv = generate_invoice(5, "din")
    pay = parse_epc(epc_payload(inv.truth))
    assert pay is not None
    assert pay.iban == inv.truth["BT-84"] and pay.amount == inv.truth["BT-112"] and pay.currency == "EUR"
    assert pay.reference == inv.truth["BT-1"]
    assert parse_epc("not a payment code") is None


def test_parse_swiss_qr_bill() -> None:
    pay = parse_swiss_qr(SWISS)
    assert pay is not None and pay.kind == "SwissQR"
    assert pay.iban == "CH4431999123000889012" and pay.amount == Decimal("1949.75") and pay.currency == "CHF"
    assert pay.reference == "210000000003139471430009017"
    assert parse_payment(SWISS) == pay


def test_codes_on_text_pdf_confirm_payment_fields() -> None:
    inv = generate_invoice(5, "din", codes=[("Code128", "RE-4711"), ("DataMatrix", "LS-99")], giro_code=True)
    result = capture_bytes(inv.pdf)
    texts = {b.text for b in result.barcodes}
    assert {"RE-4711", "LS-99", epc_payload(inv.truth)} <= texts
    assert result.value("BT-84") == inv.truth["BT-84"]
    assert any("EPC payment code" in n for n in result.fields["BT-84"].notes)
    assert result.value("BT-115") == inv.truth["BT-112"]
    assert result.value("BT-83") == inv.truth["BT-1"]


def test_payment_code_contradicting_text_is_flagged() -> None:
    inv = generate_invoice(5, "din")
    forged = dict(inv.truth, **{"BT-84": "DE02120300000000202051"})
    stamped = generate_invoice(5, "din", codes=[("QRCode", epc_payload(forged))])
    result = capture_bytes(stamped.pdf)
    assert any("payment code on page 1 says DE02120300000000202051" in w for w in result.warnings)
    assert result.fields["BT-84"].confidence < 0.8


@pytest.mark.slow
def test_qr_on_scanned_image() -> None:
    inv = generate_invoice(8, "modern", giro_code=True)
    png = scanned_image(inv.pdf, ScanOptions(dpi=200, rotation=0.5, noise=0.2))
    result = capture_bytes(png)
    assert any(b.text.startswith("BCD") for b in result.barcodes)
    assert result.value("BT-84") == inv.truth["BT-84"]
