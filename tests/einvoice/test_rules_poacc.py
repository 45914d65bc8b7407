"""Peppol BIS post-award (POACC) rules against the official VEFA unit tests and examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from belegwerk.rules.engine import Finding, Severity
from belegwerk.rules.poacc import RULESETS, ruleset_for, transaction_of
from belegwerk.xml.safe import parse_xml
from vefa import VefaCase, check_case, load_testsets

pytestmark = pytest.mark.einvoice

POACC = "peppol-bis/poacc"
_CONFIG = re.compile(r"^peppolbis-(t\d+)-base-3\.0$")


def _corpus() -> Path | None:
    from support import corpus_dir

    base = corpus_dir()
    return None if base is None else base / POACC


def _cases() -> list[VefaCase]:
    base = _corpus()
    if base is None:
        return []
    files = sorted(base.glob("unit-tests/unit-*/*.xml"))
    if not files:
        raise FileNotFoundError(f"no POACC unit tests under {base}")
    return load_testsets(files)


def _documents() -> list[Path]:
    base = _corpus()
    if base is None:
        return []
    files = sorted([*base.glob("examples/**/*.xml"), *base.glob("snippets/**/*.xml")])
    if not files:
        raise FileNotFoundError(f"no POACC examples under {base}")
    return files


CASES = _cases()
DOCUMENTS = _documents()


def _transaction(case: VefaCase) -> str:
    """The rule set a testSet is written for: the ``configuration`` attribute names it; the
    common testSets (all configured as T01) apply to the transaction of their root element."""
    if case.file.parent.name == "unit-common":
        tid = transaction_of(case.document)
        assert tid is not None, f"{case.name}: no POACC transaction for the root element"
        return tid
    m = _CONFIG.match(case.configuration)
    assert m, f"{case.name}: unexpected configuration {case.configuration!r}"
    return m.group(1).upper()


#: Official unit tests whose expectation contradicts the official rule they test, as published.
#: Each entry names the case and why it cannot pass against a faithful implementation.
KNOWN_DISAGREEMENTS: dict[str, str] = {}


@pytest.mark.skipif(not CASES, reason="BELEGWERK_CORPUS is not set")
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_poacc_unit_case(case: VefaCase) -> None:
    if case.name in KNOWN_DISAGREEMENTS:
        pytest.xfail(KNOWN_DISAGREEMENTS[case.name])
    ruleset = RULESETS[_transaction(case)]
    problems = check_case(case, ruleset.evaluate)
    assert not problems, "\n".join(problems)


def test_unit_case_count() -> None:
    """All 151 testSet files are read (guards against a silently empty parametrisation)."""
    base = _corpus()
    if base is None:
        pytest.skip("BELEGWERK_CORPUS is not set")
    assert len({c.file for c in CASES}) == 151


def _fatal(findings: list[Finding]) -> list[str]:
    return [f"{f.rule_id} at {f.location}: {f.message}" for f in findings if f.severity is Severity.FATAL]


@pytest.mark.skipif(not DOCUMENTS, reason="BELEGWERK_CORPUS is not set")
@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_poacc_examples_have_no_fatal_finding(path: Path) -> None:
    root = parse_xml(path.read_bytes())
    ruleset = ruleset_for(root)
    assert ruleset is not None, f"{path.name}: no POACC rule set chosen"
    assert _fatal(ruleset.evaluate(root)) == []


def test_ruleset_for_picks_transaction_by_customization() -> None:
    cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

    def doc(root: str, namespace: str, spec: str) -> etree._Element:
        return etree.fromstring(
            f'<{root} xmlns="{namespace}" xmlns:cbc="{cbc}"><cbc:CustomizationID>{spec}</cbc:CustomizationID></{root}>'
        )

    response = "urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2"
    catalogue = "urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"
    application = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
    trns = "urn:fdc:peppol.eu:poacc:trns:"
    assert ruleset_for(doc("OrderResponse", response, f"{trns}order_response:3")) is RULESETS["T76"]
    assert ruleset_for(doc("OrderResponse", response, f"{trns}order_response_advanced:3")) is RULESETS["T116"]
    assert ruleset_for(doc("OrderResponse", response, f"{trns}order_agreement:3")) is RULESETS["T110"]
    assert ruleset_for(doc("Catalogue", catalogue, f"{trns}catalogue:3")) is RULESETS["T19"]
    assert ruleset_for(doc("Catalogue", catalogue, f"{trns}punch_out:3")) is RULESETS["T77"]
    assert ruleset_for(doc("ApplicationResponse", application, f"{trns}invoice_response:3")) is RULESETS["T111"]
    assert ruleset_for(doc("ApplicationResponse", application, f"{trns}mlr:3")) is RULESETS["T71"]
    assert ruleset_for(doc("ApplicationResponse", application, f"{trns}catalogue_response:3")) is RULESETS["T58"]
    assert ruleset_for(doc("ApplicationResponse", application, "urn:example:other")) is None
    order = "urn:oasis:names:specification:ubl:schema:xsd:Order-2"
    assert ruleset_for(doc("Order", order, f"{trns}order:3")) is RULESETS["T01"]
    assert ruleset_for(doc("Order", order, "urn:www.cenbii.eu:transaction:biitrns001:ver2.0")) is None
    assert (
        ruleset_for(etree.fromstring("<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>"))
        is None
    )
