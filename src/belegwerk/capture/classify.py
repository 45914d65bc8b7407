"""What kind of file is this? Decided from the bytes, never from the file name.

The answer picks the path through capture: e-invoice XML is read structurally, a hybrid PDF's
embedded XML wins over its pictures, a PDF text layer is read directly, and scans and photos are OCR'd.
"""

from __future__ import annotations

from belegwerk.capture.errors import BrokenInput, UnsupportedInput
from belegwerk.capture.model import InputKind

_IMAGE_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
]
_KNOWN_OTHER: list[tuple[bytes, str]] = [
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"{\\rtf", "an RTF document"),
    (b"BM", "a BMP image"),
    (b"RIFF", "a RIFF container (WebP, audio or video)"),
    (b"%!PS", "a PostScript file"),
]


def sniff(data: bytes) -> tuple[InputKind | None, str]:
    """A first guess from magic bytes: (PDF → None plus "PDF", XML, IMAGE) with a format name.

    PDFs need opening to tell text, scan and hybrid apart; :func:`belegwerk.capture.pipeline.capture_bytes`
    does that. Anything else raises :class:`UnsupportedInput` naming what it looks like.
    """
    if not data:
        raise BrokenInput("the file is empty")
    head = data[:1024]
    if b"%PDF-" in head:
        return None, "PDF"
    for magic, name in _IMAGE_MAGIC:
        if data.startswith(magic):
            return InputKind.IMAGE, name
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return InputKind.XML, "XML"
    for magic, name in _KNOWN_OTHER:
        if data.startswith(magic):
            raise UnsupportedInput(f"the file is {name}; capture reads PDF, e-invoice XML and JPEG/PNG/TIFF images")
    raise UnsupportedInput(
        "the file is not a PDF, an XML e-invoice or a JPEG/PNG/TIFF image; convert it to PDF and try again"
    )
