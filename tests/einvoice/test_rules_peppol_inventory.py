"""Our four packs contain exactly the assertions of the official Schematron files, with their flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from belegwerk.rules import peppol_cii, peppol_ubl, xrechnung_cii, xrechnung_ubl
from belegwerk.rules.engine import RuleSet
from belegwerk.xml.safe import parse_xml

pytestmark = pytest.mark.einvoice

_SCH = "{http://purl.oclc.org/dsdl/schematron}"
_PACKS = [
    (xrechnung_ubl.RULESET, "rules/xrechnung/ubl/XRechnung-UBL-validation.sch", 76),
    (xrechnung_cii.RULESET, "rules/xrechnung/cii/XRechnung-CII-validation.sch", 71),
    (peppol_ubl.RULESET, "rules/peppol-bis-billing/sch/PEPPOL-EN16931-UBL.sch", 156),
    (peppol_cii.RULESET, "rules/peppol-bis-billing/sch/PEPPOL-EN16931-CII.sch", 84),
]


def _official(path: Path) -> dict[str, set[str]]:
    root = parse_xml(path.read_bytes())
    out: dict[str, set[str]] = {}
    for a in root.iter(f"{_SCH}assert"):
        out.setdefault(a.get("id", ""), set()).add(a.get("flag", ""))
    return out


@pytest.mark.parametrize(("ruleset", "sch", "count"), _PACKS, ids=[p[1].rsplit("/", 1)[1] for p in _PACKS])
def test_rule_ids_and_flags_match_the_pack(corpus: Path, ruleset: RuleSet, sch: str, count: int) -> None:
    ours: dict[str, set[str]] = {}
    for rule in ruleset.rules():
        ours.setdefault(rule.id, set()).add(rule.severity.value)
    assert ours == _official(corpus / sch)
    assert len(ours) == count
