"""Shared test fixtures: the reference corpus and the project paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def corpus_dir() -> Path | None:
    """The shared reference corpus, or None when BELEGWERK_CORPUS is unset.

    With the variable set, a missing directory is an error, not a reason to skip.
    """
    value = os.environ.get("BELEGWERK_CORPUS")
    if not value:
        return None
    path = Path(value)
    if not path.is_absolute():
        path = (ROOT / path).resolve()
    if not path.is_dir():
        raise RuntimeError(f"BELEGWERK_CORPUS={value} is set but {path} is not a directory")
    return path


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The corpus directory; skips only when BELEGWERK_CORPUS is not set at all."""
    path = corpus_dir()
    if path is None:
        pytest.skip("BELEGWERK_CORPUS is not set")
    return path


def corpus_file(corpus: Path, relative: str) -> Path:
    """A file of the corpus that must exist."""
    path = corpus / relative
    if not path.exists():
        raise FileNotFoundError(f"corpus file missing: {path}")
    return path
