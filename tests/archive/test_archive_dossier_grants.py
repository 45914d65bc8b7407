"""Per-dossier read permissions: approvers see only the records of dossiers granted to them."""

from __future__ import annotations

import pytest
from archive_support import World, file_invoice, login
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from belegwerk import tenancy
from belegwerk.archive import access, dossiers, search
from belegwerk.archive.cli import app as archive_app
from belegwerk.archive.errors import ArchiveError
from belegwerk.archive.search import SearchQuery
from belegwerk.db.engine import transaction
from belegwerk.db.models import ArchiveDossierGrant, AuditEvent, Role
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.archive

BASE = "/api/v1/companies/ACME/archive"
GRANT = f"{BASE}/dossiers/vendor/70001/grants/acme_approver"


def _setup(runtime: Runtime) -> tuple[int, int, int]:
    """Two vendor dossiers with one invoice each, plus a letter in the first dossier."""
    with transaction(runtime.sessions) as s:
        dossiers.import_masterdata(s, "ACME", "vendor", "number;name\n70001;Schmidt\n70002;Weber\n", actor="t")
    mine = file_invoice(runtime, data=b"%PDF schmidt", text_content="Kopierpapier")
    other = file_invoice(runtime, data=b"%PDF weber", text_content="Kopierpapier", vendor_no="70002")
    with transaction(runtime.sessions) as s:
        d = dossiers.get_dossier(s, "ACME", "vendor", "70001")
        letter = dossiers.upload_to_dossier(
            s, runtime.blobs, d, document_class="letter", filename="brief.pdf", data=b"%PDF brief", actor="t"
        )
    return mine.id, other.id, letter.id


def _approver_view(client: TestClient, world: World, ids: tuple[int, int, int]) -> dict[str, object]:
    """Everything the approver can reach through the API, by path."""
    h = world.auth("acme_approver")
    found = client.get(f"{BASE}/search", params={"text": "Kopierpapier"}, headers=h).json()
    listed = client.get(f"{BASE}/dossiers", headers=h).json()
    detail = client.get(f"{BASE}/dossiers/vendor/70001", headers=h)
    other_detail = client.get(f"{BASE}/dossiers/vendor/70002", headers=h)
    return {
        "search": sorted(r["id"] for r in found["records"]),
        "records": [i for i in ids if client.get(f"{BASE}/records/{i}", headers=h).status_code == 200],
        "content": [i for i in ids if client.get(f"{BASE}/records/{i}/content", headers=h).status_code == 200],
        "dossiers": [(d["number"], d["records"]) for d in listed],
        "registers": (
            sorted(r["id"] for v in detail.json()["registers"].values() for r in v)
            if detail.status_code == 200
            else None
        ),
        "other_dossier": other_detail.status_code,
        # Both invoices carry the document number RE-2025-001, so the posting view would find both.
        "context": {
            ref: [item["record"]["id"] for item in client.get(f"{BASE}/context/{kind}/{ref}", headers=h).json()]
            for kind, ref in (("vendor", "70001"), ("vendor", "70002"), ("posting", "RE-2025-001"))
        },
    }


