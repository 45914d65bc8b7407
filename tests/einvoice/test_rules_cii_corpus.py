"""EN 16931 CII rule set against the oracle (official rules run by Saxon) on every CII file of the corpus.

The oracle combines several packs (XSD, EN 16931, XRechnung with KoSIT's severity overrides).
Here only the ids of the EN 16931 CII pack are compared: ``BR-*`` (minus the German ``BR-DE*``,
``BR-DEX*`` and ``BR-TMP*`` rules) and ``CII-*``. Where KoSIT relevels an EN 16931 rule for a
scenario (``relevelled`` in the oracle), the same override is applied to our findings before the
comparison, because that override belongs to the scenario, not to the rule pack.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from belegwerk.rules.en16931_cii import RULESET
from belegwerk.rules.engine import Finding, Severity, relevel
from belegwerk.xml.safe import parse_xml

pytestmark = pytest.mark.einvoice

_LEVELS = {"fatal": Severity.FATAL, "error": Severity.FATAL, "warning": Severity.WARNING}


@dataclass(frozen=True)
class Verdict:
    file: str
    valid: bool
    fatal: frozenset[str]
    nonfatal: frozenset[str]
    relevelled: dict[str, Severity]


def _ours(rule_id: str) -> bool:
    if rule_id.startswith("CII-"):
        return True
    return rule_id.startswith("BR-") and not rule_id.startswith(("BR-DE", "BR-DEX", "BR-TMP"))


def _verdicts(corpus: Path) -> list[Verdict]:
    out = []
    for line in (corpus / "oracle-verdicts.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        if d["syntax"] != "cii":
            continue
        overrides = {
            rule: _LEVELS.get(change.split("->")[1], Severity.INFORMATION)
            for rule, change in (d.get("relevelled") or {}).items()
        }
        out.append(
            Verdict(
                d["file"],
                d["valid"],
                frozenset(r for r in d["fatal_rules"] if _ours(r)),
                frozenset(r for r in d["warning_rules"] if _ours(r)),
                overrides,
            )
        )
    return out


def _findings(corpus: Path, v: Verdict) -> list[Finding]:
    root = parse_xml((corpus / v.file).read_bytes())
    return relevel(RULESET.evaluate(root), v.relevelled)


@pytest.fixture(scope="module")
def results(corpus: Path) -> list[tuple[Verdict, list[Finding]]]:
    verdicts = _verdicts(corpus)
    assert len(verdicts) >= 200, "the corpus should hold about 208 CII instances"
    return [(v, _findings(corpus, v)) for v in verdicts]


def test_fatal_rule_ids_equal_the_oracle(results: list[tuple[Verdict, list[Finding]]]) -> None:
    mismatches = []
    for v, findings in results:
        fatal = {f.rule_id for f in findings if f.severity is Severity.FATAL}
        if fatal != v.fatal:
            mismatches.append(f"{v.file}: ours only {sorted(fatal - v.fatal)}, oracle only {sorted(v.fatal - fatal)}")
    assert mismatches == []


def test_no_fatal_finding_where_the_oracle_accepts(results: list[tuple[Verdict, list[Finding]]]) -> None:
    valid = [(v, f) for v, f in results if v.valid]
    assert len(valid) >= 100
    offenders = [
        (v.file, sorted({x.rule_id for x in f if x.severity is Severity.FATAL}))
        for v, f in valid
        if any(x.severity is Severity.FATAL for x in f)
    ]
    assert offenders == []


def test_corpus_contains_rejections_we_explain(results: list[tuple[Verdict, list[Finding]]]) -> None:
    """The comparison is not vacuous: some files fail EN 16931 rules and we name the same ids."""
    rejected = [v for v, _ in results if v.fatal]
    assert len(rejected) >= 20


def test_warnings_equal_the_oracle(results: list[tuple[Verdict, list[Finding]]]) -> None:
    """Non-fatal EN 16931 ids (warnings, and rules KoSIT lowers to information) match too."""
    mismatches = []
    for v, findings in results:
        nonfatal = {f.rule_id for f in findings if f.severity is not Severity.FATAL}
        if nonfatal != v.nonfatal:
            mismatches.append(
                f"{v.file}: ours only {sorted(nonfatal - v.nonfatal)}, oracle only {sorted(v.nonfatal - nonfatal)}"
            )
    assert mismatches == []
