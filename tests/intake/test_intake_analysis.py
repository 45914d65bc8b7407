"""Received documents are analysed in the background: e-invoices validated, PDFs captured, bad input
explained — and the original is kept whatever happens."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from appworld import World, login
from belegwerk.api.app import create_app
from belegwerk.demo import sample_documents, sample_invoice_pdf
from belegwerk.runtime import Runtime

pytestmark = [pytest.mark.einvoice, pytest.mark.capture]

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&x;</Invoice>"""


@pytest.fixture(params=["sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """Analysis is engine-independent; SQLite keeps this module quick (PostgreSQL is covered elsewhere)."""
    return f"sqlite:///{tmp_path / 'test.db'}"


def _wait_analysis(client: TestClient, world: World, doc_id: int) -> dict[str, Any]:
    url = f"/api/v1/companies/ACME/documents/{doc_id}/analysis"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = client.get(url, headers=world.auth("acme_clerk"))
        if r.status_code == 200:
            return dict(r.json())
        time.sleep(0.25)
    pytest.fail(f"document {doc_id} was not analysed in time")


def _upload(client: TestClient, world: World, name: str, data: bytes) -> dict[str, Any]:
    r = client.post("/api/v1/companies/ACME/documents", headers=world.auth("acme_clerk"), files={"file": (name, data)})
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_documents_are_analysed_and_shown(runtime: Runtime, world: World) -> None:
    samples = dict(sample_documents())
    uploads = {
        "valid": ("XRechnung-RE-2026-1001.xml", samples["XRechnung-RE-2026-1001.xml"]),
        "broken": ("RE-2026-1002-cii.xml", samples["XRechnung-RE-2026-1002-cii.xml"]),
        "hybrid": ("ZUGFeRD.pdf", samples["ZUGFeRD-RE-2026-1003.pdf"]),
        "pdf": ("scan.pdf", sample_invoice_pdf()),
        "garbage": ("mystery.bin", b"\x00\x01 not a document"),
        "xxe": ("evil.xml", XXE),
    }
    with TestClient(create_app(runtime, run_worker=True)) as client:
        docs = {key: _upload(client, world, name, data) for key, (name, data) in uploads.items()}
        got = {key: _wait_analysis(client, world, d["id"]) for key, d in docs.items()}

        assert got["valid"]["kind"] == "einvoice" and got["valid"]["valid"] is True
        assert got["valid"]["profile"] == "XRechnung 3.0"
        assert got["valid"]["fields"]["BT-1"] == {
            "value": "RE-2026-1001",
            "confidence": 1.0,
            "page": None,
            "bbox": None,
        }
        assert got["valid"]["gross"] == "297.50" and got["valid"]["seller_name"] == "Bürobedarf Schmidt GmbH"

        assert got["broken"]["valid"] is False and got["broken"]["fatal"] == ["BR-CO-15"]
        finding = next(f for f in got["broken"]["report"]["findings"] if f["rule_id"] == "BR-CO-15")
        assert finding["severity"] == "fatal" and finding["location"]

        assert got["hybrid"]["kind"] == "einvoice" and got["hybrid"]["valid"] is True
        assert got["hybrid"]["profile"].startswith("Factur-X")

        assert got["pdf"]["kind"] == "pdf" and got["pdf"]["source"] == "text"
        assert got["pdf"]["invoice_number"] == "2026-0815" and got["pdf"]["gross"] == "297.50"
        assert 0 < got["pdf"]["fields"]["BT-1"]["confidence"] <= 1

        for bad in ("garbage", "xxe"):
            assert got[bad]["kind"] == "unreadable" and got[bad]["error"], got[bad]
        assert got["xxe"]["valid"] is False and "DOCTYPE" in got["xxe"]["error"] + str(got["xxe"]["report"])
        # Bad input loses nothing: the original bytes are still there, unchanged.
        original = client.get(
            f"/api/v1/companies/ACME/documents/{docs['xxe']['id']}/content", headers=world.auth("acme_clerk")
        )
        assert original.content == XXE

        # The web client shows the verdicts in the inbox and the details on the document page.
        login(client, "acme_clerk")
        inbox = client.get("/inbox").text
        assert "RE-2026-1001" in inbox and "XRechnung 3.0" in inbox and "1 errors" in inbox and "unreadable" in inbox
        page = client.get(f"/documents/{docs['broken']['id']}").text
        assert "BR-CO-15" in page and "Invalid" in page
        view = client.get(f"/documents/{docs['valid']['id']}/view")
        assert view.status_code == 200 and "RE-2026-1001" in view.text and "Bürobedarf Schmidt GmbH" in view.text
        assert client.get(f"/documents/{docs['garbage']['id']}/view").status_code == 422


def test_concurrent_captures_are_safe() -> None:
    """The worker analyses on several threads; PDFium underneath is not thread-safe, capture serialises it."""
    from concurrent.futures import ThreadPoolExecutor

    from belegwerk.intake.analyse import analyse

    pdf = sample_invoice_pdf()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(analyse, [pdf] * 8))
    assert {r.fields["BT-1"]["value"] for r in results} == {"2026-0815"}
