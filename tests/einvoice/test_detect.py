"""Syntax and profile detection, and refusal of everything that is not a readable e-invoice."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from einvoice_corpus import instances, is_cii
from reportlab.pdfgen import canvas

from belegwerk.einvoice.detect import (
    Profile,
    Syntax,
    UnreadableDocument,
    classify_specification,
    detect,
)
from belegwerk.einvoice.loader import load
from belegwerk.xml.safe import UnreadableXML

pytestmark = pytest.mark.einvoice


def _plain_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Rechnung ohne eingebettete Daten")
    page.save()
    return buffer.getvalue()


def test_every_corpus_instance_is_detected(corpus: Path) -> None:
    for path in instances(corpus):
        data = path.read_bytes()
        detection = detect(data)
        assert detection.syntax is (Syntax.CII if is_cii(data) else Syntax.UBL), path
        assert detection.xml == data


@pytest.mark.parametrize(
    ("relative", "syntax", "document_type", "profile", "version"),
    [
        ("xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_ubl.xml", Syntax.UBL, "Invoice",
         Profile.XRECHNUNG, "3.0"),
        ("xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_uncefact.xml", Syntax.CII,
         "CrossIndustryInvoice", Profile.XRECHNUNG, "3.0"),
        ("xrechnung-testsuite/business-cases/extension/04.01a-INVOICE_ubl.xml", Syntax.UBL, "Invoice",
         Profile.XRECHNUNG_EXTENSION, "3.0"),
        ("xrechnung-testsuite/technical-cases/cvd/02.01a-cvd_INVOICE_ubl.xml", Syntax.UBL, "Invoice",
         Profile.XRECHNUNG_CVD, "3.0"),
        ("peppol-bis/billing/examples/base-example.xml", Syntax.UBL, "Invoice", Profile.PEPPOL_BIS_3, None),
        ("peppol-bis/billing/examples/base-creditnote-correction.xml", Syntax.UBL, "CreditNote",
         Profile.PEPPOL_BIS_3, None),
        ("en16931-examples/cii/examples/CII_example1.xml", Syntax.CII, "CrossIndustryInvoice", Profile.EN16931, None),
    ],
)  # fmt: skip
def test_detects_syntax_document_type_and_profile(
    corpus: Path, relative: str, syntax: Syntax, document_type: str, profile: Profile, version: str | None
) -> None:
    detection = detect((corpus / relative).read_bytes())
    assert (detection.syntax, detection.xml_syntax) == (syntax, syntax)
    assert detection.document_type == document_type
    assert detection.profile is profile
    assert detection.version == version


@pytest.mark.parametrize(
    ("specification", "in_pdf", "profile"),
    [
        ("urn:factur-x.eu:1p0:minimum", True, Profile.FACTURX_MINIMUM),
        ("urn:factur-x.eu:1p0:basicwl", True, Profile.FACTURX_BASIC_WL),
        ("urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic", True, Profile.FACTURX_BASIC),
        ("urn:cen.eu:en16931:2017", True, Profile.FACTURX_EN16931),
        ("urn:cen.eu:en16931:2017", False, Profile.EN16931),
        ("urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended", True, Profile.FACTURX_EXTENDED),
        ("urn:zugferd.de:2p0:minimum", True, Profile.FACTURX_MINIMUM),
        ("urn:cen.eu:en16931:2017#compliant#urn:zugferd.de:2p0:basic", True, Profile.FACTURX_BASIC),
        ("urn:cen.eu:en16931:2017#conformant#urn:zugferd.de:2p0:extended", True, Profile.FACTURX_EXTENDED),
        ("urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.3", False, Profile.XRECHNUNG),
        (
            "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
            "#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0",
            False,
            Profile.XRECHNUNG_EXTENSION,
        ),
        ("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", False, Profile.PEPPOL_BIS_3),
        ("urn:cen.eu:en16931:2017#compliant#urn:www.difi.no:ehf:ver3.0", False, Profile.EN16931),
        ("", False, Profile.UNKNOWN),
        ("something else", False, Profile.UNKNOWN),
    ],
)
def test_classify_specification(specification: str, in_pdf: bool, profile: Profile) -> None:
    assert classify_specification(specification, in_pdf=in_pdf) is profile


def test_xrechnung_2_version_is_reported() -> None:
    xml = (
        b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
        b'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">'
        b"<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>"
        b"urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.3"
        b"</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>"
        b"</rsm:CrossIndustryInvoice>"
    )
    detection = detect(xml)
    assert detection.profile is Profile.XRECHNUNG
    assert detection.version == "2.3"


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&xxe;</ID></Invoice>"""
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'.encode() for i in range(1, 10))
    + b"]><lolz>&lol9;</lolz>"
)


