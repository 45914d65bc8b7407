"""The Peppol packs' XPath subset compiled to Python: ``text()`` steps, ``number()`` and
comparisons of two ``normalize-space`` values.

Two references: Saxon (saxonche, XPath 2.0 in backwards-compatible mode, so a function applied
to several nodes reads the first as in the XPath 1.0 the packs are written in) on generated trees
with text split by comments, CDATA sections and processing instructions — the data model the
official XSLT rules see — and, on every element of the corpus invoices, the lxml XPath the
Peppol packs evaluated before these expressions were compiled.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from belegwerk.rules import peppol_cii, peppol_ubl
from belegwerk.rules.engine import Element
from belegwerk.rules.peppol_common import XPathTest, first_text_node, own_text, python_test
from belegwerk.xml.ns import NSMAP
from belegwerk.xml.safe import UnreadableXML, parse_xml
from support import corpus_xml_files

pytestmark = pytest.mark.einvoice

CBC = NSMAP["cbc"]

#: Expressions of the kinds the compiler learnt, over two element names the generator fills.
EXPRESSIONS = [
    "normalize-space(cbc:ChargeIndicator/text()) = 'true' or normalize-space(cbc:ChargeIndicator/text()) = 'false'",
    "normalize-space(cbc:ChargeIndicator/text()) != ''",
    "normalize-space(cbc:ChargeIndicator/text())",
    "not(cbc:ChargeIndicator) or normalize-space(cbc:ChargeIndicator/text()) != normalize-space(cbc:ID/text())",
    "normalize-space(cbc:ChargeIndicator) = normalize-space(cbc:ID/text())",
    "number(cbc:Percent) = 25 or number(cbc:Percent) = 12 or number(cbc:Percent) = 6",
    "number(cbc:Percent) > 6",
    "not(number(cbc:Percent) != 12)",
]

TEXTS = ["true", " false ", "tr", "ue", "", " ", "25", " 12 ", "6.0", "-6", "abc", "12.000"]
#: One piece of an element's content.
PARTS = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(TEXTS)),
    st.tuples(st.just("cdata"), st.sampled_from([t for t in TEXTS if t])),
    st.tuples(st.just("comment"), st.just("c")),
    st.tuples(st.just("pi"), st.just("p")),
    st.tuples(st.just("child"), st.sampled_from(TEXTS)),
)
CONTENT = st.lists(PARTS, max_size=4)


def _element(name: str, parts: list[tuple[str, str]]) -> str:
    body = []
    for kind, value in parts:
        if kind == "text":
            body.append(value)
        elif kind == "cdata":
            body.append(f"<![CDATA[{value}]]>")
        elif kind == "comment":
            body.append(f"<!--{value}-->")
        elif kind == "pi":
            body.append(f"<?{value} x?>")
        else:
            body.append(f"<cbc:Sub>{value}</cbc:Sub>")
    return f"<cbc:{name}>{''.join(body)}</cbc:{name}>"


def _document(
    indicators: list[list[tuple[str, str]]], ids: list[list[tuple[str, str]]], percent: list[tuple[str, str]] | None
) -> str:
    inner = [_element("ChargeIndicator", p) for p in indicators] + [_element("ID", p) for p in ids]
    if percent is not None:  # at most one: XPath 2.0 ``number()`` refuses a sequence of several
        inner.append(_element("Percent", percent))
    return f'<r xmlns:cbc="{CBC}">{"".join(inner)}</r>'


class _Saxon:
    def __init__(self) -> None:
        saxonche = pytest.importorskip("saxonche")
        self.proc = saxonche.PySaxonProcessor(license=False)

    def evaluate(self, xml: str, expr: str) -> bool:
        xp = self.proc.new_xpath_processor()
        xp.declare_namespace("cbc", CBC)
        xp.set_backwards_compatible(True)
        xp.set_context(xdm_item=self.proc.parse_xml(xml_text=xml))
        return bool(xp.effective_boolean_value(f"/*/boolean({expr})"))


@pytest.fixture(scope="module")
def saxon() -> _Saxon:
    return _Saxon()


def test_every_expression_is_compiled() -> None:
    assert all(python_test(e) is not None for e in EXPRESSIONS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    indicators=st.lists(CONTENT, max_size=2),
    ids=st.lists(CONTENT, max_size=2),
    percent=st.none() | CONTENT,
)
def test_compiled_expressions_agree_with_saxon(
    saxon: _Saxon,
    indicators: list[list[tuple[str, str]]],
    ids: list[list[tuple[str, str]]],
    percent: list[tuple[str, str]] | None,
) -> None:
    xml = _document(indicators, ids, percent)
    root = etree.fromstring(xml)
    for expr in EXPRESSIONS:
        test = python_test(expr)
        assert test is not None
        assert test(root) == saxon.evaluate(xml, expr), f"{expr} on {xml}"


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        ("<r><a>tr<!--c-->ue</a></r>", "tr"),
        ("<r><a><![CDATA[tr]]>ue</a></r>", "true"),
        ("<r><a><!--c-->true</a></r>", "true"),
        ("<r><a><b>x</b></a><a>y</a></r>", "y"),
        ("<r><a/><a>second</a></r>", "second"),
        ("<r><a/></r>", ""),
    ],
)
def test_first_text_node(xml: str, expected: str) -> None:
    root = etree.fromstring(xml)
    assert first_text_node(list(root)) == expected


def _translated(module: object) -> list[tuple[str, Callable[[Element], bool], Callable[[Element], bool]]]:
    """(expression, compiled test, lxml XPath) for the pack's XPath tests of the new kinds."""
    out = []
    for rule in module.RULESET.rules():  # type: ignore[attr-defined]
        test = rule.test
        if not isinstance(test, XPathTest) or test.native is None:
            continue
        expr = test.expr
        if "text()" in expr or "number(" in expr or expr.count("normalize-space(") > 1:
            xp = etree.XPath(f"boolean({expr})", namespaces=NSMAP)
            out.append((expr, test.native, lambda node, xp=xp: bool(xp(node))))
    return out


