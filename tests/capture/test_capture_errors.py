"""Hostile and broken inputs fail with a clear reason, quickly, without crashing the worker."""

from __future__ import annotations

import io
import struct
import time
import zlib
from dataclasses import replace

import pytest
from pypdf import PdfWriter
from reportlab.pdfgen.canvas import Canvas

from belegwerk.capture.errors import BrokenInput, CaptureError, InputTooLarge, UnsupportedInput
from belegwerk.capture.ocr import OcrFailed
from belegwerk.capture.pipeline import capture_bytes
from belegwerk.capture.settings import DEFAULT_SETTINGS
from belegwerk.capture.testdata import ScanOptions, generate_invoice, scanned_pdf

pytestmark = pytest.mark.capture


def _timed(data: bytes, exc: type[CaptureError], match: str, limit_s: float = 10.0, **settings: object) -> None:
    start = time.monotonic()
    with pytest.raises(exc, match=match) as info:
        capture_bytes(data, replace(DEFAULT_SETTINGS, **settings))  # type: ignore[arg-type]
    assert time.monotonic() - start < limit_s
    assert info.value.reason  # a sentence for the user


def _pdf_with_pages(n: int) -> bytes:
    writer = PdfWriter()
    for _ in range(n):
        writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a gigantic picture (a decompression bomb)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def test_empty_file() -> None:
    _timed(b"", BrokenInput, "empty")


def test_unsupported_types_named() -> None:
    _timed(b"PK\x03\x04" + b"\x00" * 100, UnsupportedInput, "ZIP")
    _timed(b"GIF89a" + b"\x00" * 100, UnsupportedInput, "GIF")
    _timed(b"just some text, not an invoice", UnsupportedInput, "not a PDF")


def test_broken_pdf() -> None:
    _timed(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage without xref", BrokenInput, "damaged|no pages")


def test_truncated_pdf() -> None:
    pdf = generate_invoice(1).pdf
    _timed(pdf[: len(pdf) // 3], BrokenInput, "damaged|no pages")


def test_encrypted_pdf() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="geheim", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    _timed(buf.getvalue(), BrokenInput, "encrypted|password")


def test_zero_page_pdf() -> None:
    _timed(_pdf_with_pages(0), BrokenInput, "no pages")


def test_two_thousand_pages_rejected_fast() -> None:
    _timed(_pdf_with_pages(2000), InputTooLarge, "2000 pages", limit_s=10.0)


def test_image_bomb() -> None:
    _timed(_png_header_only(100_000, 100_000), InputTooLarge, "too large|pixel")


def test_image_just_over_the_limit() -> None:
    _timed(_png_header_only(9_000, 9_000), InputTooLarge, "pixel|too large", max_image_pixels=60_000_000)


def test_corrupt_image() -> None:
    _timed(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, BrokenInput, "cannot be read")


def test_oversized_pdf_page_not_rendered() -> None:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(14_000, 14_000))
    c.rect(10, 10, 100, 100)
    c.showPage()
    c.save()
    _timed(buf.getvalue(), InputTooLarge, "too large to OCR")


def test_file_size_limit() -> None:
    _timed(b"%PDF-1.7\n" + b"0" * 2000, InputTooLarge, "limit", max_bytes=1000)


def test_ocr_timeout_is_reported() -> None:
    scan = scanned_pdf(generate_invoice(2, "din").pdf, ScanOptions(dpi=150))
    _timed(scan, OcrFailed, "longer than", ocr_timeout_s=0.05, osd=False)


def test_not_an_invoice_xml() -> None:
    _timed(b"<?xml version='1.0'?><html><body>hello</body></html>", CaptureError, "not an invoice")


def test_xml_with_doctype_rejected() -> None:
    data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Invoice>&a;</Invoice>'
    _timed(data, BrokenInput, "cannot be read")
