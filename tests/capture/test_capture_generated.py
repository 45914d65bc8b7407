"""Accuracy on generated German invoices with known truth: text PDFs and scan-like variants.

Text PDFs must get every key field right on at least 95 % of the documents, scans (rendered, rotated,
speckled, saved as PDF/PNG/JPEG/TIFF) on at least 90 %. The scan set is 12 pages so CI stays fast.
"""

from __future__ import annotations

import pytest

from belegwerk.capture.evaluate import KEY_FIELDS, AccuracyTable, generated_truth
from belegwerk.capture.model import InputKind, SourceKind
from belegwerk.capture.pipeline import capture_bytes
from belegwerk.capture.testdata import (
    LAYOUTS,
    ScanOptions,
    generate_invoice,
    generate_set,
    scanned_image,
    scanned_pdf,
)

pytestmark = pytest.mark.capture

TEXT_COUNT = 30
SCAN_VARIANTS: list[tuple[str, ScanOptions]] = [
    ("pdf", ScanOptions(dpi=200, rotation=0.8, noise=0.3)),
    ("PNG", ScanOptions(dpi=200, rotation=-1.2, noise=0.5)),
    ("JPEG", ScanOptions(dpi=200, rotation=0.4, blur=True)),
    ("TIFF", ScanOptions(dpi=300, noise=0.2)),
    ("pdf", ScanOptions(dpi=200, quarter_turns=1, noise=0.2)),
    ("pdf", ScanOptions(dpi=150, rotation=2.0, noise=0.4)),
]
SCAN_COUNT = 12


@pytest.fixture(scope="module")
def text_table() -> AccuracyTable:
    table = AccuracyTable()
    for inv in generate_set(TEXT_COUNT):
        result = capture_bytes(inv.pdf)
        assert result.source is SourceKind.TEXT
        table.add(inv.name, generated_truth(inv.truth), result)
    return table


@pytest.fixture(scope="module")
def scan_table() -> AccuracyTable:
    table = AccuracyTable()
    single_page = [layout for layout in LAYOUTS if layout != "multipage"]
    for i in range(SCAN_COUNT):
        inv = generate_invoice(100 + i, single_page[i % len(single_page)])
        fmt, options = SCAN_VARIANTS[i % len(SCAN_VARIANTS)]
        options.seed = i
        data = scanned_pdf(inv.pdf, options) if fmt == "pdf" else scanned_image(inv.pdf, options, fmt)
        result = capture_bytes(data)
        assert result.source is SourceKind.OCR
        assert result.input_kind in (InputKind.SCANNED_PDF, InputKind.IMAGE)
        table.add(f"{inv.name}/{fmt}", generated_truth(inv.truth), result)
    return table


def test_generator_is_deterministic_and_varied() -> None:
    a, b = generate_invoice(7), generate_invoice(7)
    assert a.pdf == b.pdf and a.truth == b.truth
    layouts = {inv.layout for inv in generate_set(len(LAYOUTS))}
    assert layouts == set(LAYOUTS)
    multi = generate_invoice(3, "multipage")
    assert multi.pages >= 2


def test_generated_truth_adds_up() -> None:
    for inv in generate_set(10):
        t = inv.truth
        assert t["BT-109"] + t["BT-110"] == t["BT-112"]
        assert sum(line["BT-131"] for line in t["BG-25"]) == t["BT-109"]


@pytest.mark.parametrize("key", KEY_FIELDS)
def test_text_pdf_key_field_accuracy(text_table: AccuracyTable, key: str) -> None:
    print("\n" + text_table.render(f"generated text PDFs ({TEXT_COUNT})"))
    misses = [m for m in text_table.misses if f" {key}:" in m]
    assert text_table.accuracy(key) >= 0.95, "\n".join(misses)


@pytest.mark.slow
@pytest.mark.parametrize("key", KEY_FIELDS)
def test_scan_key_field_accuracy(scan_table: AccuracyTable, key: str) -> None:
    print("\n" + scan_table.render(f"generated scans ({SCAN_COUNT} pages)"))
    misses = [m for m in scan_table.misses if f" {key}:" in m]
    assert scan_table.accuracy(key) >= 0.90, "\n".join(misses)


def test_text_pdf_secondary_fields() -> None:
    """Beyond the key fields: references, dates, tax number, buyer, VAT breakdown and lines on one DIN invoice."""
    inv = generate_invoice(5, "din")
    result = capture_bytes(inv.pdf)
    t = inv.truth
    for key in ("BT-13", "BT-16", "BT-72", "BT-9", "BT-32", "BT-86"):
        assert result.value(key) == t[key], key
    assert result.value("BT-44") == t["BT-44"]
    rows = result.value("BG-23")
    assert isinstance(rows, list)
    assert {(r["BT-119"], r["BT-117"]) for r in rows} == {(r["BT-119"], r["BT-117"]) for r in t["BG-23"]}
    lines = result.value("BG-25")
    assert isinstance(lines, list)
    assert [line["BT-131"] for line in lines] == [line["BT-131"] for line in t["BG-25"]]
    assert result.fields["BG-25"].confidence > 0.8  # lines add up to the net total
    if "skonto" in result.fields:
        assert result.value("skonto") == [{"percent": 2, "days": 10}]


def test_confidence_reflects_cross_checks() -> None:
    inv = generate_invoice(1)
    result = capture_bytes(inv.pdf)
    for key in ("BT-109", "BT-110", "BT-112"):
        assert "net + VAT = gross" in result.fields[key].notes
        assert result.fields[key].confidence >= 0.9
    assert "IBAN checksum valid" in result.fields["BT-84"].notes
    assert result.fields["BT-1"].page == 1 and result.fields["BT-1"].bbox is not None


@pytest.mark.slow
def test_multipage_tiff() -> None:
    """A two-page scan as one multi-page TIFF: both pages are OCR'd and the totals on page 2 are found."""
    inv = generate_invoice(3, "multipage")
    assert inv.pages == 2
    tiff = scanned_image(inv.pdf, ScanOptions(dpi=200, noise=0.1), "TIFF")
    result = capture_bytes(tiff)
    assert result.pages == 2 and result.input_kind is InputKind.IMAGE
    assert result.value("BT-1") == inv.truth["BT-1"]
    assert result.value("BT-112") == inv.truth["BT-112"]
    assert result.fields["BT-112"].page == 2
