"""EN 16931 CII rule set: official unit tests and the rule inventory against the official pack."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from belegwerk.rules.en16931_cii import RULESET
from vefa import VefaCase, check_case, load_testsets

pytestmark = pytest.mark.einvoice

UNIT_DIR = "en16931-examples/unit-tests/cii"
OFFICIAL_XSLT = "rules/en16931/cii/EN16931-CII-validation.xslt"


def _cases(corpus: Path) -> list[VefaCase]:
    paths = sorted((corpus / UNIT_DIR).glob("*.xml"))
    assert paths, f"no CII unit tests in {corpus / UNIT_DIR}"
    return load_testsets(paths)


def test_official_cii_unit_tests_pass(corpus: Path) -> None:
    cases = _cases(corpus)
    assert len(cases) >= 9
    problems = [p for case in cases for p in check_case(case, RULESET.evaluate)]
    assert problems == []


def test_unit_tests_exercise_both_outcomes(corpus: Path) -> None:
    """The unit tests must contain both must-fire and must-not-fire expectations we pass."""
    kinds = Counter(exp.kind for case in _cases(corpus) for exp in case.expectations)
    assert kinds["success"] > 0
    assert kinds["error"] + kinds["fatal"] + kinds["warning"] > 0


def _official_asserts(corpus: Path) -> Counter[tuple[str, str]]:
    xslt = etree.parse(str(corpus / OFFICIAL_XSLT), etree.XMLParser(resolve_entities=False, no_network=True))
    svrl = "http://purl.oclc.org/dsdl/svrl"
    xsl = "http://www.w3.org/1999/XSL/Transform"
    out: Counter[tuple[str, str]] = Counter()
    for fa in xslt.iter(f"{{{svrl}}}failed-assert"):
        attrs = {a.get("name"): (a.text or "").strip() for a in fa.iterfind(f"{{{xsl}}}attribute")}
        out[(attrs["id"], attrs["flag"])] += 1
    return out


def test_every_official_assert_is_implemented_with_its_severity(corpus: Path) -> None:
    official = _official_asserts(corpus)
    ours = Counter((r.id, r.severity.value) for r in RULESET.rules())
    assert sum(official.values()) == 806
    assert ours == official


def test_rules_have_own_messages() -> None:
    rules = list(RULESET.rules())
    assert all(r.message and not r.message.startswith("[") for r in rules)
