"""Barcodes and QR codes on invoice pages (zxing-cpp), and payment QR codes decoded into fields.

Two payment formats matter in our market: the EPC "GiroCode" (SEPA credit transfer, ``BCD`` header)
and the Swiss QR-bill (``SPC`` header). Their content is error-corrected, so the IBAN and amount read
from them are more reliable than OCR'd text and confirm (or contradict) what the text said. Other codes
(Code 128/39 with document numbers, DataMatrix postage, a sender's own QR) are kept as raw values for
later matching (late scan: a barcode label on a paper invoice links it to its ERP process).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import zxingcpp
from PIL import Image

from belegwerk.capture.identifiers import iban_valid
from belegwerk.capture.model import BarcodeHit, CaptureResult, Field

FORMATS = [
    zxingcpp.BarcodeFormat.QRCode,
    zxingcpp.BarcodeFormat.DataMatrix,
    zxingcpp.BarcodeFormat.Code128,
    zxingcpp.BarcodeFormat.Code39,
    zxingcpp.BarcodeFormat.EAN13,
    zxingcpp.BarcodeFormat.ITF,
    zxingcpp.BarcodeFormat.PDF417,
]


def read_page_barcodes(
    image: Image.Image, page: int, points_per_pixel: float, thorough: bool = True
) -> list[BarcodeHit]:
    """All barcodes zxing-cpp finds on one page image, with positions in points.

    ``thorough=False`` skips rotated and downscaled searches: right for pages rendered from a PDF's own
    drawing (upright, crisp), and about ten times faster; scans and photos need the full search.
    """
    out = []
    options = {} if thorough else {"try_rotate": False, "try_downscale": False}
    for r in zxingcpp.read_barcodes(image, formats=FORMATS, **options):  # type: ignore[arg-type]  # a list is accepted
        if not r.valid:
            continue
        p = r.position
        xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
        ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
        bbox = (
            round(min(xs) * points_per_pixel, 1),
            round(min(ys) * points_per_pixel, 1),
            round(max(xs) * points_per_pixel, 1),
            round(max(ys) * points_per_pixel, 1),
        )
        name = str(r.format).rsplit(".", 1)[-1]
        out.append(BarcodeHit(name, r.text, page, bbox))
    return out


@dataclass(frozen=True, slots=True)
class PaymentCode:
    """Payment data from a GiroCode or Swiss QR-bill."""

    kind: str
    iban: str
    name: str
    amount: Decimal | None
    currency: str
    bic: str = ""
    reference: str = ""
    text: str = ""


def _getter(lines: list[str]) -> Callable[[int], str]:
    def get(i: int) -> str:
        return lines[i].strip() if i < len(lines) else ""

    return get


def parse_epc(text: str) -> PaymentCode | None:
    """An EPC069-12 "GiroCode" payload (lines: BCD, version, charset, SCT, BIC, name, IBAN, amount, ...)."""
    lines = text.replace("\r\n", "\n").split("\n")
    if len(lines) < 7 or lines[0].strip() != "BCD" or lines[3].strip() != "SCT":
        return None
    get = _getter(lines)
    iban = get(6).replace(" ", "").upper()
    amount_raw = get(7)
    amount: Decimal | None = None
    currency = "EUR"
    if amount_raw:
        currency, number = amount_raw[:3].upper(), amount_raw[3:]
        try:
            amount = Decimal(number)
        except InvalidOperation:
            amount = None
    reference = get(9) or get(10)
    return PaymentCode("EPC", iban, get(5), amount, currency, bic=get(4).upper(), reference=reference, text=get(10))


def parse_swiss_qr(text: str) -> PaymentCode | None:
    """A Swiss QR-bill payload (SPC, 0200, coding, IBAN, creditor, ..., amount, currency, ..., reference)."""
    lines = text.replace("\r\n", "\n").split("\n")
    if len(lines) < 31 or lines[0].strip() != "SPC":
        return None
    get = _getter(lines)
    try:
        amount = Decimal(get(18)) if get(18) else None
    except InvalidOperation:
        amount = None
    return PaymentCode("SwissQR", get(3).replace(" ", "").upper(), get(5), amount, get(19), reference=get(28),
                       text=get(29))  # fmt: skip


def parse_payment(text: str) -> PaymentCode | None:
    """A payment QR payload of either supported kind, or None."""
    return parse_epc(text) or parse_swiss_qr(text)


def apply_barcodes(result: CaptureResult, hits: Iterable[BarcodeHit]) -> None:
    """Record the codes on ``result``; payment codes confirm or supply IBAN, BIC, amount and reference."""
    for hit in hits:
        result.barcodes.append(hit)
        pay = parse_payment(hit.text)
        if pay is None or not iban_valid(pay.iban):
            continue
        note = f"{pay.kind} payment code on page {hit.page}"
        values: dict[str, object] = {"BT-84": pay.iban}
        if pay.bic:
            values["BT-86"] = pay.bic
        if pay.amount is not None:
            values["BT-115"] = pay.amount
        if pay.reference:
            values["BT-83"] = pay.reference
        for key, value in values.items():
            current = result.fields.get(key)
            if current is None:
                result.fields[key] = Field(value, 0.97, hit.page, hit.bbox, [note])  # type: ignore[arg-type]
            elif str(current.value).replace(" ", "") == str(value):
                current.adjust(0.97 - current.confidence if current.confidence < 0.97 else 0.0, f"confirmed by {note}")
            else:
                current.adjust(-0.3, f"{note} says {value}")
                result.warnings.append(f"{key}: the text shows {current.value}, the {note} says {value}")
