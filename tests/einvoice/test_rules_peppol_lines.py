"""The Peppol line rules read through the evaluation's Index agree with the packs' XPath.

R100, R101 and R121 on invoice lines were XPath tests; they now read the line's children from
:class:`~belegwerk.rules.peppol_common.Index`. This evaluates the packs' expressions with lxml
next to the native tests on every line of every corpus invoice, plain and salted with comments,
processing instructions and whitespace, and also outside an evaluation (a fresh index per call).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from belegwerk.rules import peppol_cii, peppol_ubl
from belegwerk.rules.engine import Element
from belegwerk.rules.peppol_common import begin_document, end_document
from belegwerk.xml.ns import NSMAP
from belegwerk.xml.safe import UnreadableXML, parse_xml
from support import corpus_xml_files

pytestmark = pytest.mark.einvoice

_CII = f"{{{NSMAP['rsm']}}}CrossIndustryInvoice"
_UBL = (f"{{{NSMAP['ubl']}}}Invoice", f"{{{NSMAP['cn']}}}CreditNote")


def _xpath(expr: str) -> Callable[[Element], bool]:
    compiled = etree.XPath(f"boolean({expr})", namespaces=NSMAP)
    return lambda node: bool(compiled(node))


_CII_RULES: list[tuple[str, Callable[[Element], bool], Callable[[Element], bool]]] = [
    (
        "R100",
        peppol_cii.r100,
        _xpath("count(ram:SpecifiedLineTradeSettlement/ram:AdditionalReferencedDocument[ram:TypeCode = '130']) <= 1"),
    ),
    (
        "R101",
        peppol_cii.r101,
        _xpath(
            "not(ram:SpecifiedLineTradeSettlement/ram:AdditionalReferencedDocument) or ram:SpecifiedLineTradeSettlement/ram:AdditionalReferencedDocument/ram:TypeCode = '130'"
        ),
    ),
]
_UBL_RULES: list[tuple[str, Callable[[Element], bool], Callable[[Element], bool]]] = [
    ("R100", peppol_ubl.r100, _xpath("count(cac:DocumentReference) <= 1")),
    (
        "R101",
        peppol_ubl.r101,
        _xpath("not(cac:DocumentReference) or cac:DocumentReference/cbc:DocumentTypeCode = '130'"),
    ),
    (
        "R121",
        peppol_ubl.r121,
        _xpath("not(cac:Price/cbc:BaseQuantity) or number(cac:Price/cbc:BaseQuantity) > 0"),
    ),
]


def _salted(root: Element) -> Element:
    copy = parse_xml(etree.tostring(root))
    for i, e in enumerate(list(copy.iter(etree.Element))):
        if i % 3 == 0:
            e.insert(0, etree.Comment("salt"))
        elif i % 3 == 1 and len(e) == 0 and not (e.text or "").strip():
            e.append(etree.ProcessingInstruction("pi", "x"))
        if i % 5 == 2:
            e.tail = (e.tail or "") + " "
    return copy


def _compare(root: Element) -> list[str]:
    if root.tag == _CII:
        lines = list(root.iter(f"{{{NSMAP['ram']}}}IncludedSupplyChainTradeLineItem"))
        rules = _CII_RULES
    else:
        lines = list(root.iter(f"{{{NSMAP['cac']}}}InvoiceLine", f"{{{NSMAP['cac']}}}CreditNoteLine"))
        rules = _UBL_RULES
    problems = []
    for inside in (True, False):
        if inside:
            begin_document(root)
        try:
            for line in lines:
                for rid, native, reference in rules:
                    if native(line) != reference(line):
                        problems.append(f"{rid} line {line.sourceline} (in evaluation: {inside})")
        finally:
            if inside:
                end_document(root)
    return problems


def _invoice(path: Path) -> Element | None:
    try:
        root = parse_xml(path.read_bytes())
    except UnreadableXML:
        return None
    return root if root.tag == _CII or root.tag in _UBL else None


def test_line_rules_agree_with_their_xpath(corpus: Path) -> None:
    checked = 0
    problems: list[str] = []
    for path in corpus_xml_files(corpus):
        if "/rules/" in path.as_posix():
            continue
        root = _invoice(path)
        if root is None:
            continue
        checked += 1
        problems += [f"{path}: {p}" for p in _compare(root)]
        problems += [f"{path} (salted): {p}" for p in _compare(_salted(root))]
    assert not problems, "\n".join(problems[:20])
    assert checked > 500
