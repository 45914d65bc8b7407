"""The ``validate`` command: human and JSON output, directories, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from belegwerk.rules import cli
from belegwerk.rules.cli import validate

pytestmark = pytest.mark.einvoice

VALID = "en16931-examples/ubl/examples/ubl-tc434-example1.xml"
VALID_CN = "en16931-examples/ubl/examples/ubl-tc434-creditnote1.xml"


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    app.command()(validate)
    return app


@pytest.fixture(autouse=True)
def _xsd(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BELEGWERK_XSD_DIR", str(corpus / "rules/xsd"))


def _invalid(tmp_path: Path, corpus: Path) -> Path:
    data = (corpus / VALID).read_bytes().replace(b"<cbc:IssueDate>", b"<cbc:IssueDate> ", 1)
    data = data.replace(b"<cbc:DocumentCurrencyCode>EUR", b"<cbc:DocumentCurrencyCode>XYZ", 1)
    target = tmp_path / "invalid.xml"
    target.write_bytes(data)
    return target


def test_valid_file_exits_zero(app: typer.Typer, corpus: Path) -> None:
    result = CliRunner().invoke(app, [str(corpus / VALID)])
    assert result.exit_code == 0, result.output
    assert "VALID" in result.output


def test_json_lines_for_a_directory(app: typer.Typer, corpus: Path, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    shutil.copy(corpus / VALID, tmp_path / "sub" / "a.xml")
    shutil.copy(corpus / VALID_CN, tmp_path / "b.xml")
    bad = _invalid(tmp_path, corpus)
    (tmp_path / "notes.txt").write_text("ignored")
    result = CliRunner().invoke(app, [str(tmp_path), "--json"])
    assert result.exit_code == 1, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.strip()]
    by_file = {Path(x["file"]).name: x for x in lines}
    assert set(by_file) == {"a.xml", "b.xml", "invalid.xml"}
    assert by_file["a.xml"]["valid"] is True and by_file["a.xml"]["fatal"] == []
    assert by_file["invalid.xml"]["valid"] is False
    assert "BR-CL-04" in by_file["invalid.xml"]["fatal"]
    assert isinstance(by_file["a.xml"]["warnings"], list)
    assert bad.exists()


def test_human_output_lists_rules(app: typer.Typer, corpus: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [str(_invalid(tmp_path, corpus))])
    assert result.exit_code == 1
    assert "INVALID" in result.output and "BR-CL-04" in result.output


def test_unreadable_wins_exit_code_two(app: typer.Typer, corpus: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"not xml at all")
    result = CliRunner().invoke(app, [str(_invalid(tmp_path, corpus)), str(junk), "--json"])
    assert result.exit_code == 2
    rows = [json.loads(x) for x in result.stdout.splitlines() if x.strip()]
    junk_row = next(r for r in rows if r["file"].endswith("junk.xml"))
    assert junk_row["readable"] is False and junk_row["fatal"] == ["XML-PARSE"]


def test_pdfs_are_skipped_without_extractor(app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_pdf_extractor", lambda: None)
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7\n")
    result = CliRunner().invoke(app, [str(tmp_path), "--json"])
    assert result.exit_code == 0
    assert result.stdout.strip() == ""
    explicit = CliRunner().invoke(app, [str(tmp_path / "scan.pdf")])
    assert explicit.exit_code == 0 and "skipped" in explicit.output


def test_pdfs_go_through_the_extractor(
    app: typer.Typer, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xml = (corpus / VALID).read_bytes()
    seen: list[bytes] = []

    def extract(pdf: bytes) -> bytes | None:
        seen.append(pdf)
        return xml if pdf.startswith(b"%PDF-1.7 facturx") else None

    monkeypatch.setattr(cli, "_pdf_extractor", lambda: extract)
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.7 facturx")
    (tmp_path / "b.pdf").write_bytes(b"%PDF-1.7 plain")
    result = CliRunner().invoke(app, [str(tmp_path), "--json"])
    rows = {Path(r["file"]).name: r for r in (json.loads(x) for x in result.stdout.splitlines() if x.strip())}
    assert rows["a.pdf"]["valid"] is True
    assert rows["b.pdf"]["readable"] is False and "no embedded" in rows["b.pdf"]["reason"]
    assert result.exit_code == 2 and len(seen) == 2
