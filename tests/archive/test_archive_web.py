"""Web pages: archive search, record detail, dossiers with registers and upload, auditor portal."""

from __future__ import annotations

import pytest
from archive_support import World, file_invoice, login
from fastapi.testclient import TestClient
from sqlalchemy import select

from belegwerk.archive import dossiers
from belegwerk.db.engine import transaction
from belegwerk.db.models import AuditEvent
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.archive


def test_clerk_searches_opens_records_and_files_into_a_dossier(
    client: TestClient, world: World, runtime: Runtime
) -> None:
    with transaction(runtime.sessions) as s:
        dossiers.import_masterdata(
            s, "ACME", "vendor", "number;name;city\n70001;Bürobedarf Schmidt;Berlin\n", actor="t"
        )
    rec = file_invoice(runtime, text_content="Kopierpapier A4 Lieferung")
    csrf = login(client, "acme_clerk")
    page = client.get("/archive", params={"text": "Kopierpapier"})
    assert page.status_code == 200 and f'href="/archive/records/{rec.id}"' in page.text and "1 record(s)" in page.text
    assert "0 record(s)" in client.get("/archive", params={"text": "Heizöl"}).text
    detail = client.get(f"/archive/records/{rec.id}")
    assert rec.blob_sha256 in detail.text and "RE-2025-001" in detail.text and "31.12.2033" in detail.text
    assert client.get(f"/archive/records/{rec.id}/content").content == b"%PDF-1.7 invoice"
    assert "Bürobedarf Schmidt" in client.get("/dossiers").text
    r = client.post(
        "/dossiers/vendor/70001/documents",
        files={"file": ("brief.pdf", b"%PDF brief")},
        data={"document_class": "letter", "subject": "Mahnung", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    dossier = client.get("/dossiers/vendor/70001").text
    assert "brief.pdf" in dossier and "Incoming invoice" in dossier and "Letter" in dossier
    r = client.post("/dossiers/vendor/70001/documents", files={"file": ("x", b"x")}, data={"csrf_token": "bad"})
    assert r.status_code == 403
    r = client.post(
        "/archive/saved-searches",
        data={"name": "Papier", "query": '{"text":"Kopierpapier"}', "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "Papier" in client.get("/archive").text


def test_auditor_portal_is_read_only_and_logged(client: TestClient, world: World, runtime: Runtime) -> None:
    with transaction(runtime.sessions) as s:
        dossiers.import_masterdata(s, "ACME", "vendor", "number;name\n70001;Bürobedarf Schmidt\n", actor="t")
    rec = file_invoice(runtime)
    login(client, "acme_auditor")
    portal = client.get("/portal")
    assert "Archive verified" in portal.text and "1 manifests" in portal.text
    archive = client.get("/archive")
    assert "portal-banner" in archive.text
    detail = client.get(f"/archive/records/{rec.id}").text
    assert "hold-form" not in detail and "portal-banner" in detail
    assert "dossier-upload" not in client.get("/dossiers/vendor/70001").text
    client.get(f"/archive/records/{rec.id}/content")
    with transaction(runtime.sessions) as s:
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.actor == "acme_auditor")))
    assert {"verify", "search", "read-metadata", "read"} <= actions
    login(client, "acme_clerk")
    assert "Auditor portal" not in client.get("/portal").text
