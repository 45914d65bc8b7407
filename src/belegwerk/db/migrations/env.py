"""Alembic environment: runs against the connection handed over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from belegwerk.db import models  # noqa: F401  (registers the tables on the metadata)
from belegwerk.db.base import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
