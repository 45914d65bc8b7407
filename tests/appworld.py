"""An app client, a small world of two companies with a user per role, and web login, for API and web tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from belegwerk import tenancy
from belegwerk.api.app import create_app
from belegwerk.db.engine import transaction
from belegwerk.db.models import Role
from belegwerk.runtime import Runtime

PASSWORD = "correct-horse-battery"


@dataclass
class World:
    """Two companies; per role one user in ACME, one clerk in GLOBEX, a system admin; tokens for all."""

    tokens: dict[str, str]

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}


@pytest.fixture
def world(runtime: Runtime) -> World:
    tokens: dict[str, str] = {}
    with transaction(runtime.sessions) as s:
        tenancy.create_company(s, "ACME", "Acme AG", actor="test")
        tenancy.create_company(s, "GLOBEX", "Globex GmbH", actor="test")
        users = {
            "root": ("ACME", Role.ADMIN, True),
            "acme_admin": ("ACME", Role.ADMIN, False),
            "acme_clerk": ("ACME", Role.POWER_USER, False),
            "acme_approver": ("ACME", Role.APPROVER, False),
            "acme_auditor": ("ACME", Role.AUDITOR, False),
            "globex_clerk": ("GLOBEX", Role.POWER_USER, False),
        }
        for name, (company, role, sysadmin) in users.items():
            user = tenancy.create_user(s, name, PASSWORD, actor="test", system_admin=sysadmin)
            tenancy.grant(s, user, company, role, actor="test")
            tokens[name] = tenancy.create_token(s, user, "test", actor="test").secret
    return World(tokens)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, run_worker=False), base_url="http://testserver") as c:
        yield c


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the web form; returns the session's CSRF token."""
    page = client.get("/login")
    token = page.text.split('name="login_csrf" value="')[1].split('"')[0]
    r = client.post(
        "/login", data={"username": username, "password": password, "login_csrf": token}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    inbox = client.get("/inbox")
    return inbox.text.split('"X-CSRF-Token": "')[1].split('"')[0]