def test_translated_pack_tests_agree_with_lxml_on_the_corpus(corpus: Path) -> None:
    """Corpus invoices carry no CDATA sections, where lxml's XPath (libxml2) splits text nodes
    and the official rules' data model does not: there both must agree on every element."""
    checks = {"ubl": _translated(peppol_ubl), "cii": _translated(peppol_cii)}
    assert len(checks["ubl"]) >= 5 and len(checks["cii"]) >= 5
    files = 0
    problems: list[str] = []
    for path in corpus_xml_files(corpus):
        if "/rules/" in path.as_posix():
            continue
        try:
            root = parse_xml(path.read_bytes())
        except UnreadableXML:
            continue
        syntax = "cii" if root.tag == f"{{{NSMAP['rsm']}}}CrossIndustryInvoice" else "ubl"
        files += 1
        for el in root.iter(etree.Element):
            for expr, native, reference in checks[syntax]:
                if native(el) != reference(el):
                    problems.append(f"{path}:{el.sourceline}: {expr}")
    assert not problems, "\n".join(problems[:20])
    assert files > 500


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        ("<c> 95 </c>", "95"),
        ("<c><!--reason-->95</c>", "95"),  # lxml's ``text`` is None here; the text node is "95"
        ("<c><![CDATA[9]]>5</c>", "95"),
        ("<c/>", ""),
    ],
)
def test_own_text_reads_a_code_as_the_code_list_rules_do(xml: str, expected: str) -> None:
    """``normalize-space(text())`` of a code element (PEPPOL-EN16931-CL002/CL003/CL006, P0100/P0101)."""
    assert own_text(etree.fromstring(xml)) == expected
