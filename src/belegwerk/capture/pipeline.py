"""Capture one document: classify, get words (text layer or OCR), extract fields, cross-check.

This is the function the intake pipeline, the CLI and the benchmark call. It never crashes on hostile
input: every failure becomes a :class:`~belegwerk.capture.errors.CaptureError` with a reason for the user.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageSequence

from belegwerk.capture.classify import sniff
from belegwerk.capture.errors import BrokenInput, CaptureError, InputTooLarge
from belegwerk.capture.model import BarcodeHit, CaptureResult, DocumentText, InputKind, PageText, SourceKind, Word
from belegwerk.capture.ocr import add_sparse_words, ocr_images, ocr_pages, prepare
from belegwerk.capture.pdftext import PDFIUM_LOCK, page_char_count, page_words
from belegwerk.capture.settings import DEFAULT_SETTINGS, CaptureSettings


def capture_file(path: Path, settings: CaptureSettings = DEFAULT_SETTINGS) -> CaptureResult:
    """Capture the document at ``path`` (see :func:`capture_bytes`)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CaptureError(f"cannot read {path}: {exc.strerror}") from exc
    if size > settings.max_bytes:
        raise InputTooLarge(
            f"the file is {size / 1_048_576:.0f} MB; the limit is {settings.max_bytes / 1_048_576:.0f} MB"
        )
    return capture_bytes(path.read_bytes(), settings)


def capture_bytes(data: bytes, settings: CaptureSettings = DEFAULT_SETTINGS) -> CaptureResult:
    """Everything capture can learn from one document's bytes."""
    if len(data) > settings.max_bytes:
        raise InputTooLarge(f"the file is larger than the {settings.max_bytes / 1_048_576:.0f} MB limit")
    kind, _ = sniff(data)
    if kind is InputKind.XML:
        return _capture_xml(data)
    with PDFIUM_LOCK:
        return _capture_visual(data, kind, settings)


def _capture_visual(data: bytes, kind: InputKind | None, settings: CaptureSettings) -> CaptureResult:
    if kind is InputKind.IMAGE:
        result = _finish(_capture_image(data, settings))
        _second_look(result, lambda: load_images(data, settings), settings)
        return result
    result = _finish(_capture_pdf(data, settings))
    # The seller's identity is often printed as a picture (a letterhead image): read the pictures too.
    missing_identity = result.source is SourceKind.TEXT and not ({"BT-31", "BT-84"} & result.fields.keys())
    if missing_identity and _ocr_pictures(data, result, settings):
        _finish(result)
    return result


def _second_look(
    result: CaptureResult, first_image: Callable[[], tuple[list[Image.Image], int]], settings: CaptureSettings
) -> None:
    """When OCR missed the invoice number, re-read page 1 in sparse-text mode and extract again."""
    if result.source is not SourceKind.OCR or "BT-1" in result.fields or result.text is None:
        return
    images, dpi = first_image()
    prepared = prepare(images[0], settings)
    if prepared.size != images[0].size:
        return  # deskewing rotated the page: positions would not line up with the first pass
    try:
        added = add_sparse_words(result.text.pages[0], prepared, dpi, settings)
    except CaptureError as exc:
        result.warnings.append(f"second OCR pass failed: {exc.reason}")
        return
    if added:
        result.warnings.append(f"page 1 was read a second time in sparse-text mode ({added} more words)")
        _finish(result)


def _ocr_pictures(data: bytes, result: CaptureResult, settings: CaptureSettings, dpi: int = 300) -> bool:
    """OCR the larger images on text pages and add their words where the text layer has none."""
    import pypdfium2.raw as pdfium_c

    assert result.text is not None
    crops: list[Image.Image] = []
    where: list[tuple[int, float, float]] = []
    doc = _open_pdf(data, settings)
    try:
        for page_text in result.text.pages[:3]:
            page = doc[page_text.number - 1]
            try:
                width, height = page.get_size()
                boxes = []
                for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
                    left, bottom, right, top = obj.get_bounds()
                    area = (right - left) * (top - bottom)
                    if area >= 0.01 * width * height and (right - left) > 40 and (top - bottom) > 10:
                        boxes.append(
                            (max(left, 0), max(height - top, 0), min(right, width), min(height - bottom, height))
                        )
                if not boxes:
                    continue
                image = page.render(scale=dpi / 72, grayscale=True).to_pil()
                for x0, y0, x1, y1 in boxes[:6]:
                    k = dpi / 72
                    crops.append(image.crop((int(x0 * k), int(y0 * k), int(x1 * k), int(y1 * k))))
                    where.append((page_text.number, x0, y0))
            finally:
                page.close()
    finally:
        doc.close()
    if not crops:
        return False
    try:
        read = ocr_images(crops, list(range(1, len(crops) + 1)), dpi, settings)
    except CaptureError as exc:
        result.warnings.append(f"pictures on the page could not be OCR'd: {exc.reason}")
        return False
    added = 0
    for crop_text, (number, dx, dy) in zip(read, where, strict=True):
        target = result.text.pages[number - 1]
        for w in crop_text.words:
            if w.conf < 0.5:
                continue
            bbox = (w.x0 + dx, w.y0 + dy, w.x1 + dx, w.y1 + dy)
            if any(_overlap(bbox, t.bbox) for t in target.words):
                continue
            target.words.append(Word(w.text, number, bbox, w.conf))
            added += 1
    if added:
        result.warnings.append(f"{added} words were read from pictures on text pages by OCR")
    return added > 0


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _capture_xml(data: bytes) -> CaptureResult:
    from belegwerk.capture.xmlsource import read_einvoice, xml_fields

    invoice = read_einvoice(data)
    return CaptureResult(InputKind.XML, SourceKind.XML, xml_fields(invoice), pages=0, invoice=invoice)


