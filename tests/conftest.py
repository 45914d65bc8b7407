"""Shared test fixtures: the reference corpus and the databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from appworld import client, world  # noqa: F401  (shared fixtures)
from dbfixtures import db_url, pg_server, runtime, settings  # noqa: F401
from support import corpus_dir


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The corpus directory; skips only when BELEGWERK_CORPUS is not set at all."""
    path = corpus_dir()
    if path is None:
        pytest.skip("BELEGWERK_CORPUS is not set")
    return path
