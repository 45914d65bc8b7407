"""Field accuracy on the invoice2data comparison set (real vendor PDFs and PNGs with expected JSON).

The expected values came from invoice2data's per-vendor templates; we extract without templates and
compare normalised values. Each key field must be right on at least 90 % of the files that have it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from belegwerk.capture.evaluate import KEY_FIELDS, AccuracyTable, invoice2data_truth
from belegwerk.capture.pipeline import capture_file

pytestmark = pytest.mark.capture

SUFFIXES = (".pdf", ".png")


def _documents(corpus: Path) -> list[tuple[Path, dict[str, object]]]:
    folder = corpus / "invoice2data" / "compare"
    if not folder.is_dir():
        raise FileNotFoundError(f"corpus folder missing: {folder}")
    docs = []
    for expected in sorted(folder.glob("*.json")):
        truth = json.loads(expected.read_text(encoding="utf-8"))[0]
        for suffix in SUFFIXES:
            doc = expected.with_suffix(suffix)
            if doc.exists():
                docs.append((doc, truth))
    return docs


@pytest.fixture(scope="module")
def table(corpus: Path) -> AccuracyTable:
    result = AccuracyTable()
    for doc, expected in _documents(corpus):
        result.add(doc.name, invoice2data_truth(expected), capture_file(doc))
    return result


def test_corpus_has_pdfs_and_pngs(corpus: Path) -> None:
    docs = _documents(corpus)
    assert sum(1 for d, _ in docs if d.suffix == ".pdf") == 11
    assert sum(1 for d, _ in docs if d.suffix == ".png") == 4


@pytest.mark.slow
@pytest.mark.parametrize("key", KEY_FIELDS)
def test_key_field_accuracy(table: AccuracyTable, key: str) -> None:
    print("\n" + table.render("invoice2data compare set"))
    if table.total.get(key, 0) == 0:
        pytest.skip(f"no file in the set has {key}")
    misses = [m for m in table.misses if f" {key}:" in m]
    assert table.accuracy(key) >= 0.9, "\n".join(misses)
