"""Factur-X hybrid PDFs: embed the model as CII, find it again, get the same model back."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from belegwerk.einvoice.cii import read_cii
from belegwerk.einvoice.detect import Profile, Syntax, detect
from belegwerk.einvoice.facturx import DEFAULT_SPECIFICATION, FacturXError, build_facturx, extract_xml, level_for
from belegwerk.einvoice.loader import load, read_invoice

pytestmark = pytest.mark.einvoice

XRECHNUNG_CII = "xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_uncefact.xml"
EN16931_CII = "en16931-examples/cii/examples/CII_example1.xml"


def _pdf(text: str = "Rechnung") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("relative", "profile"),
    [(EN16931_CII, Profile.FACTURX_EN16931), (XRECHNUNG_CII, Profile.XRECHNUNG)],
)
def test_embed_extract_gives_the_same_model(corpus: Path, relative: str, profile: Profile) -> None:
    invoice = read_invoice((corpus / relative).read_bytes())
    hybrid = build_facturx(_pdf(), invoice)
    detection = detect(hybrid)
    assert detection.syntax is Syntax.FACTURX
    assert detection.xml_syntax is Syntax.CII
    assert detection.attachment_name == "factur-x.xml"
    assert detection.profile is profile
    assert load(hybrid).invoice == invoice
    assert read_cii(extract_xml(hybrid)) == invoice


def test_ubl_source_becomes_factur_x_with_the_same_terms(corpus: Path) -> None:
    invoice = read_invoice((corpus / "en16931-examples/ubl/examples/ubl-tc434-example1.xml").read_bytes())
    assert read_invoice(build_facturx(_pdf(), invoice)) == invoice


def test_hybrid_declares_profile_in_xmp_metadata(corpus: Path) -> None:
    invoice = read_invoice((corpus / EN16931_CII).read_bytes())
    reader = PdfReader(io.BytesIO(build_facturx(_pdf(), invoice)))
    metadata = reader.xmp_metadata
    assert metadata is not None
    xmp = metadata.stream.get_data()
    assert b"EN 16931" in xmp
    assert b"factur-x.xml" in xmp
    assert "factur-x.xml" in reader.attachments


def test_missing_specification_defaults_to_en16931(corpus: Path) -> None:
    invoice = read_invoice((corpus / EN16931_CII).read_bytes())
    invoice.process.specification_id = ""
    hybrid = build_facturx(_pdf(), invoice)
    embedded = read_invoice(hybrid)
    assert embedded.process.specification_id == DEFAULT_SPECIFICATION
    assert invoice.process.specification_id == ""  # the caller's model is not changed


def test_level_follows_the_specification(corpus: Path) -> None:
    invoice = read_invoice((corpus / EN16931_CII).read_bytes())
    cases = {
        "urn:factur-x.eu:1p0:minimum": "minimum",
        "urn:factur-x.eu:1p0:basicwl": "basicwl",
        "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic": "basic",
        "urn:cen.eu:en16931:2017": "en16931",
        "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended": "extended",
        "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0": "en16931",
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0": "en16931",
    }
    for specification, level in cases.items():
        variant = copy.deepcopy(invoice)
        variant.process.specification_id = specification
        assert level_for(variant) == level, specification


def test_broken_pdf_is_refused_with_a_clear_error(corpus: Path) -> None:
    invoice = read_invoice((corpus / EN16931_CII).read_bytes())
    with pytest.raises(FacturXError, match="Factur-X"):
        build_facturx(b"%PDF-1.4 not really", invoice)


@pytest.mark.slow
def test_rendered_pdf_a3_becomes_a_hybrid(corpus: Path) -> None:
    from belegwerk.einvoice.render import render_pdf

    invoice = read_invoice((corpus / EN16931_CII).read_bytes())
    hybrid = build_facturx(render_pdf(invoice), invoice)
    assert detect(hybrid).profile is Profile.FACTURX_EN16931
    assert read_invoice(hybrid) == invoice
