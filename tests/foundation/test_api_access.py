"""Tenant isolation and role checks, through the REST API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from appworld import World
from belegwerk.db.engine import transaction
from belegwerk.db.models import ApiToken
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.foundation


def upload(client: TestClient, world: World, user: str, company: str, name: str = "a.pdf", data: bytes = b"%PDF-1.4 x"):
    return client.post(f"/api/v1/companies/{company}/documents", headers=world.auth(user), files={"file": (name, data)})


def test_user_sees_only_companies_with_permission(client: TestClient, world: World) -> None:
    me = client.get("/api/v1/me", headers=world.auth("acme_clerk")).json()
    assert [c["id"] for c in me["companies"]] == ["ACME"]
    assert me["companies"][0]["role"] == "power_user"


def test_documents_are_isolated_between_companies(client: TestClient, world: World) -> None:
    acme_doc = upload(client, world, "acme_clerk", "ACME", "acme.pdf").json()
    globex_doc = upload(client, world, "globex_clerk", "GLOBEX", "globex.pdf").json()

    acme_list = client.get("/api/v1/companies/ACME/documents", headers=world.auth("acme_clerk")).json()
    assert [d["filename"] for d in acme_list] == ["acme.pdf"]
    # Another company's list, document, content and audit trail do not exist for this user.
    assert client.get("/api/v1/companies/GLOBEX/documents", headers=world.auth("acme_clerk")).status_code == 404
    assert upload(client, world, "acme_clerk", "GLOBEX").status_code == 404
    assert client.get("/api/v1/companies/GLOBEX/audit", headers=world.auth("acme_admin")).status_code == 404
    # Addressing GLOBEX's document through ACME's path yields nothing either.
    path = f"/api/v1/companies/ACME/documents/{globex_doc['id']}"
    assert client.get(path, headers=world.auth("acme_clerk")).status_code == 404
    assert client.get(path + "/content", headers=world.auth("acme_clerk")).status_code == 404
    own = client.get(f"/api/v1/companies/ACME/documents/{acme_doc['id']}/content", headers=world.auth("acme_clerk"))
    assert own.status_code == 200 and own.content == b"%PDF-1.4 x"
    assert own.headers["X-Content-SHA256"] == acme_doc["sha256"]


def test_company_ids_must_be_alphanumeric(client: TestClient, world: World) -> None:
    r = client.post("/api/v1/companies", headers=world.auth("root"), json={"id": "A-B", "name": "x"})
    assert r.status_code == 422
    assert client.get("/api/v1/companies/AC%20ME/documents", headers=world.auth("root")).status_code == 422


@pytest.mark.parametrize(("user", "status"), [("acme_auditor", 403), ("acme_approver", 403), ("acme_clerk", 201)])
def test_only_writers_add_documents(client: TestClient, world: World, user: str, status: int) -> None:
    assert upload(client, world, user, "ACME").status_code == status


def test_role_checks_on_administration(client: TestClient, world: World) -> None:
    assert client.get("/api/v1/companies/ACME/members", headers=world.auth("acme_clerk")).status_code == 403
    members = client.get("/api/v1/companies/ACME/members", headers=world.auth("acme_admin")).json()
    assert {m["username"]: m["role"] for m in members}["acme_auditor"] == "auditor"
    # A company admin may grant roles in their own company only.
    r = client.put(
        "/api/v1/companies/ACME/members/globex_clerk", headers=world.auth("acme_admin"), json={"role": "approver"}
    )
    assert r.status_code == 200
    r = client.put(
        "/api/v1/companies/GLOBEX/members/acme_clerk", headers=world.auth("acme_admin"), json={"role": "admin"}
    )
    assert r.status_code == 404
    # Creating companies and users is for system administrators.
    assert (
        client.post("/api/v1/companies", headers=world.auth("acme_admin"), json={"id": "X1", "name": "X"}).status_code
        == 403
    )
    assert (
        client.post("/api/v1/companies", headers=world.auth("root"), json={"id": "X1", "name": "X"}).status_code == 201
    )
    assert (
        client.post("/api/v1/companies", headers=world.auth("root"), json={"id": "X1", "name": "X"}).status_code == 409
    )


def test_auditor_reads_only_and_reads_are_logged(client: TestClient, world: World) -> None:
    doc = upload(client, world, "acme_clerk", "ACME").json()
    r = client.get(f"/api/v1/companies/ACME/documents/{doc['id']}/content", headers=world.auth("acme_auditor"))
    assert r.status_code == 200
    events = client.get("/api/v1/companies/ACME/audit", headers=world.auth("acme_auditor")).json()
    assert events[0]["actor"] == "acme_auditor" and events[0]["action"] == "read"
    assert client.get("/api/v1/companies/ACME/audit", headers=world.auth("acme_clerk")).status_code == 403


def test_tokens_are_hashed_and_revocable(client: TestClient, world: World, runtime: Runtime) -> None:
    created = client.post("/api/v1/tokens", headers=world.auth("acme_clerk"), json={"name": "erp"}).json()
    secret = created["token"]
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    with transaction(runtime.sessions) as s:
        stored = [t.token_hash for t in s.query(ApiToken).all()]
    assert secret not in stored and all(len(h) == 64 for h in stored)
    # Another user cannot revoke it; its owner can, after which it is refused.
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=world.auth("acme_admin")).status_code == 404
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=bearer).status_code == 204
    r = client.get("/api/v1/me", headers=bearer)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    listed = client.get("/api/v1/tokens", headers=world.auth("acme_clerk")).json()
    assert any(t["id"] == created["id"] and t["revoked_at"] for t in listed)


def test_unauthenticated_requests_are_refused(client: TestClient, world: World) -> None:
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer bw_nonsense"}).status_code == 401


def test_openapi_and_health(client: TestClient) -> None:
    assert client.get("/api/openapi.json").json()["info"]["title"] == "Belegwerk"
    assert client.get("/api/docs").status_code == 200
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok", "storage": "ok"}


def test_readyz_reports_unwritable_storage(client: TestClient, runtime: Runtime) -> None:
    runtime.blobs.root.parent.mkdir(parents=True, exist_ok=True)
    if runtime.blobs.root.exists():
        import shutil

        shutil.rmtree(runtime.blobs.root)
    runtime.blobs.root.write_bytes(b"not a directory")
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["storage"].startswith("error")