def _open_pdf(data: bytes, settings: CaptureSettings) -> pdfium.PdfDocument:
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        # PDFium's error code is process-global and can be stale, so judge from the bytes as well.
        if b"/Encrypt" in data:
            raise BrokenInput("the PDF is encrypted with a password; send an unprotected copy") from exc
        if _page_count_hint(data) == 0:
            raise BrokenInput("the PDF has no pages") from exc
        raise BrokenInput("the PDF is damaged and cannot be opened; ask the sender for a new copy") from exc
    n = len(doc)
    if n == 0:
        doc.close()
        raise BrokenInput("the PDF has no pages")
    if n > settings.max_pages:
        doc.close()
        raise InputTooLarge(f"the PDF has {n} pages; capture reads at most {settings.max_pages} pages per document")
    return doc


def _page_count_hint(data: bytes) -> int | None:
    """The page count pypdf reads (lenient parser), or None if it cannot either."""
    from pypdf import PdfReader

    try:
        return len(PdfReader(io.BytesIO(data), strict=False).pages)
    except Exception:  # any parse failure means "unknown"
        return None


def _capture_pdf(data: bytes, settings: CaptureSettings) -> CaptureResult:
    doc = _open_pdf(data, settings)
    try:
        text_pages: dict[int, PageText] = {}
        scan_numbers: list[int] = []
        for i in range(len(doc)):
            page = doc[i]
            try:
                if page_char_count(page) >= settings.min_text_chars_per_page:
                    text_pages[i + 1] = page_words(page, i + 1)
                else:
                    scan_numbers.append(i + 1)
            finally:
                page.close()
        images = [_render(doc, n, settings.ocr_dpi, settings) for n in scan_numbers]
        codes = _pdf_barcodes(doc, scan_numbers, images, settings)
    finally:
        doc.close()
    ocr = {p.number: p for p in ocr_pages(images, scan_numbers, settings.ocr_dpi, settings)}
    pages = [text_pages.get(n) or ocr[n] for n in range(1, len(text_pages) + len(ocr) + 1)]
    source = SourceKind.OCR if ocr else SourceKind.TEXT
    kind = InputKind.SCANNED_PDF if ocr and not text_pages else InputKind.TEXT_PDF
    result = CaptureResult(kind, source, pages=len(pages), text=DocumentText(pages, source))
    result.barcodes = codes
    if ocr and text_pages:
        result.warnings.append(f"pages {', '.join(map(str, sorted(ocr)))} have no text layer and were OCR'd")
    embedded = None
    if settings.use_embedded_xml:
        from belegwerk.capture.xmlsource import embedded_xml

        embedded = embedded_xml(data)
    if embedded is not None:
        result.input_kind = InputKind.HYBRID_PDF
        result.warnings.append(f"embedded e-invoice {embedded[0]} used; the visible text was kept for cross-checks")
        result.fields = {}
        _apply_embedded(result, embedded[1])
    return result


def _apply_embedded(result: CaptureResult, xml: bytes) -> None:
    from belegwerk.capture.xmlsource import read_einvoice, xml_fields

    try:
        invoice = read_einvoice(xml)
    except CaptureError as exc:
        result.input_kind = InputKind.TEXT_PDF
        result.warnings.append(f"the embedded XML could not be used ({exc.reason}); fields come from the text")
        return
    result.invoice = invoice
    result.source = SourceKind.XML
    result.fields = xml_fields(invoice)


def _pdf_barcodes(
    doc: pdfium.PdfDocument, scan_numbers: list[int], images: list[Image.Image], settings: CaptureSettings
) -> list[BarcodeHit]:
    """Barcodes on the first pages: scanned pages reuse their OCR image, text pages are rendered."""
    if not settings.barcodes:
        return []
    from belegwerk.capture.barcodes import read_page_barcodes

    hits: list[BarcodeHit] = []
    for number in range(1, min(len(doc), settings.barcode_pages) + 1):
        if number in scan_numbers:
            img, dpi = images[scan_numbers.index(number)], settings.ocr_dpi
            hits += read_page_barcodes(img, number, 72 / dpi)
        else:
            dpi = settings.barcode_dpi
            hits += read_page_barcodes(_render(doc, number, dpi, settings), number, 72 / dpi, thorough=False)
    return hits


