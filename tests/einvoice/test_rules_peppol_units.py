"""Peppol BIS Billing 3.0 rule unit tests (VEFA testSets) against the native Peppol packs."""

from __future__ import annotations

from pathlib import Path

import pytest

from belegwerk.rules import peppol_cii, peppol_ubl
from support import corpus_dir
from vefa import VefaCase, check_case, load_testsets

pytestmark = pytest.mark.einvoice

_BASE = "peppol-bis/billing/unit-tests"
_COUNTRIES = ("PEPPOL", "DE", "DK", "GR", "IT", "NL", "NO", "SE")


def _cases(syntax: str) -> list[VefaCase]:
    root = corpus_dir()
    if root is None:
        return []
    files: list[Path] = []
    for country in _COUNTRIES:
        folder = root / _BASE / f"unit-{syntax}-{country}"
        if folder.is_dir():
            files.extend(folder.glob("*.xml"))
    return load_testsets(files)


@pytest.mark.parametrize("case", _cases("UBL"), ids=lambda c: c.name)
def test_ubl_unit(case: VefaCase) -> None:
    assert check_case(case, peppol_ubl.RULESET.evaluate) == []


@pytest.mark.parametrize("case", _cases("CII"), ids=lambda c: c.name)
def test_cii_unit(case: VefaCase) -> None:
    assert check_case(case, peppol_cii.RULESET.evaluate) == []


def test_unit_sets_present(corpus: Path) -> None:
    assert len(_cases("UBL")) > 0
    assert len(_cases("CII")) > 0
