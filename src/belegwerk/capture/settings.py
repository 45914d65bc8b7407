"""Bounds and knobs for capture, in one place so deployments can tune them.

The bounds exist because inputs come from strangers: a 2,000-page PDF or a 50,000 x 50,000 pixel PNG
must fail fast with a clear reason instead of exhausting the worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ColourMode(StrEnum):
    """Colour depth for stored scans: full colour, or 1-bit black/white (small files)."""

    RGB = "rgb"
    GRAY = "gray"
    BINARY = "binary"


@dataclass(frozen=True, slots=True)
class CaptureSettings:
    """Limits and OCR parameters. The defaults suit invoices: few pages, A4, 200 dpi is enough for OCR."""

    max_bytes: int = 100 * 1024 * 1024
    max_pages: int = 200
    max_image_pixels: int = 60_000_000
    """Larger than A4 at 600 dpi (~35 Mpx) in colour, smaller than a decompression bomb."""
    ocr_dpi: int = 200
    ocr_languages: str = "deu+eng"
    ocr_timeout_s: float = 60.0
    """Per page; a page that takes longer is given up with a clear error."""
    osd: bool = True
    """Detect 90/180/270 degree rotation with Tesseract's orientation detection."""
    deskew: bool = True
    archive_dpi: int = 300
    archive_colour: ColourMode = ColourMode.RGB
    min_text_chars_per_page: int = 20
    """A PDF page with fewer characters in its text layer counts as scanned."""
    use_embedded_xml: bool = True
    barcodes: bool = True
    """Look for barcodes and payment QR codes (renders text pages at ``barcode_dpi``)."""
    barcode_dpi: int = 100
    barcode_pages: int = 3
    """Only the first pages: payment codes sit on the first or last page of an invoice."""


DEFAULT_SETTINGS = CaptureSettings()
