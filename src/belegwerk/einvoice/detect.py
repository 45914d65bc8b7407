"""Tell what an incoming file is: which e-invoice syntax, which specification or profile.

Everything downstream (reading, validation scenario, rendering) depends on this answer, and the
input is untrusted: anything that is not a readable e-invoice ends in :class:`UnreadableDocument`
(or :class:`~belegwerk.xml.safe.UnreadableXML`, its XML-specific sibling) with a sentence a user
can act on — never in a crash or a hang.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from lxml import etree

from belegwerk.xml.ns import CII_RSM, UBL_CREDIT_NOTE, UBL_INVOICE
from belegwerk.xml.safe import UnreadableXML, parse_xml

#: Upper bound for a PDF we open (scanned multi-page invoices stay well below this).
MAX_PDF_BYTES: Final = 64 * 1024 * 1024

#: Names under which the hybrid formats embed their XML, in order of preference.
EMBEDDED_XML_NAMES: Final = (
    "factur-x.xml",
    "zugferd-invoice.xml",
    "ZUGFeRD-invoice.xml",
    "xrechnung.xml",
)

_UBL_INVOICE_TAG: Final = f"{{{UBL_INVOICE}}}Invoice"
_UBL_CREDIT_NOTE_TAG: Final = f"{{{UBL_CREDIT_NOTE}}}CreditNote"
_CII_TAG: Final = f"{{{CII_RSM}}}CrossIndustryInvoice"
_XRECHNUNG_VERSION = re.compile(r"xrechnung_(\d+(?:\.\d+)*)")


class UnreadableDocument(ValueError):
    """The bytes are not an e-invoice we can read (not XML/PDF, broken PDF, no embedded invoice, ...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Syntax(StrEnum):
    """How the invoice arrived: plain UBL XML, plain CII XML, or a PDF with embedded XML."""

    UBL = "ubl"
    CII = "cii"
    FACTURX = "facturx"


class Profile(StrEnum):
    """The specification an invoice claims to follow (from BT-24)."""

    EN16931 = "EN 16931"
    XRECHNUNG = "XRechnung"
    XRECHNUNG_EXTENSION = "XRechnung Extension"
    XRECHNUNG_CVD = "XRechnung CVD"
    PEPPOL_BIS_3 = "Peppol BIS Billing 3"
    FACTURX_MINIMUM = "Factur-X MINIMUM"
    FACTURX_BASIC_WL = "Factur-X BASIC WL"
    FACTURX_BASIC = "Factur-X BASIC"
    FACTURX_EN16931 = "Factur-X EN 16931"
    FACTURX_EXTENDED = "Factur-X EXTENDED"
    UNKNOWN = "unknown"

    @property
    def is_facturx(self) -> bool:
        """Whether this is one of the Factur-X/ZUGFeRD profiles."""
        return self.name.startswith("FACTURX_")


@dataclass(frozen=True)
class Detection:
    """What :func:`detect` found out about a file."""

    syntax: Syntax
    #: Syntax of the XML itself (``ubl`` or ``cii``); for a PDF, of the embedded file.
    xml_syntax: Syntax
    #: Local name of the root element: ``Invoice``, ``CreditNote`` or ``CrossIndustryInvoice``.
    document_type: str
    profile: Profile
    #: BT-24 exactly as written in the document ("" when missing).
    specification_id: str
    #: XRechnung version ("3.0", "2.3", ...) when the profile is an XRechnung one.
    version: str | None
    #: The invoice XML (for a PDF: the embedded file).
    xml: bytes = field(repr=False)
    #: The parsed XML root, so readers need not parse twice.
    root: etree._Element = field(repr=False, compare=False)
    #: For a PDF: the name of the embedded file.
    attachment_name: str | None = None


def classify_specification(specification_id: str, *, in_pdf: bool = False) -> Profile:
    """Map a CustomizationID / GuidelineID to a :class:`Profile`.

    The plain EN 16931 identifier is the Factur-X "EN 16931" profile when it comes inside a PDF.
    ZUGFeRD 2.0 identifiers (``urn:zugferd.de:2p0:...``) map to the equivalent Factur-X profiles.
    """
    spec = specification_id.strip().lower()
    if "xrechnung" in spec:
        if "cvd" in spec:
            return Profile.XRECHNUNG_CVD
        if "extension" in spec:
            return Profile.XRECHNUNG_EXTENSION
        return Profile.XRECHNUNG
    if "peppol.eu:2017:poacc:billing:3" in spec:
        return Profile.PEPPOL_BIS_3
    if "factur-x.eu" in spec or "zugferd.de" in spec:
        for marker, profile in (
            ("minimum", Profile.FACTURX_MINIMUM),
            ("basicwl", Profile.FACTURX_BASIC_WL),
            ("extended", Profile.FACTURX_EXTENDED),
            ("basic", Profile.FACTURX_BASIC),
            ("en16931", Profile.FACTURX_EN16931),
        ):
            if marker in spec.rsplit("urn:", 1)[-1]:
                return profile
    if spec == "urn:cen.eu:en16931:2017":
        return Profile.FACTURX_EN16931 if in_pdf else Profile.EN16931
    if spec.startswith("urn:cen.eu:en16931:2017"):
        return Profile.EN16931
    return Profile.UNKNOWN


def _specification_of(root: etree._Element) -> str:
    if root.tag == _CII_TAG:
        for context in root.iterchildren(f"{{{CII_RSM}}}ExchangedDocumentContext"):
            for element in context.iter("{*}GuidelineSpecifiedDocumentContextParameter"):
                for ident in element.iterchildren("{*}ID"):
                    return (ident.text or "").strip()
        return ""
    for element in root.iterchildren("{*}CustomizationID"):
        return (element.text or "").strip()
    return ""


def _xml_syntax(root: etree._Element) -> tuple[Syntax, str]:
    if root.tag in (_UBL_INVOICE_TAG, _UBL_CREDIT_NOTE_TAG):
        return Syntax.UBL, etree.QName(root).localname
    if root.tag == _CII_TAG:
        return Syntax.CII, "CrossIndustryInvoice"
    raise UnreadableDocument(
        f"the XML is not an invoice: its root element is {etree.QName(root).localname!r} "
        f"in namespace {etree.QName(root).namespace or '(none)'!r}; expected a UBL Invoice, a UBL CreditNote "
        "or a CII CrossIndustryInvoice"
    )


def _detect_xml(xml: bytes, *, container: Syntax | None, attachment_name: str | None) -> Detection:
    root = parse_xml(xml)
    syntax, document_type = _xml_syntax(root)
    specification = _specification_of(root)
    profile = classify_specification(specification, in_pdf=container is Syntax.FACTURX)
    match = _XRECHNUNG_VERSION.search(specification.lower())
    return Detection(
        syntax=container or syntax,
        xml_syntax=syntax,
        document_type=document_type,
        profile=profile,
        specification_id=specification,
        version=match.group(1) if match and profile.name.startswith("XRECHNUNG") else None,
        xml=xml,
        root=root,
        attachment_name=attachment_name,
    )


def extract_embedded_xml(pdf: bytes) -> tuple[str, bytes]:
    """The (name, bytes) of the invoice XML embedded in a Factur-X/ZUGFeRD/XRechnung PDF.

    Raises :class:`UnreadableDocument` for a broken PDF or one without an embedded invoice.
    """
    if len(pdf) > MAX_PDF_BYTES:
        raise UnreadableDocument(
            f"the PDF is {len(pdf) / 1_048_576:.1f} MB, larger than the {MAX_PDF_BYTES // 1_048_576} MB limit"
        )
    from pypdf import PdfReader  # imported lazily: most inputs are XML

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        if reader.is_encrypted:
            raise UnreadableDocument("the PDF is encrypted; an e-invoice PDF must be readable without a password")
        attachments = reader.attachments
        names = {name.lower(): name for name in attachments}
    except UnreadableDocument:
        raise
    except Exception as exc:  # pypdf can raise almost anything on a hostile file; all mean "unreadable"
        raise UnreadableDocument(f"the PDF cannot be read: {exc}") from exc
    for wanted in EMBEDDED_XML_NAMES:
        original = names.get(wanted.lower())
        if original is not None and attachments[original]:
            return original, attachments[original][0]
    # Some producers use other names; accept a single embedded XML that is an invoice.
    for name, contents in attachments.items():
        if name.lower().endswith(".xml") and contents:
            try:
                _xml_syntax(parse_xml(contents[0]))
            except (UnreadableXML, UnreadableDocument):
                continue
            return name, contents[0]
    listed = ", ".join(sorted(attachments)) or "none"
    raise UnreadableDocument(
        f"the PDF has no embedded e-invoice (looked for {', '.join(EMBEDDED_XML_NAMES)}; attachments: {listed})"
    )


def detect(data: bytes) -> Detection:
    """Detect syntax, document type and profile of ``data`` (XML or PDF bytes).

    Raises :class:`UnreadableDocument` or :class:`~belegwerk.xml.safe.UnreadableXML`.
    """
    if not isinstance(data, bytes | bytearray):
        raise TypeError("detect expects bytes")
    data = bytes(data)
    if not data.strip():
        raise UnreadableDocument("the file is empty")
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF-") or data[:1024].find(b"%PDF-") != -1:
        name, xml = extract_embedded_xml(data)
        return _detect_xml(xml, container=Syntax.FACTURX, attachment_name=name)
    if head[:1] in (b"<", b"\xef", b"\xff", b"\xfe", b"\x00"):
        return _detect_xml(data, container=None, attachment_name=None)
    raise UnreadableDocument("the file is neither XML nor PDF, so it cannot be an e-invoice")
