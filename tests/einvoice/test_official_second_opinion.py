"""The official Schematron packs as a second opinion (saxonche), in the same report format."""

from __future__ import annotations

import json
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


def test_discovery_classifies_stylesheets(packs: Path) -> None:
    sheets = {(s.path.name, s.syntax, s.xrechnung_only) for s in discover(packs)}
    assert ("EN16931-UBL-validation.xslt", "ubl", False) in sheets
    assert ("XRechnung-CII-validation.xsl", "cii", True) in sheets
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
