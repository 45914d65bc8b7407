"""REST: filing, versions, content, immutability, holds, retention, disposal, dossiers, context,
role visibility and the auditor's logged reads."""

from __future__ import annotations

import json

import pytest
from archive_support import World
from fastapi.testclient import TestClient
from sqlalchemy import select

from belegwerk.db.engine import transaction
from belegwerk.db.models import AuditEvent
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.archive
BASE = "/api/v1/companies/ACME/archive"


def _file(client: TestClient, world: World, data: bytes, cls: str = "incoming_invoice", **index: str) -> dict:
    idx = {"vendor_no": "70001", "document_number": "RE-1", "document_date": "2025-04-01", "amount": "99.90"}
    idx.update(index)
    r = client.post(
        f"{BASE}/records",
        headers=world.auth("acme_clerk"),
        files={"file": ("inv.pdf", data)},
        data={"document_class": cls, "index": json.dumps(idx), "text": "Büromaterial Lieferung"},
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_records_cannot_be_changed_or_deleted_through_the_api(client: TestClient, world: World) -> None:
    rec = _file(client, world, b"%PDF api")
    url = f"{BASE}/records/{rec['id']}"
    for method in ("PUT", "PATCH", "DELETE"):
        r = client.request(method, url, headers=world.auth("acme_admin"), json={"index": {}})
        assert r.status_code == 409 and "cannot be changed or deleted" in r.text
    r = client.post(
        f"{BASE}/expiry/{rec['record_uid']}/dispose",
        headers=world.auth("acme_admin"),
        json={"confirm": True, "reason": "try"},
    )
    assert r.status_code == 409 and "retained until 2033-12-31" in r.text
    r = client.post(
        f"{BASE}/expiry/{rec['record_uid']}/dispose",
        headers=world.auth("acme_clerk"),
        json={"confirm": True, "reason": "try"},
    )
    assert r.status_code == 409 and "admin" in r.text
    got = client.get(url, headers=world.auth("acme_clerk")).json()
    assert got["index"]["amount"] == "99.90" and got["sha256"] == rec["sha256"]
    content = client.get(f"{url}/content", headers=world.auth("acme_clerk"))
    assert content.content == b"%PDF api" and content.headers["X-Content-SHA256"] == rec["sha256"]


def test_versions_holds_and_retention_settings(client: TestClient, world: World) -> None:
    rec = _file(client, world, b"%PDF v1")
    r = client.post(
        f"{BASE}/records/{rec['id']}/versions",
        headers=world.auth("acme_clerk"),
        data={
            "index": json.dumps({"vendor_no": "70001", "amount": "109.90", "document_date": "2025-04-01"}),
            "reason": "typo",
        },
    )
    assert r.status_code == 201, r.text
    v2 = r.json()
    assert (v2["version"], v2["previous_id"], v2["index"]["correction_reason"]) == (2, rec["id"], "typo")
    versions = client.get(f"{BASE}/records/{rec['id']}/versions", headers=world.auth("acme_clerk")).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert (
        client.put(
            f"{BASE}/records/{v2['id']}/hold", headers=world.auth("acme_clerk"), json={"reason": "x"}
        ).status_code
        == 403
    )
    held = client.put(f"{BASE}/records/{v2['id']}/hold", headers=world.auth("acme_admin"), json={"reason": "audit"})
    assert held.json()["on_hold"] is True
    assert client.delete(f"{BASE}/records/{v2['id']}/hold", headers=world.auth("acme_admin")).json()["on_hold"] is False
    r = client.put(f"{BASE}/retention/incoming_invoice", headers=world.auth("acme_admin"), json={"years": 5})
    assert r.status_code == 409
    r = client.put(f"{BASE}/retention/incoming_invoice", headers=world.auth("acme_admin"), json={"years": 12})
    assert r.status_code == 200
    assert client.get(f"{BASE}/records/{v2['id']}", headers=world.auth("acme_clerk")).json()["retain_until"] == (
        "2037-12-31"
    )


def test_roles_and_the_auditors_logged_reads(client: TestClient, world: World, runtime: Runtime) -> None:
    inv = _file(client, world, b"%PDF inv")
    letter = _file(client, world, b"%PDF letter", cls="letter")
    assert client.get(f"{BASE}/records/{inv['id']}", headers=world.auth("acme_approver")).status_code == 404
    # Approvers see the records of dossiers granted to them, and of those only the approver classes.
    client.post(
        f"{BASE}/dossiers/import",
        headers=world.auth("acme_admin"),
        files={"file": ("v.csv", b"number;name\n70001;Schmidt\n")},
        data={"kind": "vendor"},
    )
    r = client.put(f"{BASE}/dossiers/vendor/70001/grants/acme_approver", headers=world.auth("acme_admin"))
    assert r.status_code == 200
    assert client.get(f"{BASE}/records/{letter['id']}", headers=world.auth("acme_approver")).status_code == 404
    assert client.get(f"{BASE}/records/{inv['id']}", headers=world.auth("acme_approver")).status_code == 200
    found = client.get(f"{BASE}/search", params={"vendor_no": "70001"}, headers=world.auth("acme_approver")).json()
    assert [r["id"] for r in found["records"]] == [inv["id"]]
    assert (
        client.get(
            f"/api/v1/companies/GLOBEX/archive/records/{inv['id']}", headers=world.auth("acme_clerk")
        ).status_code
        == 404
    )
    assert client.get(f"{BASE}/records/{inv['id']}", headers=world.auth("globex_clerk")).status_code == 404
    r = client.post(
        f"{BASE}/records",
        headers=world.auth("acme_auditor"),
        files={"file": ("a", b"a")},
        data={"document_class": "letter"},
    )
    assert r.status_code == 403
    auditor = world.auth("acme_auditor")
    assert client.get(f"{BASE}/records/{letter['id']}/content", headers=auditor).status_code == 200
    assert client.get(f"{BASE}/search", params={"text": "Büromaterial"}, headers=auditor).json()["total"] == 2
    assert client.get(f"{BASE}/context/vendor/70001", headers=auditor).status_code == 200
    with transaction(runtime.sessions) as s:
        reads = s.execute(
            select(AuditEvent.object_type, AuditEvent.action).where(AuditEvent.actor == "acme_auditor")
        ).all()
    assert set(reads) == {("archive_record", "read"), ("archive_search", "search"), ("archive_context", "read")}


def test_context_views_dossiers_and_disposal_listing(client: TestClient, world: World) -> None:
    csv_text = "number;name;city\n70001;Bürobedarf Schmidt GmbH;Berlin\n"
    r = client.post(
        f"{BASE}/dossiers/import",
        headers=world.auth("acme_admin"),
        files={"file": ("v.csv", csv_text.encode())},
        data={"kind": "vendor"},
    )
    assert r.status_code == 200 and r.json()["created"] == 1
    a = _file(client, world, b"%PDF a", posting_number="BU-1")
    b = _file(client, world, b"%PDF b", posting_number="BU-2", document_number="RE-2")
    r = client.post(
        f"{BASE}/dossiers/vendor/70001/documents",
        headers=world.auth("acme_clerk"),
        files={"file": ("brief.pdf", b"%PDF brief")},
        data={"document_class": "letter"},
    )
    assert r.status_code == 201, r.text
    detail = client.get(f"{BASE}/dossiers/vendor/70001", headers=world.auth("acme_clerk")).json()
    assert detail["name"] == "Bürobedarf Schmidt GmbH" and detail["records"] == 3
    assert sorted(detail["registers"]) == ["incoming_invoice", "letter"]
    listing = client.get(f"{BASE}/dossiers", headers=world.auth("acme_clerk")).json()
    assert [(d["number"], d["records"]) for d in listing] == [("70001", 3)]
    everything = client.get(f"{BASE}/context/vendor/70001", headers=world.auth("acme_clerk")).json()
    assert len(everything) == 3
    posting = client.get(f"{BASE}/context/posting/BU-2", headers=world.auth("acme_clerk")).json()
    assert [item["record"]["id"] for item in posting] == [b["id"]]
    item = posting[0]
    assert item["manifest"]["blobs"][0]["sha256"] == b["sha256"]
    assert client.get(item["record"]["content_url"], headers=world.auth("acme_clerk")).content == b"%PDF b"
    assert a["id"] != b["id"]
    assert client.get(f"{BASE}/expiry", headers=world.auth("acme_admin")).json() == []
    verified = client.get(f"{BASE}/verify", headers=world.auth("acme_auditor")).json()
    assert verified["ok"] and verified["records"] == 3
    head = client.get(f"{BASE}/head", headers=world.auth("acme_admin")).json()
    assert head["count"] == 3 and head["head_hash"] == verified["head_hash"]
