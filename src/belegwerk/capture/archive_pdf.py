"""A searchable PDF/A of a scan, for the archive (OCRmyPDF).

The archive keeps the original bytes; this is the *rendition* a person searches and reads. Resolution and
colour depth are configurable because they trade file size against legibility: 300 dpi binary is small
and crisp for typed text, RGB keeps stamps and handwriting in colour.

OCRmyPDF runs without ``--clean``: unpaper was seen to split an invoice number in a test, and the
original is archived anyway.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from belegwerk.capture.classify import sniff
from belegwerk.capture.errors import CaptureError
from belegwerk.capture.model import InputKind
from belegwerk.capture.pdftext import PDFIUM_LOCK
from belegwerk.capture.pipeline import _open_pdf, load_images
from belegwerk.capture.settings import DEFAULT_SETTINGS, CaptureSettings, ColourMode


def _convert(img: Image.Image, colour: ColourMode) -> Image.Image:
    if colour is ColourMode.BINARY:
        return img.convert("L").point(lambda p: 255 if p > 160 else 0).convert("1")
    if colour is ColourMode.GRAY:
        return img.convert("L")
    return img.convert("RGB")


def _pages(data: bytes, settings: CaptureSettings) -> tuple[list[Image.Image], int]:
    kind, _ = sniff(data)
    if kind is InputKind.IMAGE:
        images, dpi = load_images(data, settings)
        return images, dpi
    if kind is InputKind.XML:
        raise CaptureError("an XML e-invoice has no scan to archive as PDF/A")
    with PDFIUM_LOCK:
        return _render_pages(data, settings)


def _render_pages(data: bytes, settings: CaptureSettings) -> tuple[list[Image.Image], int]:
    doc = _open_pdf(data, settings)
    try:
        dpi = settings.archive_dpi
        images = []
        for i in range(len(doc)):
            page = doc[i]
            w, h = page.get_size()
            if (w * dpi / 72) * (h * dpi / 72) > settings.max_image_pixels:
                raise CaptureError(f"page {i + 1} is too large to archive at {dpi} dpi")
            images.append(page.render(scale=dpi / 72, grayscale=settings.archive_colour is not ColourMode.RGB).to_pil())
            page.close()
        return images, dpi
    finally:
        doc.close()


def searchable_pdfa(data: bytes, settings: CaptureSettings = DEFAULT_SETTINGS) -> bytes:
    """A PDF/A-2b with an invisible OCR text layer over the page images of a scan (PDF or image)."""
    import ocrmypdf

    images, dpi = _pages(data, settings)
    images = [_convert(img, settings.archive_colour) for img in images]
    with tempfile.TemporaryDirectory(prefix="bw-pdfa-") as tmp:
        src = Path(tmp) / "scan.pdf"
        out = Path(tmp) / "archive.pdf"
        images[0].save(src, format="PDF", save_all=True, append_images=images[1:], resolution=float(dpi))
        try:
            ocrmypdf.ocr(
                src,
                out,
                language=settings.ocr_languages.split("+"),
                output_type="pdfa-2",
                rotate_pages=True,
                deskew=settings.deskew,
                force_ocr=True,
                jobs=1,
                progress_bar=False,
                optimize=1,
                tesseract_timeout=settings.ocr_timeout_s,
            )
        except Exception as exc:  # OCRmyPDF raises its own exception tree; all mean "no rendition"
            raise CaptureError(f"the searchable PDF/A could not be made: {exc}") from exc
        return out.read_bytes()


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF (used to check a rendition is searchable)."""
    with PDFIUM_LOCK:
        return _pdf_text(data)


def _pdf_text(data: bytes) -> str:
    doc = pdfium.PdfDocument(io.BytesIO(data).getvalue())
    try:
        parts = []
        for i in range(len(doc)):
            tp = doc[i].get_textpage()
            parts.append(tp.get_text_range())
            tp.close()
        return "\n".join(parts)
    finally:
        doc.close()
