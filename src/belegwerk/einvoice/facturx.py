"""Factur-X / ZUGFeRD hybrid invoices: a PDF/A-3 for people with the CII XML embedded for machines.

Extraction goes through :mod:`belegwerk.einvoice.detect` (pypdf, hardened); building uses the
``factur-x`` package, which writes the embedded file, its AF relationship and the XMP metadata
that declare the profile.
"""

from __future__ import annotations

import copy
from typing import Final

from belegwerk.domain.invoice import InvoiceData
from belegwerk.einvoice.cii import write_cii
from belegwerk.einvoice.detect import Profile, UnreadableDocument, classify_specification, extract_embedded_xml

#: Profile → level name of the ``factur-x`` package.
LEVELS: Final[dict[Profile, str]] = {
    Profile.FACTURX_MINIMUM: "minimum",
    Profile.FACTURX_BASIC_WL: "basicwl",
    Profile.FACTURX_BASIC: "basic",
    Profile.FACTURX_EN16931: "en16931",
    Profile.FACTURX_EXTENDED: "extended",
}
#: BT-24 written when the model names no specification: the Factur-X EN 16931 profile.
DEFAULT_SPECIFICATION: Final = "urn:cen.eu:en16931:2017"


class FacturXError(ValueError):
    """A Factur-X PDF could not be built from the given PDF and invoice."""


def extract_xml(pdf: bytes) -> bytes:
    """The invoice XML embedded in a hybrid PDF; :class:`UnreadableDocument` when there is none."""
    return extract_embedded_xml(pdf)[1]


def level_for(invoice: InvoiceData) -> str:
    """The Factur-X level the invoice's BT-24 asks for; EN 16931 for XRechnung, Peppol and the rest.

    XRechnung and Peppol are CIUS of EN 16931, so the EN 16931 profile schema covers them.
    """
    profile = classify_specification(invoice.process.specification_id or DEFAULT_SPECIFICATION, in_pdf=True)
    return LEVELS.get(profile, "en16931")


def build_facturx(pdf: bytes, invoice: InvoiceData, *, lang: str = "de-DE") -> bytes:
    """Embed ``invoice`` as ``factur-x.xml`` into ``pdf`` and return the hybrid PDF/A-3 bytes.

    ``pdf`` should already be PDF/A (e.g. from :func:`belegwerk.einvoice.render.render_pdf`); the
    ``factur-x`` package adds the attachment, the XMP profile declaration and the output intent
    but does not convert arbitrary PDFs. The XML is checked against the Factur-X schema of the
    level, so a model that cannot be a valid Factur-X document is refused here, not downstream.
    """
    from facturx import generate_from_binary  # lazy: pulls in pypdf and the schemas

    model = invoice
    if not invoice.process.specification_id:
        model = copy.deepcopy(invoice)
        model.process.specification_id = DEFAULT_SPECIFICATION
    xml = write_cii(model)
    try:
        result = generate_from_binary(
            pdf,
            xml,
            flavor="factur-x",
            level=level_for(model),
            check_xsd=True,
            lang=lang,
            pdf_metadata={
                "author": model.seller.name,
                "keywords": "Factur-X, e-invoice",
                "title": f"{model.seller.name}: Rechnung {model.number}",
                "subject": f"Rechnung {model.number}",
            },
        )
    except Exception as exc:  # the package raises bare Exceptions for schema and PDF problems
        raise FacturXError(f"cannot build a Factur-X PDF: {exc}") from exc
    return bytes(result)


__all__ = ["LEVELS", "FacturXError", "UnreadableDocument", "build_facturx", "extract_xml", "level_for"]
