"""XRechnung schematron unit tests (KoSIT identity instances) against the native XRechnung packs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from belegwerk.rules import xrechnung_cii, xrechnung_ubl
from belegwerk.rules.engine import RuleSet
from belegwerk.xml.safe import parse_xml
from support import corpus_dir

pytestmark = pytest.mark.einvoice

_BASE = "xrechnung-testsuite/schematron-unit-tests"


def _cases() -> list[tuple[str, list[str], list[str]]]:
    root = corpus_dir()
    if root is None:
        return []
    data = json.loads((root / _BASE / "expected-identity.json").read_text(encoding="utf-8"))
    return [(name, v["expect_fired"], v["expect_not_fired"]) for name, v in sorted(data["files"].items())]


def _ruleset(name: str) -> RuleSet:
    return xrechnung_cii.RULESET if name.startswith("cii/") else xrechnung_ubl.RULESET


@pytest.mark.parametrize(("name", "fired", "not_fired"), _cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_identity_expectation(corpus: Path, name: str, fired: list[str], not_fired: list[str]) -> None:
    doc = parse_xml((corpus / _BASE / name).read_bytes())
    got = {f.rule_id for f in _ruleset(name).evaluate(doc)}
    assert not [r for r in fired if r not in got], f"expected to fire: {fired}, got {sorted(got)}"
    assert not [r for r in not_fired if r in got], f"must not fire: {not_fired}, got {sorted(got)}"


def test_identity_cases_present(corpus: Path) -> None:
    assert len(_cases()) == 326
