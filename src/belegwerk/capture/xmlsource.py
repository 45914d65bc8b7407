"""E-invoice XML (standalone or embedded in a Factur-X/ZUGFeRD PDF) read with ``belegwerk.einvoice``.

Structured data needs no guessing, so every field read from XML gets confidence 1.0.
"""

from __future__ import annotations

import importlib
import io
from typing import Any

from belegwerk.capture.errors import BrokenInput, CaptureError
from belegwerk.capture.model import Field
from belegwerk.xml.safe import UnreadableXML, parse_xml


def embedded_xml(pdf: bytes) -> tuple[str, bytes] | None:
    """The (file name, XML bytes) a Factur-X/ZUGFeRD/XRechnung PDF carries, or None."""
    from facturx import get_xml_from_pdf

    try:
        name, xml = get_xml_from_pdf(io.BytesIO(pdf), check_xsd=False)
    except Exception:  # factur-x raises assorted errors for PDFs without (readable) attachments
        return None
    if not xml:
        return None
    return str(name), bytes(xml)


def read_einvoice(xml: bytes) -> Any:
    """Parse e-invoice XML into ``belegwerk.domain.invoice.InvoiceData`` (UBL or CII by root element)."""
    try:
        root = parse_xml(xml)
    except UnreadableXML as exc:
        raise BrokenInput(f"the XML cannot be read: {exc.reason}") from exc
    local = root.tag.rsplit("}", 1)[-1] if isinstance(root.tag, str) else ""
    if local in ("Invoice", "CreditNote"):
        module, func = "belegwerk.einvoice.ubl", "read_ubl"
    elif local == "CrossIndustryInvoice":
        module, func = "belegwerk.einvoice.cii", "read_cii"
    else:
        raise CaptureError(f"the XML is a <{local}> document, not a UBL or CII invoice")
    try:
        reader = getattr(importlib.import_module(module), func)
    except (ImportError, AttributeError) as exc:
        raise CaptureError(f"this installation cannot read {local} XML: {module}.{func} is missing") from exc
    return reader(root)


def xml_fields(invoice: Any) -> dict[str, Field]:
    """BT-keyed fields of an ``InvoiceData``, each with confidence 1.0."""
    from decimal import Decimal

    from belegwerk.domain.invoice import to_bt_fields

    out: dict[str, Field] = {}
    for key, value in to_bt_fields(invoice).items():
        out[key] = Field(value, 1.0)
    # Key amounts stay Decimal for cross-checks against the visual text.
    totals = getattr(invoice, "totals", None)
    for key, attr in (("BT-109", "tax_exclusive"), ("BT-110", "vat_total"), ("BT-112", "tax_inclusive"), ("BT-115", "payable")):
        v = getattr(totals, attr, None) if totals is not None else None
        if isinstance(v, Decimal):
            out[key] = Field(v, 1.0)
    return out
