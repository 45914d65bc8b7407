"""Schema migrations on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from belegwerk.db.migrate import current_revision, head_revision, is_up_to_date, upgrade
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.foundation


def test_upgrade_creates_all_tables_and_is_idempotent(runtime: Runtime) -> None:
    assert is_up_to_date(runtime.engine)
    tables = set(inspect(runtime.engine).get_table_names())
    assert {"company", "user_account", "membership", "api_token", "web_session", "audit_event", "document"} <= tables
    upgrade(runtime.engine)
    assert current_revision(runtime.engine) == head_revision()


def test_downgrade_and_upgrade_again(runtime: Runtime) -> None:
    upgrade(runtime.engine, "head")
    from alembic import command

    from belegwerk.db.migrate import _config

    cfg = _config()
    with runtime.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "company" not in inspect(runtime.engine).get_table_names()
    upgrade(runtime.engine)
    assert is_up_to_date(runtime.engine)
