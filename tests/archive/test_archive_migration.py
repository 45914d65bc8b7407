"""Migration 0002 matches the archive models, and its extra objects exist on each engine."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from belegwerk.db.base import Base
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.archive


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if type_ == "table":
        return bool(name and name.startswith("archive_") and not name.startswith("archive_fts"))
    if type_ == "column" and name == "search_vector":
        return False  # PostgreSQL full-text column, maintained by the database only
    if type_ == "index" and name == "ix_archive_record_search":
        return False
    table = getattr(obj, "table", None)
    return table is None or str(table.name).startswith("archive_")


def test_models_and_migration_agree(runtime: Runtime) -> None:
    with runtime.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _ours, "compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_full_text_objects_exist(runtime: Runtime) -> None:
    inspector = inspect(runtime.engine)
    if runtime.engine.dialect.name == "postgresql":
        assert "search_vector" in {c["name"] for c in inspector.get_columns("archive_record")}
        assert "ix_archive_record_search" in {i["name"] for i in inspector.get_indexes("archive_record")}
    else:
        assert "archive_fts" in inspector.get_table_names()