def test_approver_sees_exactly_the_granted_dossier(client: TestClient, world: World, runtime: Runtime) -> None:
    ids = _setup(runtime)
    mine, other, _letter = ids
    nothing = {
        "search": [],
        "records": [],
        "content": [],
        "dossiers": [],
        "registers": None,
        "other_dossier": 404,
        "context": {"70001": [], "70002": [], "RE-2025-001": []},
    }
    assert _approver_view(client, world, ids) == nothing
    r = client.put(GRANT, headers=world.auth("acme_admin"))
    assert r.status_code == 200 and r.json()["granted_by"] == "acme_admin"
    assert client.put(GRANT, headers=world.auth("acme_admin")).status_code == 200  # idempotent
    # The invoice of the granted dossier, not the letter in it (approver classes only), nothing else.
    assert _approver_view(client, world, ids) == {
        "search": [mine],
        "records": [mine],
        "content": [mine],
        "dossiers": [("70001", 1)],
        "registers": [mine],
        "other_dossier": 404,
        "context": {"70001": [mine], "70002": [], "RE-2025-001": [mine]},
    }
    # The other roles keep seeing the whole company.
    clerk = client.get(f"{BASE}/search", params={"text": "Kopierpapier"}, headers=world.auth("acme_clerk")).json()
    assert sorted(r["id"] for r in clerk["records"]) == sorted([mine, other])
    auditor = world.auth("acme_auditor")
    assert client.get(f"{BASE}/records/{other}", headers=auditor).status_code == 200
    grants = client.get(f"{BASE}/dossiers/vendor/70001/grants", headers=world.auth("acme_admin")).json()
    assert [g["username"] for g in grants] == ["acme_approver"]
    assert client.delete(GRANT, headers=world.auth("acme_admin")).status_code == 204
    assert client.delete(GRANT, headers=world.auth("acme_admin")).status_code == 404
    assert _approver_view(client, world, ids) == nothing


@pytest.mark.parametrize("user", ["acme_clerk", "acme_approver", "acme_auditor", "globex_clerk"])
def test_only_company_admins_grant(client: TestClient, world: World, runtime: Runtime, user: str) -> None:
    _setup(runtime)
    expected = 404 if user == "globex_clerk" else 403
    assert client.put(GRANT, headers=world.auth(user)).status_code == expected
    assert client.delete(GRANT, headers=world.auth(user)).status_code == expected
    assert client.get(f"{BASE}/dossiers/vendor/70001/grants", headers=world.auth(user)).status_code == expected
    with transaction(runtime.sessions) as s:
        assert s.scalars(select(ArchiveDossierGrant)).all() == []


def test_grants_are_audited_and_checked(client: TestClient, world: World, runtime: Runtime) -> None:
    _setup(runtime)
    client.put(GRANT, headers=world.auth("acme_admin"))
    client.put(GRANT, headers=world.auth("acme_admin"))
    client.delete(GRANT, headers=world.auth("acme_admin"))
    with transaction(runtime.sessions) as s:
        events = s.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.object_id, AuditEvent.chain)
            .where(AuditEvent.object_type == "archive_dossier_grant")
            .order_by(AuditEvent.seq)
        ).all()
        assert [tuple(e) for e in events] == [
            ("acme_admin", "grant", "vendor:70001:acme_approver", "ACME"),
            ("acme_admin", "revoke", "vendor:70001:acme_approver", "ACME"),
        ]
        d = dossiers.get_dossier(s, "ACME", "vendor", "70001")
        outsider = tenancy.get_user(s, "globex_clerk")
        with pytest.raises(ArchiveError, match="not a member"):
            access.grant_dossier(s, "ACME", d, outsider, "acme_admin")
        with pytest.raises(ArchiveError, match="no vendor dossier"):
            access.grant_dossier(s, "GLOBEX", d, outsider, "acme_admin")
    r = client.put(f"{BASE}/dossiers/vendor/70001/grants/nobody", headers=world.auth("acme_admin"))
    assert r.status_code == 404
    r = client.put(f"{BASE}/dossiers/vendor/99999/grants/acme_approver", headers=world.auth("acme_admin"))
    assert r.status_code == 404


def test_service_functions_apply_the_same_filter(world: World, runtime: Runtime) -> None:
    mine, _other, _letter = _setup(runtime)
    with transaction(runtime.sessions) as s:
        approver = tenancy.get_user(s, "acme_approver")
        viewer = access.Viewer(Role.APPROVER, approver.id)
        d = dossiers.get_dossier(s, "ACME", "vendor", "70001")
        q = SearchQuery(text="Kopierpapier")
        assert search.search(s, "ACME", q, viewer).records == []
        assert search.search(s, "ACME", q, Role.APPROVER).records == []  # a bare approver role fails closed
        access.grant_dossier(s, "ACME", d, approver, "acme_admin")
        assert [r.id for r in search.search(s, "ACME", q, viewer).records] == [mine]
        assert search.search(s, "ACME", q, Role.APPROVER).records == []
        assert [r.id for r in search.context(s, "ACME", "vendor", "70001", viewer)] == [mine]
        assert [n for _, n in dossiers.list_dossiers(s, "ACME", viewer=viewer)] == [1]
        assert {k: [r.id for r in v] for k, v in dossiers.registers(s, d, viewer).items()} == {
            "incoming_invoice": [mine]
        }
        assert len(search.search(s, "ACME", q, Role.POWER_USER).records) == 2


