"""The official EN 16931 rule unit tests (VEFA testSets) for UBL, run against the native rule set."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from belegwerk.rules.en16931_ubl import RULESET
from vefa import check_case, load_testsets

pytestmark = pytest.mark.einvoice

UNIT_DIRS = ("en16931-examples/unit-tests/Invoice-unit-UBL", "en16931-examples/unit-tests/CreditNote-unit-UBL")


def _testset_files(corpus: Path) -> list[Path]:
    files: list[Path] = []
    for rel in UNIT_DIRS:
        folder = corpus / rel
        assert folder.is_dir(), f"corpus folder missing: {folder}"
        files.extend(sorted(folder.glob("*.xml")))
    return files


def test_all_ubl_unit_tests_pass_natively(corpus: Path) -> None:
    cases = load_testsets(_testset_files(corpus))
    # 277 testSet files with 1,131 tests at corpus commit b6c9e06a; a shrinking count means files went missing.
    assert len(cases) >= 1131
    problems = [p for case in cases for p in check_case(case, RULESET.evaluate)]
    assert not problems, f"{len(problems)} of {len(cases)} unit tests disagree:\n" + "\n".join(problems)


def test_rule_set_has_exactly_the_official_rules_and_flags(corpus: Path) -> None:
    """Same rule ids and flags as the official pack: no rule silently missing, none invented."""
    xslt = corpus / "rules/en16931/ubl/EN16931-UBL-validation.xslt"
    root = etree.parse(str(xslt)).getroot()
    official: dict[str, str] = {}
    for fa in root.iter("{http://purl.oclc.org/dsdl/svrl}failed-assert"):
        rid = fa.findtext("{http://www.w3.org/1999/XSL/Transform}attribute[@name='id']")
        flag = fa.findtext("{http://www.w3.org/1999/XSL/Transform}attribute[@name='flag']")
        assert rid and flag
        official[rid.strip()] = flag.strip()
    ours = {r.id: str(r.severity) for r in RULESET.rules()}
    assert set(ours) == set(official), (sorted(set(official) - set(ours)), sorted(set(ours) - set(official)))
    assert ours == official


def _example(corpus: Path) -> etree._Element:
    data = (corpus / "en16931-examples/ubl/examples/ubl-tc434-example1.xml").read_bytes()
    return etree.fromstring(data)


def test_ubl_cr_table_fires_for_elements_outside_en16931(corpus: Path) -> None:
    """UBL-CR rules fire once each, for a child of the root, a nested path, an attribute and a "//" path."""
    root = _example(corpus)
    assert not [f for f in RULESET.evaluate(root) if f.rule_id.startswith("UBL-CR")]
    cbc = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
    cac = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
    root.insert(3, etree.Element(f"{cbc}UUID"))  # UBL-CR-005
    line = root.find(f"{cac}InvoiceLine")
    assert line is not None
    etree.SubElement(line, f"{cac}SubInvoiceLine")  # UBL-CR-646
    root.find(f"{cbc}ID").set("schemeID", "x")  # type: ignore[union-attr]  # UBL-CR-650
    price = line.find(f"{cac}Price")
    assert price is not None
    ac = etree.SubElement(price, f"{cac}AllowanceCharge")
    etree.SubElement(ac, f"{cbc}MultiplierFactorNumeric").text = "1"  # UBL-CR-671 (anywhere) and UBL-CR-635
    fired = [f.rule_id for f in RULESET.evaluate(root) if f.rule_id.startswith("UBL-CR")]
    assert sorted(fired) == ["UBL-CR-005", "UBL-CR-635", "UBL-CR-646", "UBL-CR-650", "UBL-CR-671"]
