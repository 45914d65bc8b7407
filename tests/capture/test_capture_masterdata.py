"""Vendor master data and goods receipts: CSV import and matching the captured seller."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from belegwerk.capture.errors import CaptureError
from belegwerk.capture.masterdata import (
    apply_vendor_match,
    load_goods_receipts,
    load_vendors,
    match_vendor,
    receipts_for,
)
from belegwerk.capture.pipeline import capture_bytes
from belegwerk.capture.testdata import generate_invoice

pytestmark = pytest.mark.capture


def _vendor_csv(tmp_path: Path, inv_truth: dict[str, object], iban: str | None = None, vat: str | None = None) -> Path:
    path = tmp_path / "vendors.csv"
    path.write_text(
        "Kreditor;Name;Straße;PLZ;Ort;Land;USt-IdNr;Steuernummer;IBAN;Sachkonto;Kostenstelle;Zahlungsbedingung\n"
        f"70001;{inv_truth['BT-27']};Irgendwo 1;12345;Stadt;DE;{vat if vat is not None else inv_truth['BT-31']};"
        f"{inv_truth['BT-32']};{iban if iban is not None else inv_truth['BT-84']};4930;KST-100;14 Tage netto\n"
        "70002;Andere Firma GmbH;Weg 2;54321;Dorf;DE;DE136695976;;DE02120300000000202051;4980;KST-200;30 Tage\n",
        encoding="utf-8",
    )
    return path


def test_match_by_vat_id_fills_accounting_fields(tmp_path: Path) -> None:
    inv = generate_invoice(5, "din")
    result = capture_bytes(inv.pdf)
    vendors = load_vendors(_vendor_csv(tmp_path, inv.truth))
    assert len(vendors) == 2
    match = apply_vendor_match(result, vendors)
    assert match is not None and match.by == "vat_id" and match.vendor.number == "70001"
    assert result.vendor_number == "70001"
    assert result.value("gl_account") == "4930"
    assert result.value("cost_center") == "KST-100"
    assert any("confirmed by master data" in n for n in result.fields["BT-84"].notes)


def test_match_by_iban_when_vat_id_unknown(tmp_path: Path) -> None:
    inv = generate_invoice(5, "din")
    result = capture_bytes(inv.pdf)
    match = apply_vendor_match(result, load_vendors(_vendor_csv(tmp_path, inv.truth, vat="")))
    assert match is not None and match.by == "iban"


def test_changed_iban_is_flagged(tmp_path: Path) -> None:
    inv = generate_invoice(5, "din")
    result = capture_bytes(inv.pdf)
    before = result.fields["BT-84"].confidence
    apply_vendor_match(result, load_vendors(_vendor_csv(tmp_path, inv.truth, iban="DE02120300000000202051")))
    assert result.fields["BT-84"].confidence < before
    assert any("fraud" in w for w in result.warnings)


def test_fuzzy_name_match_and_fill(tmp_path: Path) -> None:
    inv = generate_invoice(5, "din")
    result = capture_bytes(inv.pdf)
    for key in ("BT-31", "BT-84", "BT-32"):
        result.fields.pop(key)
    path = tmp_path / "v.csv"
    path.write_text(
        "number,name,street,postcode,city,vat_id,iban\n"
        f"K-9,{inv.truth['BT-27']},{result.value('BT-35') or ''},{result.value('BT-38') or ''},"
        f"{result.value('BT-37') or ''},DE136695976,DE02120300000000202051\n",
        encoding="utf-8",
    )
    match = match_vendor(result, load_vendors(path))
    assert match is not None and match.by == "name_address"
    apply_vendor_match(result, load_vendors(path))
    assert result.value("BT-31") == "DE136695976"
    assert "from master data" in result.fields["BT-31"].notes[0]


def test_no_match_for_unknown_vendor(tmp_path: Path) -> None:
    inv = generate_invoice(5, "din")
    other = generate_invoice(6, "modern")
    result = capture_bytes(inv.pdf)
    path = tmp_path / "v.csv"
    path.write_text(f"number;name;vat_id\n1;Völlig Andere AG;{other.truth['BT-31']}\n", encoding="utf-8")
    assert match_vendor(result, load_vendors(path)) is None


def test_vendor_csv_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("foo;bar\n1;2\n", encoding="utf-8")
    with pytest.raises(CaptureError, match="lacks the column"):
        load_vendors(path)


def test_goods_receipts(tmp_path: Path) -> None:
    inv = generate_invoice(5, "din")
    result = capture_bytes(inv.pdf)
    path = tmp_path / "we.csv"
    path.write_text(
        "WE-Nummer;Datum;Kreditor;Bestellnummer;Lieferschein;Artikel;Menge;Einheit;Betrag\n"
        f"WE-1;03.02.2024;70001;{inv.truth['BT-13']};{inv.truth['BT-16']};Toner;2;Stk;179,80\n"
        "WE-2;04.02.2024;70002;BE-000000;LS0000000;Papier;5;Pck;24,45\n",
        encoding="utf-8",
    )
    receipts = load_goods_receipts(path)
    assert receipts[0].quantity == Decimal(2) and receipts[0].net_amount == Decimal("179.80")
    assert receipts[0].date is not None and receipts[0].date.isoformat() == "2024-02-03"
    assert [r.number for r in receipts_for(result, receipts)] == ["WE-1"]
