"""Helpers shared by tests (import as ``from support import ...``)."""

from __future__ import annotations

import os
from pathlib import Path

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


def corpus_file(corpus: Path, relative: str) -> Path:
    """A file of the corpus that must exist."""
    path = corpus / relative
    if not path.exists():
        raise FileNotFoundError(f"corpus file missing: {path}")
    return path


def corpus_xml_files(corpus: Path) -> list[Path]:
    """Every XML file of the corpus, in a fixed (sorted) order."""
    return sorted(p for p in corpus.rglob("*.xml") if p.is_file())


def cli_env(**extra: str) -> dict[str, str]:
    """Environment for running ``python -m belegwerk`` in a subprocess from the source tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BELEGWERK_") or k == "BELEGWERK_CORPUS"}
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env
