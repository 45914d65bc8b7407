"""BR-DEX-01: attachments of an XRechnung Extension document may also be XML, nothing else new."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from belegwerk.rules import xrechnung_cii, xrechnung_ubl
from belegwerk.rules.engine import Element, RuleSet
from belegwerk.xml.ns import NSMAP
from belegwerk.xml.safe import parse_xml
from support import corpus_file

pytestmark = pytest.mark.einvoice

MIME_CODES = ("application/xml", "application/pdf", "application/zip")


def _fired(ruleset: RuleSet, root: Element) -> list[str]:
    return [f.rule_id for f in ruleset.evaluate(root) if f.rule_id == "BR-DEX-01"]


def _ubl_with_attachments(path: Path) -> Element:
    root = parse_xml(path.read_bytes())
    anchor = root.find("cac:AccountingSupplierParty", NSMAP)
    assert anchor is not None
    for i, mime in enumerate(MIME_CODES):
        ref = etree.Element(f"{{{NSMAP['cac']}}}AdditionalDocumentReference")
        etree.SubElement(ref, f"{{{NSMAP['cbc']}}}ID").text = f"att-{i}"
        att = etree.SubElement(ref, f"{{{NSMAP['cac']}}}Attachment")
        obj = etree.SubElement(att, f"{{{NSMAP['cbc']}}}EmbeddedDocumentBinaryObject", mimeCode=mime, filename=f"a{i}")
        obj.text = "QUJD"
        anchor.addprevious(ref)
    return root


@pytest.mark.parametrize("name", ["04.01a-INVOICE_ubl.xml"])
def test_extension_allows_xml_attachments_but_not_others(corpus: Path, name: str) -> None:
    extension = _ubl_with_attachments(corpus_file(corpus, f"xrechnung-testsuite/business-cases/extension/{name}"))
    assert _fired(xrechnung_ubl.RULESET, extension) == ["BR-DEX-01"]  # application/zip only


def test_the_rule_belongs_to_the_extension_only(corpus: Path) -> None:
    cius = _ubl_with_attachments(
        corpus_file(corpus, "xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_ubl.xml")
    )
    assert _fired(xrechnung_ubl.RULESET, cius) == []


def test_cii_extension_attachments(corpus: Path) -> None:
    files = sorted((corpus / "xrechnung-testsuite/business-cases/extension").glob("*uncefact*.xml"))
    assert files, "the corpus has CII extension cases"
    root = parse_xml(files[0].read_bytes())
    agreement = root.find(".//ram:ApplicableHeaderTradeAgreement", NSMAP)
    assert agreement is not None
    for i, mime in enumerate(MIME_CODES):
        ref = etree.SubElement(agreement, f"{{{NSMAP['ram']}}}AdditionalReferencedDocument")
        etree.SubElement(ref, f"{{{NSMAP['ram']}}}IssuerAssignedID").text = f"att-{i}"
        etree.SubElement(ref, f"{{{NSMAP['ram']}}}TypeCode").text = "916"
        obj = etree.SubElement(ref, f"{{{NSMAP['ram']}}}AttachmentBinaryObject", mimeCode=mime, filename=f"a{i}")
        obj.text = "QUJD"
    assert _fired(xrechnung_cii.RULESET, root) == ["BR-DEX-01"]
