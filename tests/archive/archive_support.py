"""Support for the archive tests: a company with users per role, filing helpers, tamper helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from belegwerk import tenancy
from belegwerk.api.app import create_app
from belegwerk.archive import records
from belegwerk.db.engine import transaction
from belegwerk.db.models import ArchiveRecord, Role
from belegwerk.runtime import Runtime

PASSWORD = "correct-horse-battery"


@dataclass
class World:
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
            "acme_admin": ("ACME", Role.ADMIN),
            "acme_clerk": ("ACME", Role.POWER_USER),
            "acme_approver": ("ACME", Role.APPROVER),
            "acme_auditor": ("ACME", Role.AUDITOR),
            "globex_clerk": ("GLOBEX", Role.POWER_USER),
        }
        for name, (company, role) in users.items():
            user = tenancy.create_user(s, name, PASSWORD, actor="test")
            tenancy.grant(s, user, company, role, actor="test")
            tokens[name] = tenancy.create_token(s, user, "test", actor="test").secret
    return World(tokens)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, run_worker=False), base_url="http://testserver") as c:
        yield c


def invoice_index(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "vendor_no": "70001",
        "document_number": "RE-2025-001",
        "document_date": "2025-03-14",
        "amount": "1190.00",
        "currency": "EUR",
    }
    base.update(extra)
    return base


def file_invoice(
    rt: Runtime, *, data: bytes = b"%PDF-1.7 invoice", company: str = "ACME", text_content: str = "", **index: Any
) -> ArchiveRecord:
    with transaction(rt.sessions) as s:
        return records.file_record(
            s,
            rt.blobs,
            company_id=company,
            document_class="incoming_invoice",
            filename="invoice.pdf",
            data=data,
            index=invoice_index(**index),
            actor="test",
            text_content=text_content,
        )


def lift_guard(session: Session, table: str, trigger: str) -> None:
    """Play the attacker with database rights: switch off one of the archive's triggers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
    else:
        session.execute(text(f"DROP TRIGGER {trigger}"))


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