def test_a_version_moved_to_another_dossier_is_not_shown(client: TestClient, world: World, runtime: Runtime) -> None:
    mine, _other, _letter = _setup(runtime)
    client.put(GRANT, headers=world.auth("acme_admin"))
    r = client.post(
        f"{BASE}/records/{mine}/versions",
        headers=world.auth("acme_clerk"),
        data={"index": '{"vendor_no": "70002"}', "reason": "wrong vendor"},
    )
    assert r.status_code == 201, r.text
    moved = r.json()["id"]
    h = world.auth("acme_approver")
    assert [v["id"] for v in client.get(f"{BASE}/records/{mine}/versions", headers=h).json()] == [mine]
    assert client.get(f"{BASE}/records/{moved}", headers=h).status_code == 404
    clerk = client.get(f"{BASE}/records/{mine}/versions", headers=world.auth("acme_clerk")).json()
    assert [v["id"] for v in clerk] == [mine, moved]


def test_web_pages_follow_the_grants(client: TestClient, world: World, runtime: Runtime) -> None:
    mine, other, _letter = _setup(runtime)
    login(client, "acme_approver")
    assert "0 record(s)" in client.get("/archive", params={"text": "Kopierpapier"}).text
    assert client.get(f"/archive/records/{mine}").status_code == 404
    assert client.get("/dossiers/vendor/70001").status_code == 404
    assert "Schmidt" not in client.get("/dossiers").text
    with transaction(runtime.sessions) as s:
        d = dossiers.get_dossier(s, "ACME", "vendor", "70001")
        access.grant_dossier(s, "ACME", d, tenancy.get_user(s, "acme_approver"), "acme_admin")
    assert "1 record(s)" in client.get("/archive", params={"text": "Kopierpapier"}).text
    assert client.get(f"/archive/records/{mine}").status_code == 200
    assert client.get(f"/archive/records/{mine}/content").content == b"%PDF schmidt"
    assert client.get(f"/archive/records/{other}").status_code == 404
    assert client.get("/dossiers/vendor/70001").status_code == 200
    dossier_list = client.get("/dossiers").text
    assert "Schmidt" in dossier_list and "Weber" not in dossier_list


def test_cli_grants_and_revokes(world: World, runtime: Runtime) -> None:
    _setup(runtime)
    env = {
        "BELEGWERK_DATA_DIR": str(runtime.settings.data_dir),
        "BELEGWERK_DATABASE_URL": runtime.settings.effective_database_url,
        "BELEGWERK_SECRET_KEY": "test-secret-key",
        "COLUMNS": "200",
    }
    args = ["grant-dossier", "-c", "ACME", "vendor", "70001", "acme_approver"]
    result = CliRunner().invoke(archive_app, [*args, "--as", "acme_clerk"], env=env)
    assert result.exit_code == 2 and "not an admin" in result.output
    result = CliRunner().invoke(archive_app, [*args, "--as", "acme_admin"], env=env)
    assert result.exit_code == 0 and "granted acme_approver" in result.output
    with transaction(runtime.sessions) as s:
        assert len(s.scalars(select(ArchiveDossierGrant)).all()) == 1
    result = CliRunner().invoke(archive_app, [*args, "--revoke", "--as", "acme_admin"], env=env)
    assert result.exit_code == 0 and "revoked" in result.output
    with transaction(runtime.sessions) as s:
        assert s.scalars(select(ArchiveDossierGrant)).all() == []
