"""The validation pipeline: syntax detection, scenario choice, XSD step, severity overrides, export."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from belegwerk.rules import schema
from belegwerk.rules.engine import Severity
from belegwerk.rules.scenarios import SCENARIOS, select
from belegwerk.rules.validate import validate_bytes, validate_path
from belegwerk.xml.safe import parse_xml

pytestmark = pytest.mark.einvoice

XR_INVOICE = "xrechnung-testsuite/technical-cases/cius/01.01_comprehensive_test_ubl.xml"
CEN_EXAMPLE = "en16931-examples/ubl/examples/ubl-tc434-example1.xml"


@pytest.fixture(autouse=True)
def _xsd_dir(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BELEGWERK_XSD_DIR", str(corpus / "rules/xsd"))


def _oracle(corpus: Path) -> dict[str, dict[str, object]]:
    lines = (corpus / "oracle-verdicts.jsonl").read_text(encoding="utf-8").splitlines()
    return {d["file"]: d for d in (json.loads(x) for x in lines if x.strip())}


def test_scenario_choice_matches_oracle_rulesets(corpus: Path) -> None:
    """XRechnung rule packs are chosen exactly for the files the oracle validated with them."""
    wrong = []
    for rel, row in _oracle(corpus).items():
        if row["syntax"] == "unparseable":
            continue
        sel = select(parse_xml((corpus / rel).read_bytes()), peppol=False)
        assert sel is not None, rel
        native_xr = any(m.startswith("xrechnung") for m in sel.modules)
        oracle_xr = any("xrechnung" in str(r) for r in row["rulesets"])  # type: ignore[union-attr]
        if native_xr != oracle_xr or (row.get("scenario") and row["scenario"] != sel.name):
            wrong.append(f"{rel}: native {sel.name} {sel.modules}, oracle {row.get('scenario')} {row['rulesets']}")
    assert not wrong, "\n".join(wrong)


def test_valid_cen_example_is_valid(corpus: Path) -> None:
    report = validate_path(corpus / CEN_EXAMPLE)
    assert report.readable and report.valid, report.fatal
    assert report.syntax == "ubl-invoice"
    assert "EN16931-UBL" in report.rulesets


def test_broken_total_is_reported_with_location(corpus: Path) -> None:
    data = (corpus / CEN_EXAMPLE).read_bytes()
    root = parse_xml(data)
    payable = root.find(".//{*}LegalMonetaryTotal/{*}PayableAmount")
    assert payable is not None and payable.text
    original = payable.text
    broken = data.replace(f">{original}</cbc:PayableAmount>".encode(), b">1.00</cbc:PayableAmount>")
    assert broken != data
    report = validate_bytes(broken, "broken.xml")
    assert not report.valid
    assert "BR-CO-16" in report.fatal
    finding = next(f for f in report.findings if f.rule_id == "BR-CO-16")
    assert finding.location.endswith("LegalMonetaryTotal")
    assert finding.severity is Severity.FATAL


def test_xsd_error_is_fatal_xsd_finding(corpus: Path) -> None:
    data = (
        (corpus / CEN_EXAMPLE).read_bytes().replace(b"<cbc:IssueDate>", b"<cbc:Bogus>x</cbc:Bogus><cbc:IssueDate>", 1)
    )
    report = validate_bytes(data)
    assert "XSD" in report.fatal
    assert not report.valid


@pytest.fixture
def _fresh_schema_lookup() -> Iterator[None]:
    schema._schema_path.cache_clear()
    yield
    schema._schema_path.cache_clear()


@pytest.mark.usefixtures("_fresh_schema_lookup")
def test_xsd_skipped_is_reported_not_silent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BELEGWERK_XSD_DIR", str(tmp_path))
    assert schema.schema_path("cii") is None
    monkeypatch.setattr(schema, "_facturx_dir", lambda: None)
    schema._schema_path.cache_clear()
    assert schema.schema_path("ubl-invoice") is None
    doc = b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'
    report = validate_bytes(doc)
    skipped = [f for f in report.findings if f.rule_id == "XSD-SKIPPED"]
    assert skipped and skipped[0].severity is Severity.INFORMATION


def test_ubl_schema_falls_back_to_facturx_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BELEGWERK_XSD_DIR", raising=False)
    path = schema.schema_path("ubl-creditnote")
    assert path is not None and "facturx" in str(path)
    assert schema.load_schema("ubl-creditnote") is schema.load_schema("ubl-creditnote")  # compiled once


def test_kosit_custom_level_is_applied(corpus: Path) -> None:
    """In the XRechnung CVD scenario an unknown item classification scheme (BR-CL-13) is only information."""
    rel = "xrechnung-testsuite/technical-cases/cvd/02.01a-cvd_INVOICE_ubl.xml"
    report = validate_path(corpus / rel)
    assert report.scenario == "EN16931 XRechnung CVD (UBL Invoice)"
    levels = {f.severity for f in report.findings if f.rule_id == "BR-CL-13"}
    assert levels == {Severity.INFORMATION}
    assert "BR-CL-13" not in report.fatal


def test_scenarios_table_is_consistent() -> None:
    names = [s.name for s in SCENARIOS]
    assert len(names) == len(set(names))
    for s in SCENARIOS:
        assert s.modules[0].startswith("en16931_"), s.name


def test_not_an_invoice_is_readable_but_invalid() -> None:
    report = validate_bytes(b"<html><body>hello</body></html>")
    assert report.readable
    assert not report.valid
    assert report.fatal == ["UNSUPPORTED-DOCUMENT"]


def test_report_exports(corpus: Path) -> None:
    report = validate_bytes(
        (corpus / CEN_EXAMPLE).read_bytes().replace(b"<cbc:IssueDate>", b"<cbc:Bogus/><cbc:IssueDate>", 1), "a<b>.xml"
    )
    data = json.loads(report.to_json())
    assert data["valid"] is False and "XSD" in data["fatal"]
    assert data["findings"][0]["rule_id"]
    html = report.to_html()
    assert "a&lt;b&gt;.xml" in html and "<b>.xml" not in html
    assert "XSD" in html and "invalid" in html.lower()


def test_peppol_documents_get_the_peppol_pack(corpus: Path) -> None:
    rel = "peppol-bis/billing/examples/base-example.xml"
    root = parse_xml((corpus / rel).read_bytes())
    with_peppol = select(root)
    assert with_peppol is not None and with_peppol.modules == ("en16931_ubl", "peppol_ubl")
    assert with_peppol.name == "Peppol BIS Billing 3.0 (UBL Invoice)"
    kosit = select(root, peppol=False)
    assert kosit is not None and kosit.modules == ("en16931_ubl",) and kosit.name is None


def test_schema_runs_in_threads_keep_their_own_errors(corpus: Path) -> None:
    """Threads validating against one compiled schema each get the errors of their own document:
    a valid document checked meanwhile must not empty an invalid one's error list."""
    valid = parse_xml((corpus / CEN_EXAMPLE).read_bytes())
    invalid = parse_xml((corpus / CEN_EXAMPLE).read_bytes())
    invalid.insert(0, invalid.makeelement("{urn:example:not-ubl}Intruder"))
    assert schema.validate_schema(valid, "ubl-invoice") == []
    expected = schema.validate_schema(invalid, "ubl-invoice")
    assert expected and all(f.severity is Severity.FATAL for f in expected)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            got = list(
                pool.map(lambda i: (i % 2, schema.validate_schema((valid, invalid)[i % 2], "ubl-invoice")), range(4000))
            )
    finally:
        sys.setswitchinterval(switch)
    assert [findings for odd, findings in got if odd] == [expected] * 2000
    assert [findings for odd, findings in got if not odd] == [[]] * 2000
