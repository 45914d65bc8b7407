"""E-invoice XML and hybrid PDFs through capture, and the ``capture`` CLI command."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from belegwerk.capture.cli import capture
from belegwerk.capture.model import InputKind, SourceKind
from belegwerk.capture.pipeline import capture_bytes
from belegwerk.capture.settings import DEFAULT_SETTINGS
from belegwerk.capture.testdata import GeneratedInvoice, generate_invoice
from belegwerk.domain.invoice import from_bt_fields
from belegwerk.einvoice.facturx import build_facturx

pytestmark = pytest.mark.capture

UBL = "xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_ubl.xml"
CII = "xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_uncefact.xml"


def _hybrid(inv: GeneratedInvoice, **override: Any) -> bytes:
    """A Factur-X PDF: the generated invoice's picture with its truth embedded as CII."""
    t: dict[str, Any] = dict(inv.truth, **override)
    t["BT-24"] = "urn:cen.eu:en16931:2017"
    t["BT-106"] = t["BT-109"]
    t["BT-40"] = t["BT-55"] = "DE"
    t["BG-23"] = [dict(r, **{"BT-118": "S"}) for r in t["BG-23"]]
    t["BG-25"] = [
        dict(r, **{"BT-151": "S", "BT-152": line["rate"], "BT-130": "C62"})
        for r, line in zip(t["BG-25"], inv.lines, strict=True)
    ]
    return build_facturx(inv.pdf, from_bt_fields(t))


@pytest.mark.parametrize("relative", [UBL, CII])
def test_xrechnung_xml(corpus: Path, relative: str) -> None:
    path = corpus / relative
    result = capture_bytes(path.read_bytes())
    assert result.input_kind is InputKind.XML and result.source is SourceKind.XML
    assert result.invoice is not None
    assert result.value("BT-1") == result.invoice.number
    assert isinstance(result.value("BT-112"), Decimal)
    assert all(f.confidence == 1.0 for f in result.fields.values())


def test_hybrid_pdf_prefers_embedded_xml() -> None:
    inv = generate_invoice(5, "din")
    pdf = _hybrid(inv)
    result = capture_bytes(pdf)
    assert result.input_kind is InputKind.HYBRID_PDF and result.source is SourceKind.XML
    assert result.value("BT-1") == inv.truth["BT-1"]
    assert result.value("BT-112") == inv.truth["BT-112"]
    assert result.text is not None  # the visible text is kept
    assert not [w for w in result.warnings if "visible PDF shows" in w]
    ignored = capture_bytes(pdf, replace(DEFAULT_SETTINGS, use_embedded_xml=False))
    assert ignored.source is SourceKind.TEXT and ignored.value("BT-1") == inv.truth["BT-1"]


def test_hybrid_pdf_mismatch_is_reported() -> None:
    inv = generate_invoice(5, "din")
    result = capture_bytes(_hybrid(inv, **{"BT-1": "XML-0001"}))
    assert result.value("BT-1") == "XML-0001"
    assert any("BT-1: the embedded XML says XML-0001" in w for w in result.warnings)


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(capture)
    app.command("noop")(lambda: None)  # two commands keep Typer from collapsing to a single-command app
    return app


def test_cli_json(tmp_path: Path) -> None:
    inv = generate_invoice(5, "din")
    path = tmp_path / "r.pdf"
    path.write_bytes(inv.pdf)
    res = CliRunner().invoke(_app(), ["capture", str(path), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["source"] == "text"
    f = data["fields"]
    assert f["BT-1"]["value"] == inv.truth["BT-1"]
    assert f["BT-2"]["value"] == inv.truth["BT-2"].isoformat()
    assert f["BT-112"]["value"] == str(inv.truth["BT-112"])
    assert 0 < f["BT-112"]["confidence"] <= 1 and f["BT-1"]["page"] == 1 and len(f["BT-1"]["bbox"]) == 4


def test_cli_table_masterdata_and_no_embedded(tmp_path: Path) -> None:
    inv = generate_invoice(5, "din")
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(_hybrid(inv, **{"BT-1": "XML-0001"}))
    vendors = tmp_path / "v.csv"
    vendors.write_text(f"number;name;vat_id;gl_account\n70001;{inv.truth['BT-27']};{inv.truth['BT-31']};4930\n")
    res = CliRunner().invoke(_app(), ["capture", str(pdf), "--masterdata", str(vendors)])
    assert res.exit_code == 0, res.output
    assert "XML-0001" in res.output and "70001" in res.output
    res = CliRunner().invoke(_app(), ["capture", str(pdf), "--no-embedded", "--json"])
    data = json.loads(res.output)
    assert data["source"] == "text" and data["fields"]["BT-1"]["value"] == inv.truth["BT-1"]


def test_cli_error_exit(tmp_path: Path) -> None:
    bad = tmp_path / "x.docx"
    bad.write_bytes(b"PK\x03\x04rest")
    res = CliRunner().invoke(_app(), ["capture", str(bad), "--json"])
    assert res.exit_code == 2
    assert "ZIP" in json.loads(res.output)["error"]
