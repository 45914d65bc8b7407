"""The audit trail: chained, append-only at the database, and verifiable."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from appworld import World
from belegwerk.archive import audit
from belegwerk.config import Settings
from belegwerk.db.engine import transaction
from belegwerk.runtime import Runtime
from support import cli_env

pytestmark = pytest.mark.foundation


def _drop_guard(rt: Runtime) -> None:
    """What an attacker with database superuser rights would do first."""
    with rt.engine.begin() as conn:
        if rt.engine.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
            conn.execute(text("DROP TRIGGER audit_event_no_delete"))


def test_events_form_one_chain_per_company(runtime: Runtime, world: World) -> None:
    with transaction(runtime.sessions) as s:
        reports = {r.chain: r for r in audit.verify(s)}
    assert reports["ACME"].ok and reports["ACME"].events >= 5
    assert reports["GLOBEX"].ok and reports[audit.SYSTEM_CHAIN].ok


def test_audit_rows_cannot_be_updated_or_deleted(runtime: Runtime, world: World) -> None:
    for stmt in ("UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), runtime.engine.begin() as conn:
            conn.execute(text(stmt))


def test_verify_finds_an_edited_row(runtime: Runtime, world: World, settings: Settings) -> None:
    _drop_guard(runtime)
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET action = 'nothing' WHERE chain = 'ACME' AND seq = 3"))
    with transaction(runtime.sessions) as s:
        report = audit.verify(s, "ACME")[0]
    assert not report.ok and report.broken_seq == 3 and "altered" in report.reason

    env = cli_env(BELEGWERK_DATA_DIR=str(settings.data_dir), BELEGWERK_DATABASE_URL=settings.effective_database_url)
    cli = subprocess.run(
        [sys.executable, "-m", "belegwerk", "audit", "verify"], env=env, capture_output=True, text=True, timeout=60
    )
    assert cli.returncode == 1
    assert "BROKEN at event 3" in cli.stdout and "ACME" in cli.stdout


def test_verify_finds_a_deleted_row(runtime: Runtime, world: World) -> None:
    _drop_guard(runtime)
    with runtime.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE chain = 'ACME' AND seq = 2"))
    with transaction(runtime.sessions) as s:
        report = audit.verify(s, "ACME")[0]
    assert not report.ok and report.broken_seq == 2 and "missing" in report.reason


def test_verify_through_the_api(runtime: Runtime, world: World, client) -> None:  # type: ignore[no-untyped-def]
    ok = client.get("/api/v1/companies/ACME/audit/verify", headers=world.auth("acme_auditor")).json()
    assert ok["ok"] is True
    _drop_guard(runtime)
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET object_id = 'x' WHERE chain = 'ACME' AND seq = 1"))
    broken = client.get("/api/v1/companies/ACME/audit/verify", headers=world.auth("acme_auditor")).json()
    assert broken["ok"] is False and broken["broken_seq"] == 1


def test_state_digests_are_stable() -> None:
    assert audit.digest({"b": 1, "a": "x"}) == audit.digest({"a": "x", "b": 1})
    assert audit.digest(None) is None
