"""Auditor export (Z3): re-read index.xml, check every described table, every file and hash."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from archive_support import World, file_invoice
from typer.testing import CliRunner

from belegwerk.archive.cli import app as archive_app
from belegwerk.archive.export import DTD_NAME
from belegwerk.runtime import Runtime
from belegwerk.xml.safe import parse_xml

pytestmark = pytest.mark.archive


def _env(rt: Runtime) -> dict[str, str]:
    return {
        "BELEGWERK_DATA_DIR": str(rt.settings.data_dir),
        "BELEGWERK_DATABASE_URL": rt.settings.effective_database_url,
        "BELEGWERK_SECRET_KEY": "test-secret-key",
    }


def _read_carrier(files: dict[str, bytes]) -> None:
    """Check a carrier the way an auditor's tool would: description, tables, documents, hashes."""
    raw = files["index.xml"]
    doctype = f'<!DOCTYPE DataSet SYSTEM "{DTD_NAME}">'.encode()
    assert doctype in raw and raw.count(b"<!DOCTYPE") == 1  # external DTD reference only
    root = parse_xml(raw.replace(doctype, b""))
    assert root.tag == "DataSet"
    assert [c.tag for c in root] == ["Version", "DataSupplier", "Media"]
    assert [c.tag for c in root.find("DataSupplier")] == ["Name", "Location", "Comment"]
    tables = root.findall("Media/Table")
    assert len(tables) == 3
    described: set[str] = set()
    for table in tables:
        url = table.findtext("URL")
        assert url and url in files
        described.add(url)
        assert [c.tag for c in table] == [
            "URL",
            "Name",
            "Description",
            "Validity",
            "UTF8",
            "DecimalSymbol",
            "DigitGroupingSymbol",
            "VariableLength",
        ]
        assert table.findtext("DecimalSymbol") == "," and table.findtext("DigitGroupingSymbol") == "."
        variable = table.find("VariableLength")
        assert variable is not None
        assert variable.findtext("ColumnDelimiter") == ";" and variable.findtext("RecordDelimiter") == "\r\n"
        columns = variable.findall("VariablePrimaryKey") + variable.findall("VariableColumn")
        names = [c.findtext("Name") for c in columns]
        text = files[url].decode("utf-8")
        assert text.endswith("\r\n")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"'))
        assert rows[0] == names
        for col_index, col in enumerate(columns):
            kind = [c.tag for c in col if c.tag in ("AlphaNumeric", "Numeric", "Date")]
            assert len(kind) == 1
            for row in rows[1:]:
                value = row[col_index]
                if not value:
                    continue
                if kind[0] == "Date":
                    assert col.findtext("Date/Format") == "DD.MM.YYYY"
                    assert re.fullmatch(r"\d\d\.\d\d\.\d{4}", value), value
                elif kind[0] == "Numeric":
                    accuracy = int(col.findtext("Numeric/Accuracy") or 0)
                    pattern = r"-?\d+" + (rf",\d{{{accuracy}}}" if accuracy else "")
                    assert re.fullmatch(pattern, value), (col.findtext("Name"), value)
    assert described == {"records.csv", "index_fields.csv", "manifest_chain.csv"}
    manifest = json.loads(files["manifest.json"])
    listed = manifest["files"]
    assert set(listed) == set(files) - {"manifest.json", "SHA256SUMS"}
    for path, meta in listed.items():
        assert hashlib.sha256(files[path]).hexdigest() == meta["sha256"] and len(files[path]) == meta["size"]
    sums = dict(reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode().splitlines())
    assert sums == {p: m["sha256"] for p, m in listed.items()}
    records = list(csv.DictReader(io.StringIO(files["records.csv"].decode(), newline=""), delimiter=";"))
    for rec in records:
        assert hashlib.sha256(files[rec["document_file"]]).hexdigest() == rec["sha256"]


def test_export_directory_and_zip_are_complete_and_hash_checked(runtime: Runtime, world: World, tmp_path: Path) -> None:
    a = file_invoice(runtime, data=b"%PDF alpha", document_date="2025-02-01", amount="1234.5")
    b = file_invoice(runtime, data=b"%PDF beta", document_date="2025-06-30", document_number="RE-2")
    file_invoice(runtime, data=b"%PDF other year", document_date="2023-06-30")
    file_invoice(runtime, data=b"%PDF globex", company="GLOBEX", document_date="2025-03-01")
    args = ["export", "-c", "ACME", "--from", "2025-01-01", "--to", "2025-12-31"]
    out_dir = tmp_path / "carrier"
    result = CliRunner().invoke(archive_app, [*args, "-o", str(out_dir)], env=_env(runtime))
    assert result.exit_code == 0, result.output
    assert "Exported 2 record versions" in result.output
    files = {p.relative_to(out_dir).as_posix(): p.read_bytes() for p in out_dir.rglob("*") if p.is_file()}
    _read_carrier(files)
    rows = list(csv.DictReader(io.StringIO(files["records.csv"].decode(), newline=""), delimiter=";"))
    assert [r["record_id"] for r in rows] == [str(a.id), str(b.id)]
    assert rows[0]["amount"] == "1234,50" and rows[0]["document_date"] == "01.02.2025"
    zipped = tmp_path / "carrier.zip"
    result = CliRunner().invoke(
        archive_app, [*args, "-o", str(zipped), "--classes", "incoming_invoice"], env=_env(runtime)
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(zipped) as zf:
        _read_carrier({n: zf.read(n) for n in zf.namelist()})
    again = CliRunner().invoke(archive_app, [*args, "-o", str(zipped)], env=_env(runtime))
    assert again.exit_code == 2 and "exists" in again.output


def test_export_filters_by_class(runtime: Runtime, world: World, tmp_path: Path) -> None:
    file_invoice(runtime, data=b"%PDF x", document_date=date(2025, 1, 2).isoformat())
    result = CliRunner().invoke(
        archive_app,
        [
            "export",
            "-c",
            "ACME",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--classes",
            "letter",
            "-o",
            str(tmp_path / "e"),
        ],
        env=_env(runtime),
    )
    assert result.exit_code == 0 and "Exported 0 record versions" in result.output