def _render(doc: pdfium.PdfDocument, number: int, dpi: int, settings: CaptureSettings) -> Image.Image:
    page = doc[number - 1]
    try:
        w, h = page.get_size()
        pixels = (w * dpi / 72) * (h * dpi / 72)
        if pixels > settings.max_image_pixels:
            raise InputTooLarge(
                f"page {number} is {w / 72 * 25.4:.0f} x {h / 72 * 25.4:.0f} mm, too large to OCR at {dpi} dpi"
            )
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        image: Image.Image = bitmap.to_pil()
        return image
    finally:
        page.close()


def _capture_image(data: bytes, settings: CaptureSettings) -> CaptureResult:
    images, dpi = load_images(data, settings)
    codes: list[BarcodeHit] = []
    if settings.barcodes:
        from belegwerk.capture.barcodes import read_page_barcodes

        for n, img in enumerate(images[: settings.barcode_pages], start=1):
            codes += read_page_barcodes(img, n, 72 / dpi)
    pages = ocr_pages(images, list(range(1, len(images) + 1)), dpi, settings)
    result = CaptureResult(InputKind.IMAGE, SourceKind.OCR, pages=len(pages), text=DocumentText(pages, SourceKind.OCR))
    result.barcodes = codes
    return result


def load_images(data: bytes, settings: CaptureSettings) -> tuple[list[Image.Image], int]:
    """The frames of an image file (TIFFs may hold many pages), bounded in pixels and pages.

    Returns the frames and the resolution to tell Tesseract (from the file, else 300 dpi, the usual
    scanner default; a phone photo has no real dpi and Tesseract copes).
    """
    Image.MAX_IMAGE_PIXELS = settings.max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            frames: list[Image.Image] = []
            dpi_info = img.info.get("dpi")
            for n, frame in enumerate(ImageSequence.Iterator(img), start=1):
                if n > settings.max_pages:
                    raise InputTooLarge(f"the image has more than {settings.max_pages} pages")
                if frame.width * frame.height > settings.max_image_pixels:
                    raise InputTooLarge(
                        f"page {n} is {frame.width} x {frame.height} pixels, more than the "
                        f"{settings.max_image_pixels:,} pixel limit"
                    )
                frame.load()
                frames.append(frame.convert("L"))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputTooLarge(f"the image is too large to process safely ({exc})") from exc
    except InputTooLarge:
        raise
    except (OSError, SyntaxError, ValueError) as exc:
        raise BrokenInput(f"the image cannot be read ({exc})") from exc
    if not frames:
        raise BrokenInput("the image has no pages")
    if isinstance(dpi_info, tuple) and dpi_info and float(dpi_info[0]) >= 70:
        dpi = round(float(dpi_info[0]))
    else:
        # No usable resolution: assume the long side is an A4 page (11.7 in).
        dpi = max(round(max(frames[0].size) / 11.7), 1)
    if dpi < 200:
        # Screenshots and low-resolution scans: Tesseract reads far better at ~300 dpi.
        factor = min(300 / dpi, 4.0)
        frames = [
            f.resize((round(f.width * factor), round(f.height * factor)), Image.Resampling.LANCZOS) for f in frames
        ]
        dpi = round(dpi * factor)
    return frames, dpi


def _finish(result: CaptureResult) -> CaptureResult:
    """Extract fields from the words (unless XML supplied them) and run the cross-checks."""
    from belegwerk.capture.checks import cross_check
    from belegwerk.capture.extract import extract_fields

    if result.text is not None and result.source is not SourceKind.XML:
        result.fields = extract_fields(result.text)
        if result.barcodes:
            from belegwerk.capture.barcodes import apply_barcodes

            codes, result.barcodes = result.barcodes, []
            apply_barcodes(result, codes)
        cross_check(result)
    elif result.text is not None:
        result.warnings.extend(_compare_visual(result))
    return result


_SUPPLEMENT = ("BT-84", "BT-86", "BT-31", "BT-32", "BT-13", "BT-16", "BT-10")
"""Fields a hybrid PDF's visible text may add when its embedded XML leaves them out."""


def _compare_visual(result: CaptureResult) -> list[str]:
    """Differences between the embedded XML and what the PDF shows, for the human check."""
    from belegwerk.capture.extract import extract_fields

    assert result.text is not None
    visual = extract_fields(result.text)
    for key in _SUPPLEMENT:
        if key not in result.fields and key in visual:
            # The XML lacks it but the page shows it (bank details are often printed only): keep it, marked.
            f = visual[key]
            f.notes.append("not in the embedded XML; read from the visible PDF")
            result.fields[key] = f
    out = []
    for key in ("BT-1", "BT-112", "BT-115"):
        x, v = result.fields.get(key), visual.get(key)
        if x is not None and v is not None and str(x.value) != str(v.value):
            out.append(f"{key}: the embedded XML says {x.value}, the visible PDF shows {v.value}")
    return out
