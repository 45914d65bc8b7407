"""Dossier grants in the web client: the access section of the dossier page (company admins only)."""

from __future__ import annotations

from typing import Any

import pytest
from archive_support import World, file_invoice, login
from fastapi.testclient import TestClient
from sqlalchemy import select

from belegwerk import tenancy
from belegwerk.archive import access, dossiers
from belegwerk.db.engine import transaction
from belegwerk.db.models import ArchiveDossierGrant, AuditEvent
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.archive

PAGE = "/dossiers/vendor/70001"
API = "/api/v1/companies/ACME/archive/dossiers/vendor/70001/grants/acme_approver"


def _setup(runtime: Runtime) -> int:
    """Two vendor dossiers; an invoice in the first. Returns the invoice's record id."""
    with transaction(runtime.sessions) as s:
        dossiers.import_masterdata(s, "ACME", "vendor", "number;name\n70001;Schmidt\n70002;Weber\n", actor="t")
    return file_invoice(runtime, data=b"%PDF schmidt").id


def _granted(runtime: Runtime) -> list[str]:
    """User names with a grant on vendor dossier 70001, straight from the table."""
    with transaction(runtime.sessions) as s:
        d = dossiers.get_dossier(s, "ACME", "vendor", "70001")
        return [u.username for _, u in access.grants(s, d)]


def _grant_events(runtime: Runtime) -> list[dict[str, Any]]:
    with transaction(runtime.sessions) as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "archive_dossier_grant").order_by(AuditEvent.seq)
        ).all()
        return [
            {
                "chain": e.chain,
                "actor": e.actor,
                "action": e.action,
                "object_id": e.object_id,
                "details": e.details,
                "before": e.before_digest,
                "after": e.after_digest,
            }
            for e in events
        ]


def _approver_reach(client: TestClient, record_id: int) -> tuple[int, int, bool]:
    """Log in as the approver: dossier page status, record page status, dossier in the list."""
    login(client, "acme_approver")
    return (
        client.get(PAGE).status_code,
        client.get(f"/archive/records/{record_id}").status_code,
        "Schmidt" in client.get("/dossiers").text,
    )


def _options(page: str) -> list[str]:
    """The user names offered by the grant form's select."""
    if 'id="grant-form"' not in page:
        return []
    select_html = page.split('id="grant-username">')[1].split("</select>")[0]
    return [part.split('"')[0] for part in select_html.split('<option value="')[1:]]


