"""Plain data types shared by every capture step.

All positions are in PDF points (1/72 inch) with the origin at the *top left* of the page, whatever the
source was: a PDF text layer (bottom-left origin in PDF) and an OCR'd image (pixels) are both converted to
this one frame, so field extraction and the verification client never care where words came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

BBox = tuple[float, float, float, float]
"""x0, y0, x1, y1 in points, top-left origin."""


class SourceKind(StrEnum):
    """How the field values were obtained; the JSON output names these."""

    XML = "xml"
    TEXT = "text"
    OCR = "ocr"


class InputKind(StrEnum):
    """What the classifier found the input file to be."""

    XML = "xml"
    HYBRID_PDF = "hybrid-pdf"
    TEXT_PDF = "text-pdf"
    SCANNED_PDF = "scanned-pdf"
    IMAGE = "image"


@dataclass(frozen=True, slots=True)
class Word:
    """One word with where it sits on its page; ``conf`` is the OCR confidence (1.0 for a text layer)."""

    text: str
    page: int
    bbox: BBox
    conf: float = 1.0

    @property
    def x0(self) -> float:
        return self.bbox[0]

    @property
    def y0(self) -> float:
        return self.bbox[1]

    @property
    def x1(self) -> float:
        return self.bbox[2]

    @property
    def y1(self) -> float:
        return self.bbox[3]


@dataclass(slots=True)
class PageText:
    """The words of one page and the page size in points."""

    number: int
    width: float
    height: float
    words: list[Word] = field(default_factory=list)


@dataclass(slots=True)
class DocumentText:
    """All pages' words plus how they were obtained."""

    pages: list[PageText]
    source: SourceKind

    @property
    def words(self) -> list[Word]:
        return [w for p in self.pages for w in p.words]


FieldScalar = str | Decimal | date
FieldValue = FieldScalar | list[dict[str, Any]]


@dataclass(slots=True)
class Field:
    """One extracted value with the evidence for it.

    ``confidence`` is 0..1: how sure capture is that the value is right. The verification client colours a
    field for human review below a threshold, so cross-checks move this number rather than hide values.
    """

    value: FieldValue
    confidence: float
    page: int | None = None
    bbox: BBox | None = None
    notes: list[str] = field(default_factory=list)

    def adjust(self, delta: float, note: str) -> None:
        """Raise or lower the confidence, clamped to 0..1, and record why."""
        self.confidence = max(0.0, min(1.0, round(self.confidence + delta, 3)))
        self.notes.append(note)


@dataclass(frozen=True, slots=True)
class BarcodeHit:
    """A barcode or QR code found on a page, with its raw text."""

    format: str
    text: str
    page: int
    bbox: BBox | None = None


@dataclass(slots=True)
class CaptureResult:
    """Everything capture learned about one document."""

    input_kind: InputKind
    source: SourceKind
    fields: dict[str, Field] = field(default_factory=dict)
    pages: int = 0
    barcodes: list[BarcodeHit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    text: DocumentText | None = None
    vendor_number: str | None = None
    """The vendor master-data number when the seller matched one."""
    invoice: Any = None
    """The ``belegwerk.domain.invoice.InvoiceData`` when the source was XML (embedded or standalone)."""

    def value(self, key: str) -> FieldValue | None:
        """The value of a field, or None when it was not found."""
        f = self.fields.get(key)
        return None if f is None else f.value
