"""Native verdicts against the official validator's verdicts (``oracle-verdicts.jsonl``).

For every instance in the corpus the native validator must reach the same verdict and the same
set of fatal rule ids as the official XSD + Schematron run. The first test is the issue's
acceptance criterion over all files; the second pins the part this module owns (XSD + EN 16931 on
UBL) so a regression there is visible even while other rule packs are still being written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from belegwerk.rules.en16931_ubl import RULESET as EN16931_UBL
from belegwerk.rules.engine import Severity
from belegwerk.rules.validate import validate_path

pytestmark = pytest.mark.einvoice


@pytest.fixture(autouse=True)
def _official_schemas(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The oracle validated against the corpus's XSDs (UBL 2.1, CII D16B); so do we."""
    monkeypatch.setenv("BELEGWERK_XSD_DIR", str(corpus / "rules/xsd"))


@dataclass(frozen=True)
class OracleRow:
    file: str
    syntax: str
    valid: bool
    fatal: frozenset[str]


def _rows(corpus: Path) -> list[OracleRow]:
    path = corpus / "oracle-verdicts.jsonl"
    assert path.is_file(), f"oracle file missing: {path}"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            rows.append(OracleRow(d["file"], d["syntax"], bool(d["valid"]), frozenset(d["fatal_rules"])))
    return rows


def _disagreements(corpus: Path, rows: list[OracleRow], scope: frozenset[str] | None) -> list[str]:
    out: list[str] = []
    for row in rows:
        # The oracle runs the KoSIT configuration, which validates Peppol BIS documents against
        # EN 16931 only; compare like with like.
        report = validate_path(corpus / row.file, peppol=False)
        native = frozenset(report.fatal)
        oracle = row.fatal
        if scope is not None:
            native, oracle = native & scope, oracle & scope
            same = native == oracle
        else:
            same = native == oracle and report.valid == row.valid
        if not same:
            extra = ",".join(sorted(native - oracle)) or "-"
            missing = ",".join(sorted(oracle - native)) or "-"
            out.append(f"{row.file}: native valid={report.valid} extra={extra} missing={missing}")
    return out


def test_native_verdicts_equal_oracle_on_every_file(corpus: Path) -> None:
    rows = _rows(corpus)
    problems = _disagreements(corpus, rows, None)
    assert not problems, f"{len(problems)} of {len(rows)} files disagree with the oracle:\n" + "\n".join(problems)


def test_ubl_xsd_and_en16931_part_equals_oracle(corpus: Path) -> None:
    rows = [r for r in _rows(corpus) if r.syntax in ("ubl-invoice", "ubl-creditnote", "unparseable")]
    assert len(rows) >= 360
    scope = frozenset({r.id for r in EN16931_UBL.rules()} | {"XSD", "XML-PARSE"})
    problems = _disagreements(corpus, rows, scope)
    assert not problems, f"{len(problems)} of {len(rows)} UBL files disagree on XSD/EN 16931:\n" + "\n".join(problems)


def test_ubl_en16931_warnings_equal_oracle(corpus: Path) -> None:
    """Non-fatal findings agree too (the oracle lists warnings and relevelled information together)."""
    scope = frozenset(r.id for r in EN16931_UBL.rules())
    lines = (corpus / "oracle-verdicts.jsonl").read_text(encoding="utf-8").splitlines()
    problems = []
    for d in (json.loads(x) for x in lines if x.strip()):
        if d["syntax"] not in ("ubl-invoice", "ubl-creditnote"):
            continue
        report = validate_path(corpus / d["file"], peppol=False)
        native = {f.rule_id for f in report.findings if f.severity is not Severity.FATAL} & scope
        oracle = set(d.get("warning_rules", [])) & scope
        if native != oracle:
            problems.append(f"{d['file']}: extra={sorted(native - oracle)} missing={sorted(oracle - native)}")
    assert not problems, "\n".join(problems)
