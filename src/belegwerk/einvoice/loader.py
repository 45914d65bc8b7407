"""One entry point from bytes to model: detect the syntax, then run the matching reader."""

from __future__ import annotations

from dataclasses import dataclass

from belegwerk.domain.invoice import InvoiceData
from belegwerk.einvoice._xml import InvoiceReadError
from belegwerk.einvoice.cii import read_cii
from belegwerk.einvoice.detect import Detection, Syntax, UnreadableDocument, detect
from belegwerk.einvoice.ubl import read_ubl


@dataclass(frozen=True)
class LoadedInvoice:
    """An invoice read from a file, with what detection found out about the file."""

    detection: Detection
    invoice: InvoiceData


def load(data: bytes) -> LoadedInvoice:
    """Read UBL, CII or a Factur-X/ZUGFeRD/XRechnung PDF into the EN 16931 model.

    Raises :class:`UnreadableDocument` (or :class:`~belegwerk.xml.safe.UnreadableXML`) when the bytes
    are not a readable invoice, including when a value in it cannot be understood.
    """
    detection = detect(data)
    try:
        invoice = read_ubl(detection.root) if detection.xml_syntax is Syntax.UBL else read_cii(detection.root)
    except InvoiceReadError as exc:
        raise UnreadableDocument(str(exc)) from exc
    return LoadedInvoice(detection=detection, invoice=invoice)


def read_invoice(data: bytes) -> InvoiceData:
    """Just the model of :func:`load`."""
    return load(data).invoice
