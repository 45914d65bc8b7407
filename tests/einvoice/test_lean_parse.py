"""Parsing without the indentation (``parse_xml(..., drop_blank_text=True)``), as validation does.

The lean tree must hold exactly the same elements, attributes and text values as the full one;
only whitespace-only text between child elements may be missing. Checked on generated
documents that put whitespace, text, comments, processing instructions, CDATA sections and
character references in every position, on the corpus (every file validates to the same
findings), and for the encodings where the byte checks would be blind. The C check for
comments inside values (``_scan.markup_in_value``) must equal its reference in
:mod:`belegwerk.xml.safe`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from belegwerk.rules import scan
from belegwerk.rules.validate import validate_bytes, validate_tree
from belegwerk.xml import safe
from belegwerk.xml.safe import parse_xml
from support import corpus_xml_files

pytestmark = pytest.mark.einvoice

_STRING = etree.XPath("string(.)")


def _elements(root: Any) -> list[Any]:
    return list(root.iter(etree.Element))


def _assert_same_values(full: Any, lean: Any) -> None:
    """Same elements in the same order, same attributes, same value of every element without
    element children; elements with children may differ only in whitespace-only text."""
    a, b = _elements(full), _elements(lean)
    assert [e.tag for e in a] == [e.tag for e in b]
    for x, y in zip(a, b, strict=True):
        assert dict(x.attrib) == dict(y.attrib)
        if len(x.findall("*")) == 0:
            assert _STRING(x) == _STRING(y), (x.tag, _STRING(x), _STRING(y))
        else:
            texts_x = [t for t in x.xpath("text()") if t.strip()]
            texts_y = [t for t in y.xpath("text()") if t.strip()]
            assert texts_x == texts_y


_BLANK = st.text(st.sampled_from(" \t\n\r"), max_size=4)
_WORD = st.sampled_from(["a", "1.00", " x ", "\u00e4", "&amp;", "&#32;", "&#x20;&#10;", "&lt;b&gt;", "/>", "a > b"])
_MARKUP = st.sampled_from(["<!-- c -->", "<!---->", "<?pi x?>", "<?pi?>", "<![CDATA[ y ]]>", "<![CDATA[]]>"])


@st.composite
def _content(draw: st.DrawFn, depth: int) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["blank", "blank", "word", "markup", "element", "element"]))
        if kind == "blank":
            parts.append(draw(_BLANK))
        elif kind == "word":
            parts.append(draw(_WORD))
        elif kind == "markup":
            parts.append(draw(_MARKUP))
        elif depth < 3:
            parts.append(draw(_element(depth + 1)))
    return "".join(parts)


@st.composite
def _element(draw: st.DrawFn, depth: int = 0) -> str:
    name = draw(st.sampled_from(["a", "b", "cbc:ID", "cac:Party"]))
    space = draw(st.sampled_from(["", "", ' xml:space="preserve"', ' xml:space="default"']))
    attr = draw(st.sampled_from(["", ' v="1"', ' w=">"', " u='/'"]))
    if draw(st.integers(0, 5)) == 0:
        return f"<{name}{attr}/>"
    return f"<{name}{attr}{space}>{draw(_content(depth))}</{name}>"


_NS = 'xmlns:cbc="urn:cbc" xmlns:cac="urn:cac"'


@st.composite
def _documents(draw: st.DrawFn) -> bytes:
    declaration = draw(st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8"?>\n']))
    prolog = draw(st.sampled_from(["", "<!-- before -->\n", "<?before x?>\n"]))
    body = draw(_content(0))
    return f"{declaration}{prolog}<r {_NS}>{body}</r>\n".encode()


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents())
def test_lean_tree_keeps_every_value(data: bytes) -> None:
    full = parse_xml(data)
    for check in (None, scan.markup_in_value):
        lean = parse_xml(data, drop_blank_text=True, markup_check=check)
        _assert_same_values(full, lean)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents())
def test_markup_check_in_c_equals_the_reference(data: bytes) -> None:
    for root in (parse_xml(data), etree.fromstring(data, safe._new_parser(remove_blank_text=True))):
        for el in _elements(root):
            assert scan.markup_in_value(el) == safe.markup_in_value(el)


def test_indentation_is_left_out_and_values_are_kept() -> None:
    data = b'<r xmlns:cbc="urn:cbc">\n  <!-- BT-1 -->\n  <cbc:ID>  A 1 </cbc:ID>\n  <cbc:Note>   </cbc:Note>\n</r>'
    lean = parse_xml(data, drop_blank_text=True)
    assert lean.text is None and lean[0].tail is None  # the indentation is gone
    assert [_STRING(e) for e in lean.iter("{urn:cbc}*")] == ["  A 1 ", "   "]
    assert parse_xml(data).text == "\n  "  # the default keeps everything


@pytest.mark.parametrize(
    "value",
    [b"<cbc:ID>  <!-- c -->A</cbc:ID>", b"<cbc:ID><?pi?>  A  <!-- c -->  </cbc:ID>", b"<cbc:ID>  <![CDATA[A]]></cbc:ID>"],
)
def test_a_comment_or_cdata_inside_a_value_keeps_all_text(value: bytes) -> None:
    data = b'<r xmlns:cbc="urn:cbc">\n  ' + value + b"\n</r>"
    lean = parse_xml(data, drop_blank_text=True)
    assert lean.text == "\n  "  # parsed with all text: the value could not be trusted otherwise
    assert _STRING(lean[0]) == _STRING(parse_xml(data)[0])


_PI_PIECES = st.sampled_from([b"<?", b"<?xml ", b"<?xml-model", b"?", b"<", b"\xef\xbb\xbf", b"xml\n", b"a"])


@given(st.lists(_PI_PIECES, max_size=8).map(b"".join))
def test_processing_instruction_scan_finds_exactly_what_a_search_finds(data: bytes) -> None:
    """Every ``<?`` counts except an XML declaration at 0, or at 3 after a byte order mark."""
    starts = [i for i in range(len(data) - 1) if data[i : i + 2] == b"<?"]
    expected = any(not (i in (0, 3) and data[i + 2 : i + 6] in (b"xml ", b"xml\t", b"xml\n", b"xml\r")) for i in starts)
    assert safe._has_processing_instruction(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"<r><?pi?>  </r>",
        b'<?xml version="1.0"?><r><?pi?>  </r>',
        b'\xef\xbb\xbf<?xml version="1.0"?><r><!--c-->  </r>',
        b"<?xml-model href='x'?><r><?pi?>  </r>",
    ],
)
def test_markup_right_at_the_start_is_seen(data: bytes) -> None:
    """A processing instruction or comment just after a short root tag or the XML declaration
    (libxml2 would drop the blank value after it)."""
    assert _STRING(parse_xml(data, drop_blank_text=True)) == "  "


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_encodings_the_byte_checks_cannot_read_keep_all_text(encoding: str) -> None:
    text = f'<?xml version="1.0" encoding="{encoding}"?>\n<r>\n  <a>  <!-- c -->x</a>\n</r>'
    data = text.encode(encoding)
    try:
        full = parse_xml(data)
    except safe.UnreadableXML:
        pytest.skip(f"libxml2 does not read {encoding} without a byte order mark")
    lean = parse_xml(data, drop_blank_text=True)
    assert lean.text == full.text == "\n  "
    assert _STRING(lean[0]) == "  x"


def test_validation_finds_the_same_on_the_lean_tree(corpus: Path) -> None:
    """Every readable corpus file: the findings of validate_bytes (lean tree) equal those of a
    validation of the fully parsed tree, message and location included."""
    compared = 0
    for path in corpus_xml_files(corpus):
        data = path.read_bytes()
        try:
            full = parse_xml(data)
        except safe.UnreadableXML:
            continue
        expected = sorted((f.rule_id, f.severity.value, f.location, f.message) for f in validate_tree(full).findings)
        found = sorted((f.rule_id, f.severity.value, f.location, f.message) for f in validate_bytes(data).findings)
        assert found == expected, path
        compared += 1
    assert compared > 1000
