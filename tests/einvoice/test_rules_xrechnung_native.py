"""The native XRechnung patterns report exactly what their contexts report through the engine.

Each :class:`~belegwerk.rules.xrechnung_common.NativePattern` decides its pattern in one function
over the document index; its contexts (XPath tests, the pack's wording) stay in the pack as the
reference. This compares both, failure for failure and in order, on every invoice of the corpus
(XRechnung business cases and unit tests, CEN and Peppol examples), plain and salted with
comments, processing instructions and whitespace.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from belegwerk.rules import xrechnung_cii, xrechnung_ubl
from belegwerk.rules.engine import Element
from belegwerk.rules.peppol_common import Index, begin_document, end_document
from belegwerk.rules.xrechnung_common import NativePattern, engine_failures
from belegwerk.xml.ns import NSMAP
from belegwerk.xml.safe import UnreadableXML, parse_xml
from support import corpus_xml_files

pytestmark = pytest.mark.einvoice

_CII = f"{{{NSMAP['rsm']}}}CrossIndustryInvoice"
_UBL = (f"{{{NSMAP['ubl']}}}Invoice", f"{{{NSMAP['cn']}}}CreditNote")


def _salted(root: Element) -> Element:
    """A copy with comments, processing instructions and whitespace where text is read."""
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
    ruleset = xrechnung_cii.RULESET if root.tag == _CII else xrechnung_ubl.RULESET
    problems = []
    for pattern in ruleset.patterns:
        if not isinstance(pattern, NativePattern):
            continue
        begin_document(root)
        native = [(n, rid) for n, rid in pattern.check(root, Index(root))]
        begin_document(root)
        try:
            reference = [(n, r.id) for n, r in engine_failures(pattern, root)]
        finally:
            end_document(root)
        if native != reference:
            problems.append(f"{pattern.name}: native {native} != engine {reference}")
    return problems


def _invoice(path: Path) -> Element | None:
    """The parsed file if it is a CII or UBL invoice (not every corpus file is one, or readable)."""
    try:
        root = parse_xml(path.read_bytes())
    except UnreadableXML:
        return None
    return root if root.tag == _CII or root.tag in _UBL else None


def test_native_patterns_agree_with_their_contexts(corpus: Path) -> None:
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