@pytest.mark.parametrize(
    ("data", "error", "fragment"),
    [
        (b"", UnreadableDocument, "empty"),
        (b"   \n", UnreadableDocument, "empty"),
        (b"Rechnung Nr. 1", UnreadableDocument, "neither XML nor PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", UnreadableDocument, "neither XML nor PDF"),
        (b"<Invoice><ID>1</Invoice>", UnreadableXML, "not well-formed"),
        (XXE, UnreadableXML, "DOCTYPE"),
        (LAUGHS, UnreadableXML, "DOCTYPE"),
        ('<?xml version="1.0" encoding="UTF-8"?><a>\xe4</a>'.encode("latin-1"), UnreadableXML, "encoding"),
        (b'<?xml version="1.0" encoding="bogus"?><a/>', UnreadableXML, "encoding"),
        (b"<html><body>Rechnung</body></html>", UnreadableDocument, "not an invoice"),
        (b"%PDF-1.7\n1 0 obj <<>> garbage", UnreadableDocument, "PDF"),
    ],
)
def test_unreadable_input_raises_a_clear_error(data: bytes, error: type[Exception], fragment: str) -> None:
    with pytest.raises(error) as caught:
        load(data)
    assert fragment.lower() in str(caught.value).lower()


def test_oversize_xml_is_refused_before_parsing() -> None:
    data = b"<" + b" " * (100 * 1024 * 1024 + 1)
    with pytest.raises(UnreadableXML, match="larger than"):
        detect(data)


def test_pdf_without_embedded_invoice_is_refused() -> None:
    with pytest.raises(UnreadableDocument, match="no embedded e-invoice"):
        detect(_plain_pdf())


def test_other_business_documents_are_not_invoices(corpus: Path) -> None:
    order = next((corpus / "peppol-bis/poacc/examples").rglob("*.xml"))
    with pytest.raises((UnreadableDocument, UnreadableXML)):
        load(order.read_bytes())


def test_non_xml_corpus_files_are_refused(corpus: Path) -> None:
    refused = 0
    for path in sorted((corpus / "xrechnung-testsuite/validator-configuration-tests").rglob("*.xml")):
        data = path.read_bytes()
        try:
            load(data)
        except (UnreadableDocument, UnreadableXML) as exc:
            assert str(exc)
            refused += 1
    assert refused >= 2  # bin001.xml and the truncated ubl007.xml at least


def test_rule_test_instances_load_or_are_refused_cleanly(corpus: Path) -> None:
    """The rule unit-test instances are odd on purpose; each must read and round-trip, or be
    refused with one of the two documented errors — never anything else."""
    from belegwerk.einvoice.cii import read_cii, write_cii
    from belegwerk.einvoice.ubl import read_ubl, write_ubl

    paths = sorted(
        [
            *(corpus / "xrechnung-testsuite/schematron-unit-tests").rglob("*.xml"),
            *(corpus / "xrechnung-testsuite/validator-configuration-tests").rglob("*.xml"),
            *(corpus / "peppol-bis/billing/national-examples").rglob("*.xml"),
        ]
    )
    assert len(paths) > 350
    loaded = 0
    for path in paths:
        try:
            result = load(path.read_bytes())
        except (UnreadableDocument, UnreadableXML):
            continue
        invoice = result.invoice
        if result.detection.xml_syntax is Syntax.UBL:
            assert read_ubl(write_ubl(invoice)) == invoice, path
        else:
            assert read_cii(write_cii(invoice)) == invoice, path
        loaded += 1
    assert loaded >= 390
