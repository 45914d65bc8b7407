"""The official Schematron packs as a second opinion (saxonche), in the same report format."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from belegwerk.cli import app
from belegwerk.rules.engine import Severity
from belegwerk.rules.official import OfficialPackError, OfficialRunner, discover, parse_svrl
from belegwerk.rules.validate import validate_bytes

pytestmark = pytest.mark.einvoice

CASES = [
    "xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_ubl.xml",
    "xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_uncefact.xml",
    "en16931-examples/cii/examples/CII_example1.xml",
    "xrechnung-testsuite/schematron-unit-tests/ubl-inv/ubl-inv-br-de-18-wrong-whitespace.xml",
    "xrechnung-testsuite/schematron-unit-tests/cii/cii-br-de-23-test-bg-17-with-bg-18.xml",
]


@pytest.fixture(scope="module")
def packs(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pack directory as an admin would lay it out: CEN EN 16931 + KoSIT XRechnung stylesheets."""
    directory = tmp_path_factory.mktemp("packs")
    (directory / "en16931").symlink_to(corpus / "rules/en16931")
    (directory / "xrechnung").symlink_to(corpus / "rules/xrechnung")
    return directory


@pytest.fixture(scope="module")
def runner(packs: Path) -> OfficialRunner:
    return OfficialRunner(packs)


@pytest.fixture(scope="module")
def peppol_packs(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Peppol BIS Billing rules as OpenPeppol publishes them: Schematron source only."""
    directory = tmp_path_factory.mktemp("peppol-packs")
    (directory / "peppol-bis-billing").symlink_to(corpus / "rules/peppol-bis-billing")
    return directory


def test_official_peppol_rules_agree_with_the_native_packs(corpus: Path, peppol_packs: Path) -> None:
    """The published Peppol BIS schematron (compiled by belegwerk.rules.schematron, run by Saxon)
    finds on every Peppol document of the corpus the same rules, as often and as severe, as the
    native Peppol packs (the oracle of the corpus ran Peppol documents against EN 16931 only)."""
    runner = OfficialRunner(peppol_packs)
    rows = [json.loads(line) for line in (corpus / "oracle-verdicts.jsonl").read_text().splitlines()]
    compared = with_findings = 0
    differing: list[str] = []
    for row in rows:
        data = (corpus / row["file"]).read_bytes()
        report = validate_bytes(data, xsd=False)
        if not any(name.startswith("Peppol") for name in report.rulesets):
            continue
        official = runner.findings(data)
        assert official is not None, row["file"]
        native = Counter((f.rule_id, f.severity) for f in report.findings if f.ruleset.startswith("Peppol"))
        theirs = Counter((f.rule_id, f.severity) for f in official)
        compared += 1
        with_findings += bool(theirs)
        if native != theirs:
            differing.append(f"{row['file']}: official only {theirs - native}, native only {native - theirs}")
    assert not differing, "\n".join(differing)
    assert compared >= 50 and with_findings >= 5, (compared, with_findings)


def test_discovery_classifies_stylesheets(packs: Path, peppol_packs: Path) -> None:
    sheets = {(s.path.name, s.syntax, s.scenario) for s in discover(packs)}
    assert ("EN16931-UBL-validation.xslt", "ubl", None) in sheets
    assert ("XRechnung-CII-validation.xsl", "cii", "xrechnung") in sheets
    schemas = {(s.path.name, s.syntax, s.scenario, s.is_schematron) for s in discover(peppol_packs)}
    assert schemas == {
        ("PEPPOL-EN16931-UBL.sch", "ubl", "peppol", True),
        ("PEPPOL-EN16931-CII.sch", "cii", "peppol", True),
    }
    with pytest.raises(OfficialPackError, match="no UBL or CII stylesheet"):
        discover(Path(__file__).parent)


@pytest.mark.parametrize("relative", CASES)
def test_native_and_official_agree(corpus: Path, runner: OfficialRunner, relative: str) -> None:
    data = (corpus / relative).read_bytes()
    report = validate_bytes(data, relative)
    report.official = runner.findings(data)
    assert report.official is not None
    assert report.agrees_with_official, (report.fatal, report.official_fatal)
    assert report.to_dict()["official"]["agrees"] is True


def test_disagreement_is_visible(corpus: Path, runner: OfficialRunner) -> None:
    data = (corpus / CASES[3]).read_bytes()
    report = validate_bytes(data)
    report.official = [f for f in runner.findings(data) or [] if f.rule_id != "BR-DE-18"]
    assert report.fatal == ["BR-DE-18"] and report.agrees_with_official is False


def test_svrl_flags_become_severities() -> None:
    svrl = b"""<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
      <svrl:failed-assert id="R1" flag="fatal" location="/a"><svrl:text>one</svrl:text></svrl:failed-assert>
      <svrl:failed-assert id="R2" flag="warning" location="/b"><svrl:text>two</svrl:text></svrl:failed-assert>
      <svrl:successful-report id="R3" location="/c"><svrl:text>three</svrl:text></svrl:successful-report>
    </svrl:schematron-output>"""
    found = parse_svrl(svrl, "official:x")
    assert [(f.rule_id, f.severity, f.location) for f in found] == [
        ("R1", Severity.FATAL, "/a"),
        ("R2", Severity.WARNING, "/b"),
        ("R3", Severity.FATAL, "/c"),
    ]


def test_cli_reports_the_second_opinion(corpus: Path, packs: Path) -> None:
    result = CliRunner().invoke(
        app, ["einvoice", "validate", "--json", "--official", str(packs), str(corpus / CASES[0])]
    )
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.strip().splitlines()[0])
    assert line["valid"] is True and line["official_fatal"] == [] and line["agrees"] is True