def test_admin_grants_and_revokes_through_the_dossier_page(client: TestClient, world: World, runtime: Runtime) -> None:
    record_id = _setup(runtime)
    assert _approver_reach(client, record_id) == (404, 404, False)

    csrf = login(client, "acme_admin")
    page = client.get(PAGE).text
    assert 'id="dossier-access"' in page and "Access (Zugriff)" in page and 'id="grants-empty"' in page
    # Only the company's approvers are offered: the other roles see every dossier anyway.
    assert _options(page) == ["acme_approver"]

    r = client.post(f"{PAGE}/grants", data={"username": "acme_approver", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(PAGE + "?message=")
    page = client.get(r.headers["location"]).text
    assert "acme_approver may now read this dossier" in page
    row = page.split('id="grants"')[1].split("</table>")[0]
    assert "acme_approver" in row and "<td>acme_admin</td>" in row and "/grants/acme_approver/revoke" in row
    assert _options(page) == [] and 'id="grant-none"' in page
    assert _granted(runtime) == ["acme_approver"]

    assert _approver_reach(client, record_id) == (200, 200, True)
    assert client.get(f"/archive/records/{record_id}/content").content == b"%PDF schmidt"

    csrf = login(client, "acme_admin")
    r = client.post(f"{PAGE}/grants/acme_approver/revoke", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "Access for acme_approver revoked" in page and 'id="grants-empty"' in page
    assert _options(page) == ["acme_approver"]
    assert _granted(runtime) == []

    assert _approver_reach(client, record_id) == (404, 404, False)


def test_web_and_api_write_the_same_audit_events(client: TestClient, world: World, runtime: Runtime) -> None:
    _setup(runtime)
    csrf = login(client, "acme_admin")
    client.post(f"{PAGE}/grants", data={"username": "acme_approver", "csrf_token": csrf})
    client.post(f"{PAGE}/grants/acme_approver/revoke", data={"csrf_token": csrf})
    web_events = _grant_events(runtime)
    assert [(e["actor"], e["action"], e["object_id"], e["chain"]) for e in web_events] == [
        ("acme_admin", "grant", "vendor:70001:acme_approver", "ACME"),
        ("acme_admin", "revoke", "vendor:70001:acme_approver", "ACME"),
    ]
    client.cookies.clear()
    assert client.put(API, headers=world.auth("acme_admin")).status_code == 200
    assert client.delete(API, headers=world.auth("acme_admin")).status_code == 204
    api_events = _grant_events(runtime)[2:]
    assert api_events == web_events
    with transaction(runtime.sessions) as s:
        assert s.scalars(select(ArchiveDossierGrant)).all() == []


@pytest.mark.parametrize("user", ["acme_clerk", "acme_approver", "acme_auditor", "globex_clerk"])
def test_non_admins_see_no_access_section_and_get_403(
    client: TestClient, world: World, runtime: Runtime, user: str
) -> None:
    _setup(runtime)
    with transaction(runtime.sessions) as s:
        d = dossiers.get_dossier(s, "ACME", "vendor", "70001")
        access.grant_dossier(s, "ACME", d, tenancy.get_user(s, "acme_approver"), "acme_admin")
    csrf = login(client, user)
    page = client.get(PAGE)
    if user == "globex_clerk":
        assert page.status_code == 404  # another Mandant's dossier does not exist for them
    else:
        assert page.status_code == 200 and "Schmidt" in page.text
        assert 'id="dossier-access"' not in page.text and "Zugriff" not in page.text and "/grants" not in page.text
    r = client.post(f"{PAGE}/grants", data={"username": "acme_approver", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 403 and "administrators only" in r.text
    r = client.post(f"{PAGE}/grants/acme_approver/revoke", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 403
    assert _granted(runtime) == ["acme_approver"]
    assert [e["action"] for e in _grant_events(runtime)] == ["grant"]


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_grant_forms_need_the_session_csrf_token(
    client: TestClient, world: World, runtime: Runtime, token: str | None
) -> None:
    _setup(runtime)
    csrf = login(client, "acme_admin")
    form = {"username": "acme_approver"} | ({} if token is None else {"csrf_token": token})
    r = client.post(f"{PAGE}/grants", data=form, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    assert _granted(runtime) == []
    client.post(f"{PAGE}/grants", data={"username": "acme_approver", "csrf_token": csrf})
    revoke = {} if token is None else {"csrf_token": token}
    r = client.post(f"{PAGE}/grants/acme_approver/revoke", data=revoke, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    assert _granted(runtime) == ["acme_approver"]
    assert [e["action"] for e in _grant_events(runtime)] == ["grant"]


def test_refused_grants_show_an_error_on_the_page(client: TestClient, world: World, runtime: Runtime) -> None:
    _setup(runtime)
    csrf = login(client, "acme_admin")

    def grant(username: str) -> tuple[int, str]:
        r = client.post(f"{PAGE}/grants", data={"username": username, "csrf_token": csrf}, follow_redirects=False)
        error = r.text.split('id="grant-error">')[1].split("</div>")[0] if 'id="grant-error"' in r.text else ""
        prefix = "Cannot grant access: "
        return r.status_code, error[len(prefix) :] if error.startswith(prefix) else error

    assert grant("nobody") == (400, "unknown user nobody")
    assert grant("") == (400, "unknown user ")
    assert grant("globex_clerk") == (400, "globex_clerk is not a user of ACME")
    assert grant("acme_clerk") == (400, "acme_clerk is Power user (AP clerk) and sees every dossier without a grant")
    assert _granted(runtime) == [] and _grant_events(runtime) == []
    assert client.post(f"{PAGE}/grants", data={"username": "acme_approver", "csrf_token": csrf}).status_code == 200
    assert grant("acme_approver") == (409, "acme_approver already has access to vendor dossier 70001")
    # The page with the error is the whole dossier page, grant list included.
    r = client.post(f"{PAGE}/grants", data={"username": "nobody", "csrf_token": csrf})
    assert 'id="grants"' in r.text and "Schmidt" in r.text

    r = client.post("/dossiers/vendor/70002/grants/acme_approver/revoke", data={"csrf_token": csrf})
    assert r.status_code == 404
    assert "Cannot revoke access: acme_approver has no access to vendor dossier 70002" in r.text
    r = client.post(f"{PAGE}/grants/nobody/revoke", data={"csrf_token": csrf})
    assert r.status_code == 400 and "Cannot revoke access: unknown user nobody" in r.text
    r = client.post("/dossiers/vendor/99999/grants", data={"username": "acme_approver", "csrf_token": csrf})
    assert r.status_code == 404
    assert _granted(runtime) == ["acme_approver"]
    assert [e["action"] for e in _grant_events(runtime)] == ["grant"]
