"""Searchable PDF/A renditions of scans (OCRmyPDF), with configurable colour depth."""

from __future__ import annotations

from dataclasses import replace

import pytest

from belegwerk.capture.archive_pdf import pdf_text, searchable_pdfa
from belegwerk.capture.settings import DEFAULT_SETTINGS, ColourMode
from belegwerk.capture.testdata import ScanOptions, generate_invoice, scanned_image, scanned_pdf

pytestmark = [pytest.mark.capture, pytest.mark.slow]


def test_scanned_pdf_becomes_searchable_pdfa() -> None:
    inv = generate_invoice(5, "din")
    scan = scanned_pdf(inv.pdf, ScanOptions(dpi=200, rotation=0.5, noise=0.2))
    assert pdf_text(scan).strip() == ""
    settings = replace(DEFAULT_SETTINGS, archive_dpi=200, archive_colour=ColourMode.BINARY)
    out = searchable_pdfa(scan, settings)
    assert b"pdfaid:part" in out or b"pdfaid" in out  # PDF/A identification in the XMP metadata
    text = pdf_text(out)
    assert inv.truth["BT-1"] in text.replace(" ", "")


def test_image_becomes_searchable_pdfa_in_colour() -> None:
    inv = generate_invoice(6, "modern")
    png = scanned_image(inv.pdf, ScanOptions(dpi=200))
    out = searchable_pdfa(png, replace(DEFAULT_SETTINGS, archive_colour=ColourMode.RGB))
    assert "RECHNUNG" in pdf_text(out)
