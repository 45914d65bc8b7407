"""User templates (YAML): keyword matching and field overrides by regex and by page area."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from belegwerk.capture.errors import CaptureError
from belegwerk.capture.pipeline import capture_bytes
from belegwerk.capture.templates import apply_templates, load_templates
from belegwerk.capture.testdata import generate_invoice

pytestmark = pytest.mark.capture


def test_template_overrides_matching_vendor(tmp_path: Path) -> None:
    inv = generate_invoice(5, "din")
    seller, vat = inv.truth["BT-27"], inv.truth["BT-31"]
    (tmp_path / "vendor.yml").write_text(
        f"issuer: Hausvendor\nkeywords: ['{seller}', '{vat}']\n"
        "fields:\n"
        "  BT-1: 'Rechnungsnummer:\\s*(\\S+)'\n"
        "  BT-13: {regex: 'Ihre Bestellung:\\s*(\\S+)'}\n"
        "  BT-112: {regex: 'Rechnungsbetrag\\s+([\\d.,]+)'}\n"
        "  BT-44: {area: [55, 150, 300, 162], page: 1}\n",
        encoding="utf-8",
    )
    (tmp_path / "other.yaml").write_text(
        "keywords: ['Gibt es nicht GmbH']\nfields: {BT-1: 'x(\\d+)'}\n", encoding="utf-8"
    )
    templates = load_templates(tmp_path)
    assert [t.name for t in templates] == ["other", "vendor"]
    result = capture_bytes(inv.pdf)
    used = apply_templates(result, templates)
    assert used is not None and used.name == "vendor"
    assert result.value("BT-1") == inv.truth["BT-1"]
    assert result.value("BT-13") == inv.truth["BT-13"]
    assert result.value("BT-112") == inv.truth["BT-112"] and isinstance(result.value("BT-112"), Decimal)
    assert result.value("BT-27") == "Hausvendor"
    assert result.fields["BT-1"].confidence == 0.95
    assert result.value("BT-44") == inv.truth["BT-44"]


def test_keywords_must_all_match(tmp_path: Path) -> None:
    inv = generate_invoice(5, "din")
    (tmp_path / "t.yml").write_text(
        f"keywords: ['{inv.truth['BT-27']}', 'Wort das fehlt']\nfields: {{BT-1: 'Rechnung (\\S+)'}}\n", encoding="utf-8"
    )
    result = capture_bytes(inv.pdf)
    assert apply_templates(result, load_templates(tmp_path)) is None


def test_exclude_keywords(tmp_path: Path) -> None:
    inv = generate_invoice(5, "din")
    (tmp_path / "t.yml").write_text(
        f"keywords: ['{inv.truth['BT-27']}']\nexclude_keywords: ['Rechnungsbetrag']\nfields: {{BT-1: 'x'}}\n",
        encoding="utf-8",
    )
    result = capture_bytes(inv.pdf)
    assert apply_templates(result, load_templates(tmp_path)) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fields: {BT-1: 'x'}\n", "keywords"),
        ("keywords: [a]\nfields: {BT-1: '(unclosed'}\n", "invalid regex"),
        ("keywords: [a]\nfields: {BT-1: {type: text}}\n", "needs 'regex' or 'area'"),
        ("keywords: [a]\nfields: {BT-2: {regex: 'x', type: color}}\n", "type must be"),
    ],
)
def test_template_errors(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "bad.yml").write_text(text, encoding="utf-8")
    with pytest.raises(CaptureError, match=message):
        load_templates(tmp_path)
