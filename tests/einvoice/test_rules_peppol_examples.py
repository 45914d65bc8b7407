"""The official Peppol BIS Billing examples and snippets pass the native Peppol packs."""

from __future__ import annotations

from pathlib import Path

import pytest

from belegwerk.rules import peppol_cii, peppol_ubl
from belegwerk.rules.engine import Severity
from belegwerk.xml.ns import CII_RSM
from belegwerk.xml.safe import parse_xml
from support import corpus_dir

pytestmark = pytest.mark.einvoice

_BASE = "peppol-bis/billing"


def _files() -> list[str]:
    root = corpus_dir()
    if root is None:
        return []
    base = root / _BASE
    found = [*base.glob("examples/*.xml"), *base.glob("national-examples/*/*.xml"), *base.glob("snippets/*.xml")]
    return sorted(str(p.relative_to(base)) for p in found)


@pytest.mark.parametrize("name", _files())
def test_example_has_no_fatal_peppol_finding(corpus: Path, name: str) -> None:
    doc = parse_xml((corpus / _BASE / name).read_bytes())
    ruleset = peppol_cii.RULESET if doc.tag == f"{{{CII_RSM}}}CrossIndustryInvoice" else peppol_ubl.RULESET
    fatal = [f for f in ruleset.evaluate(doc) if f.severity is Severity.FATAL]
    assert fatal == []


def test_greek_examples_get_their_known_warnings(corpus: Path) -> None:
    """The two Greek national examples lack the invoice URL / a single EL VAT id: warnings, not errors."""
    base = corpus / _BASE / "national-examples" / "GR"
    got = {
        p.name: {
            f.rule_id for f in peppol_ubl.RULESET.evaluate(parse_xml(p.read_bytes())) if f.severity is Severity.WARNING
        }
        for p in sorted(base.glob("*.xml"))
    }
    assert got == {"GR-base-example-TaxRepresentative.xml": {"GR-S-011"}, "GR-base-example-correct.xml": {"GR-S-008-1"}}


def test_examples_present(corpus: Path) -> None:
    assert len(_files()) == 27
