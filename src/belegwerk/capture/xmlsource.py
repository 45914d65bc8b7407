"""E-invoice XML (standalone or embedded in a Factur-X/ZUGFeRD/XRechnung PDF) read with ``belegwerk.einvoice``.

Structured data needs no guessing, so every field read from XML gets confidence 1.0.
"""

from __future__ import annotations

from decimal import Decimal

from belegwerk.capture.errors import BrokenInput
from belegwerk.capture.model import Field
from belegwerk.domain.invoice import InvoiceData, to_bt_fields
from belegwerk.einvoice.detect import UnreadableDocument, extract_embedded_xml
from belegwerk.einvoice.loader import read_invoice
from belegwerk.xml.safe import UnreadableXML


def embedded_xml(pdf: bytes) -> tuple[str, bytes] | None:
    """The (file name, XML bytes) a Factur-X/ZUGFeRD/XRechnung PDF carries, or None."""
    try:
        return extract_embedded_xml(pdf)
    except UnreadableDocument:
        return None


def read_einvoice(xml: bytes) -> InvoiceData:
    """Parse UBL or CII e-invoice XML into the EN 16931 model."""
    try:
        return read_invoice(xml)
    except UnreadableXML as exc:
        raise BrokenInput(f"the XML cannot be read: {exc.reason}") from exc
    except UnreadableDocument as exc:
        raise BrokenInput(f"the XML is not a readable e-invoice: {exc}") from exc


def xml_fields(invoice: InvoiceData) -> dict[str, Field]:
    """BT-keyed fields of an ``InvoiceData``, each with confidence 1.0; key amounts and dates typed."""
    out: dict[str, Field] = {key: Field(value, 1.0) for key, value in to_bt_fields(invoice).items()}
    totals = invoice.totals
    for key, value in (
        ("BT-109", totals.tax_exclusive),
        ("BT-110", totals.vat_total),
        ("BT-112", totals.tax_inclusive),
        ("BT-115", totals.payable),
    ):
        if isinstance(value, Decimal):
            out[key] = Field(value, 1.0)
    if invoice.issue_date is not None:
        out["BT-2"] = Field(invoice.issue_date, 1.0)
    return out
