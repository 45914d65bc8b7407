"""``belegwerk einvoice inspect|render|convert`` through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from belegwerk.einvoice.cii import read_cii
from belegwerk.einvoice.detect import Profile, Syntax, detect
from belegwerk.einvoice.loader import read_invoice
from belegwerk.einvoice.ubl import read_ubl

pytestmark = pytest.mark.einvoice

UBL = "en16931-examples/ubl/examples/ubl-tc434-example1.xml"
CII = "xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_uncefact.xml"


def _app_and_prefix() -> tuple[typer.Typer, list[str]]:
    """The root ``belegwerk`` app when it imports (it mounts ``validate`` from the rules package),
    otherwise the e-invoice sub-app on its own."""
    try:
        from belegwerk.cli import app as root
    except ImportError:
        from belegwerk.einvoice.cli import app

        return app, []
    return root, ["einvoice"]


APP, PREFIX = _app_and_prefix()
runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(APP, [*PREFIX, *args])


def test_inspect_json_has_syntax_profile_and_fields(corpus: Path) -> None:
    result = invoke("inspect", str(corpus / UBL), "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"syntax", "profile", "fields"}
    assert document["syntax"] == "ubl"
    assert document["profile"] == Profile.EN16931.value
    assert document["fields"]["BT-1"] == "12115118"
    assert document["fields"]["BT-115"] == "250.33"
    assert len(document["fields"]["BG-25"]) == 20


def test_inspect_human_readable(corpus: Path) -> None:
    result = invoke("inspect", str(corpus / CII))
    assert result.exit_code == 0, result.output
    assert "syntax:        cii" in result.stdout
    assert "XRechnung 3.0" in result.stdout
    assert "BT-1 " in result.stdout and "123456XX" in result.stdout
    assert "Rechnungsnummer" in result.stdout


def test_render_html_and_pdf(corpus: Path, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    result = invoke("render", str(corpus / UBL), "-o", str(page))
    assert result.exit_code == 0, result.output
    assert "12115118" in page.read_text(encoding="utf-8")
    pdf = tmp_path / "r.pdf"
    result = invoke("render", str(corpus / UBL), "-o", str(pdf))
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_render_refuses_unknown_extension(corpus: Path, tmp_path: Path) -> None:
    result = invoke("render", str(corpus / UBL), "-o", str(tmp_path / "r.docx"))
    assert result.exit_code == 2
    assert ".pdf or .html" in result.stderr


def test_convert_between_syntaxes(corpus: Path, tmp_path: Path) -> None:
    original = read_invoice((corpus / UBL).read_bytes())
    target = tmp_path / "out.xml"
    result = invoke("convert", str(corpus / UBL), "--to", "cii", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert read_cii(target.read_bytes()) == original
    result = invoke("convert", str(target), "--to", "ubl")
    assert result.exit_code == 0, result.output
    assert read_ubl(result.stdout_bytes) == original


def test_convert_to_facturx(corpus: Path, tmp_path: Path) -> None:
    target = tmp_path / "hybrid.pdf"
    result = invoke("convert", str(corpus / CII), "--to", "facturx", "-o", str(target))
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    detection = detect(data)
    assert detection.syntax is Syntax.FACTURX
    assert read_invoice(data) == read_invoice((corpus / CII).read_bytes())
    # and the hybrid can be inspected like any other invoice
    inspected = json.loads(invoke("inspect", str(target), "--json").stdout)
    assert inspected["syntax"] == "facturx"
    assert inspected["fields"]["BT-1"] == "123456XX"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"just text", "neither XML nor PDF"),
        (b"<Invoice><broken></Invoice>", "not well-formed"),
        (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "DOCTYPE"),
        (b"%PDF-1.4 nothing inside", "PDF"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(tmp_path: Path, content: bytes, fragment: str) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(content)
    for command in (["inspect", str(bad)], ["render", str(bad), "-o", str(tmp_path / "x.html")],
                    ["convert", str(bad), "--to", "ubl"]):  # fmt: skip
        result = invoke(*command)
        assert result.exit_code == 2, command
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: ")
        assert fragment.lower() in lines[0].lower()


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = invoke("inspect", str(tmp_path / "nope.xml"))
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
