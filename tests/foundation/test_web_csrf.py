"""Browser sessions: login, CSRF protection, logout, company switching."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from appworld import World, login

pytestmark = pytest.mark.foundation


def test_login_sets_httponly_session_cookie(client: TestClient, world: World) -> None:
    page = client.get("/login")
    token = page.text.split('name="login_csrf" value="')[1].split('"')[0]
    r = client.post(
        "/login",
        data={"username": "acme_clerk", "password": "correct-horse-battery", "login_csrf": token},
        follow_redirects=False,
    )
    cookie = r.headers["set-cookie"]
    assert "bw_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_login_rejects_wrong_password_and_missing_login_token(client: TestClient, world: World) -> None:
    page = client.get("/login")
    token = page.text.split('name="login_csrf" value="')[1].split('"')[0]
    r = client.post("/login", data={"username": "acme_clerk", "password": "wrong-password", "login_csrf": token})
    assert r.status_code == 401 and "wrong password" in r.text
    client.cookies.clear()
    r = client.post("/login", data={"username": "acme_clerk", "password": "correct-horse-battery", "login_csrf": "x"})
    assert "expired" in r.text
    assert client.get("/inbox", follow_redirects=False).headers["location"] == "/login"


def test_state_changes_need_the_csrf_token(client: TestClient, world: World) -> None:
    csrf = login(client, "acme_clerk")
    files = {"file": ("a.xml", b"<Invoice/>")}
    # Session cookie alone is not enough for the API or the web form ...
    assert client.post("/api/v1/companies/ACME/documents", files=files).status_code == 403
    assert client.post("/inbox/upload", files=files, follow_redirects=False).status_code == 403
    assert (
        client.post("/api/v1/companies/ACME/documents", files=files, headers={"X-CSRF-Token": "forged"}).status_code
        == 403
    )
    # ... with the session's token it works, as header or form field.
    r = client.post("/api/v1/companies/ACME/documents", files=files, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201 and r.json()["source"] == "upload"
    r = client.post("/inbox/upload", files=files, data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert "a.xml" in client.get("/inbox").text


def test_pages_and_logout(client: TestClient, world: World) -> None:
    csrf = login(client, "acme_clerk")
    for page in ("/inbox", "/archive", "/dossiers", "/exchange"):
        r = client.get(page)
        assert r.status_code == 200 and "Acme AG" in r.text
    assert "does not include administration" in client.get("/admin").text
    assert client.post("/logout", data={"csrf_token": "nope"}).status_code == 403
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_company_switch_only_to_permitted_companies(client: TestClient, world: World) -> None:
    csrf = login(client, "acme_clerk")
    assert client.post("/switch-company", data={"company_id": "GLOBEX", "csrf_token": csrf}).status_code == 403


def test_admin_page_manages_users_and_companies(client: TestClient, world: World) -> None:
    csrf = login(client, "root")
    r = client.post("/admin/users", data={"username": "newbie", "password": "long-enough-pw", "csrf_token": csrf})
    assert "User newbie created" in r.text
    r = client.post("/admin/members", data={"username": "newbie", "role": "approver", "csrf_token": csrf})
    assert "newbie is now Approver in ACME" in r.text
    r = client.post("/admin/companies", data={"company_id": "INITECH", "name": "Initech", "csrf_token": csrf})
    assert "Company INITECH created" in r.text
    assert "INITECH" in client.get("/admin").text
