"""Agreement of the native XRechnung packs with the official verdicts on the whole corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from belegwerk.rules import xrechnung_cii, xrechnung_ubl
from belegwerk.rules.engine import Severity
from belegwerk.xml.safe import parse_xml
from support import corpus_dir

pytestmark = pytest.mark.einvoice

PREFIXES = ("BR-DE", "BR-TMP", "PEPPOL-")  # BR-DEX and BR-DE-CVD are covered by "BR-DE"


def _mine(rule_id: str) -> bool:
    return rule_id.startswith(PREFIXES)


def _oracle() -> list[dict[str, object]]:
    root = corpus_dir()
    if root is None:
        return []
    lines = (root / "oracle-verdicts.jsonl").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        rec = json.loads(line)
        if any("xrechnung/" in r for r in rec.get("rulesets", [])):
            out.append(rec)
    return out


@pytest.mark.parametrize("rec", _oracle(), ids=lambda r: str(r["file"]))
def test_fatal_ids_agree(corpus: Path, rec: dict[str, object]) -> None:
    doc = parse_xml((corpus / str(rec["file"])).read_bytes())
    ruleset = xrechnung_cii.RULESET if rec["syntax"] == "cii" else xrechnung_ubl.RULESET
    fatal = {f.rule_id for f in ruleset.evaluate(doc) if f.severity is Severity.FATAL}
    expected = {r for r in rec["fatal_rules"] if _mine(r)}  # type: ignore[attr-defined]
    assert fatal == expected
    if rec["valid"]:
        assert not fatal


def test_oracle_has_xrechnung_documents(corpus: Path) -> None:
    assert len(_oracle()) == 483
