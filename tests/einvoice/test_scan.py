"""The document scan the rule packs index from: its definition, and C and Python agreeing on it.

``belegwerk.rules.scan.scan_python`` is the reference; it must equal a definition written with
nothing but lxml's element API, and the C scanner (``_scan.c``, built by
``tools/build_native_rules.py``) must give exactly what the reference gives, on every corpus file,
on corpus files salted with comments, processing instructions, CDATA and unqualified or
namespaced attributes, and on generated trees.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from belegwerk.rules import native, scan
from belegwerk.rules.engine import document_session
from belegwerk.xml.safe import parse_xml
from support import corpus_xml_files

pytestmark = pytest.mark.einvoice

EXPECT_NATIVE = os.environ.get("BELEGWERK_EXPECT_NATIVE", "") not in ("", "0")
needs_c = pytest.mark.skipif(
    not scan.NATIVE and not EXPECT_NATIVE, reason="the C scanner is not built (tools/build_native_rules.py)"
)

_DOC = b"""<r xmlns="urn:x" xmlns:o="urn:other" a="1">
  <a/>
  <b>  </b>
  <c>text</c>
  <d><!-- first --><e/></d>
  <f><g/><!-- later --></f>
  <h><?pi x?></h>
  <i><!-- only --></i>
  <j><k>1</k><?pi y?><l/></j>
  <m>x<!-- after text --></m>
  <n o:q="2" currencyID="EUR"><![CDATA[ <cdata> ]]> and &amp; text</n>
  <p xmlns=""><c>plain</c><c/></p>
  <s>\xc3\xa4\xe2\x82\xac<![CDATA[]]></s>
  <t><![CDATA[ ]]></t>
</r>"""


def _definition(root: Any) -> tuple[Any, ...]:
    """The scan, read element by element with lxml's public element API."""
    els = list(root.iter(etree.Element))
    position = {e: i for i, e in enumerate(els)}
    tags = [e.tag for e in els]
    parents = [position.get(e.getparent(), -1) if e is not root else -1 for e in els]
    kids: dict[Any, dict[str, list[Any]]] = {}
    by_tag: dict[str, list[Any]] = {}
    maybe_empty: list[Any] = []
    texts: list[str | None] = []
    attrs: dict[str, list[int]] = {}
    for i, e in enumerate(els):
        by_tag.setdefault(e.tag, []).append(e)
        if i:
            kids.setdefault(els[parents[i]], {}).setdefault(e.tag, []).append(e)
        if not any(isinstance(c.tag, str) for c in e):
            kids[e] = {}
        if len(e) == 0:
            texts.append(e.text or "")
            if not (e.text or "").strip(" \t\n\r"):
                maybe_empty.append(e)
        else:
            texts.append(None)
            if not isinstance(e[0].tag, str):
                maybe_empty.append(e)
        for name in e.keys():  # noqa: SIM118 - an element, not a dict
            attrs.setdefault(name, []).append(i)
    return els, tags, parents, kids, by_tag, maybe_empty, texts, attrs


def _plain(result: tuple[Any, ...]) -> tuple[Any, ...]:
    """A scan with elements replaced by their document positions, for comparison and messages."""
    els, tags, parents, kids, by_tag, maybe_empty, texts, attrs = result
    at = {id(e): i for i, e in enumerate(els)}
    return (
        len(els),
        list(tags),
        list(parents),
        {at[id(k)]: {t: [at[id(e)] for e in v] for t, v in g.items()} for k, g in kids.items()},
        {t: [at[id(e)] for e in v] for t, v in by_tag.items()},
        [at[id(e)] for e in maybe_empty],
        list(texts),
        dict(attrs),
    )


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> None:
    assert _plain(a) == _plain(b)
    assert all(x is y for x, y in zip(a[0], b[0], strict=True)), "the same element proxies, in the same order"
    assert list(a[3]) == list(b[3]) and list(a[4]) == list(b[4]), "dictionaries in document order"


def test_reference_equals_the_definition() -> None:
    root = etree.fromstring(_DOC)
    _same(scan.scan_python(root), _definition(root))
    _, tags, _, _, _, maybe_empty, texts, attrs = scan.scan_python(root)
    assert [e.tag.rsplit("}", 1)[-1] for e in maybe_empty] == ["a", "b", "d", "e", "g", "h", "i", "l", "m", "c", "t"]
    assert texts[tags.index("{urn:x}n")] == " <cdata>  and & text"
    assert texts[tags.index("{urn:x}s")] == "\u00e4\u20ac"
    n = tags.index("{urn:x}n")
    assert attrs == {"a": [0], "{urn:other}q": [n], "currencyID": [n]}


def test_a_subtree_is_scanned_from_its_top() -> None:
    root = etree.fromstring(_DOC)
    sub = root.find("{urn:x}j")
    assert sub is not None
    result = scan.scan(sub)
    _same(result, _definition(sub))
    assert result[2][0] == -1


def test_elements_without_element_children_share_one_empty_dict() -> None:
    els, _, _, kids, *_ = scan.scan(etree.fromstring(_DOC))
    empty = [e for e in els if not kids[e]]
    assert len(empty) > 5 and all(kids[e] is scan.NO_KIDS for e in empty) and scan.NO_KIDS == {}


def test_tags_are_the_canonical_objects() -> None:
    first = scan.scan(etree.fromstring(_DOC))
    second = scan.scan(etree.fromstring(_DOC))
    for a, b in zip(first[1], second[1], strict=True):
        assert a is b
        assert scan.canonical("".join(a)) is a  # an equal string made elsewhere maps to it
    assert scan.canonical("{urn:x}never-seen") == "{urn:x}never-seen"
    umlaut = scan.scan(etree.fromstring("<r xmlns='urn:x'><\u00e4\u00f6/></r>".encode()))[1][1]
    assert scan.canonical("{urn:x}" + "\u00e4\u00f6") is umlaut  # non-ASCII names are shared too
    for odd in ("{unclosed", "a\x00b", ""):
        assert scan.canonical(odd) == odd


def test_document_scan_is_shared_within_a_session_only() -> None:
    root = etree.fromstring(_DOC)
    with document_session(root):
        first = scan.document_scan(root)
        again = scan.document_scan(root)
        assert all(a is b for a, b in zip(again, first, strict=True)), "the same lists and dictionaries"
    assert scan.document_scan(root)[0] is not first[0]


@needs_c
def test_c_scanner_is_built_and_used() -> None:
    verdict = native.decide_scanner()
    assert verdict.compiled, verdict.reason
    assert scan.NATIVE
    assert "document scan: C" in native.describe_build()


@needs_c
def test_c_scanner_equals_the_reference_on_the_sample() -> None:
    from belegwerk.rules import _scan  # type: ignore[attr-defined]

    root = etree.fromstring(_DOC)
    _same(_scan.scan(root), scan.scan_python(root))
    _same(_scan.scan(root, False), scan.scan_python(root, False))
    _same(_scan.scan(root, texts=False), scan.scan_python(root, texts=False))
    for node in (etree.Comment("x"), etree.ProcessingInstruction("p", "x"), "text", None):
        with pytest.raises(TypeError):
            _scan.scan(node)
    for bad in ((), (root, True, True)):
        with pytest.raises(TypeError):
            _scan.scan(*bad)
    with pytest.raises(TypeError, match="unexpected keyword"):
        _scan.scan(root, text=False)


def test_scan_without_texts_is_the_scan_with_them_minus_the_texts() -> None:
    root = etree.fromstring(_DOC)
    full, lean = scan.scan(root), scan.scan(root, texts=False)
    assert lean[6] == []
    assert len(full[6]) == len(full[0])
    _same((*full[:6], [], *full[7:]), lean)


def test_a_pack_asking_for_texts_gets_a_scan_with_texts() -> None:
    root = etree.fromstring(_DOC)
    with document_session(root):
        # compiled, a scan is rebuilt as a tuple per call: its lists tell whether it is the same
        lean = scan.document_scan(root)  # what the UBL and Peppol packs ask for
        assert lean[6] == []
        assert scan.document_scan(root)[0] is lean[0]
        full = scan.document_scan(root, texts=True)  # the CII pack
        assert full[0] is not lean[0]
        assert len(full[6]) == len(full[0])
        assert scan.document_scan(root)[0] is full[0]
        assert scan.document_scan(root, texts=True)[0] is full[0]


def _salted(data: bytes) -> list[bytes]:
    """The same document with comments, processing instructions, CDATA and attributes added."""
    out: list[bytes] = []
    for kind in ("comment-first", "pi-last", "cdata", "attributes"):
        root = etree.fromstring(data)
        for i, el in enumerate(list(root.iter(etree.Element))):
            if kind == "comment-first":
                el.insert(0, etree.Comment(" c "))
            elif kind == "pi-last":
                el.append(etree.ProcessingInstruction("belegwerk", "x"))
            elif kind == "cdata" and len(el) == 0 and i % 2:
                el.text = etree.CDATA(f" {el.text or ''} ")
            elif kind == "attributes":
                el.set("{urn:belegwerk:test}n", str(i))
                el.set("plain", "")
        out.append(etree.tostring(root))
    return out


@needs_c
def test_c_scanner_equals_the_reference_on_the_corpus(corpus: Path) -> None:
    from belegwerk.rules import _scan  # type: ignore[attr-defined]

    files = corpus_xml_files(corpus)
    compared = 0
    for i, path in enumerate(files):
        data = path.read_bytes()
        try:
            root = parse_xml(data)
        except ValueError:
            continue  # the unreadable samples (not XML at all)
        _same(_scan.scan(root), scan.scan_python(root))
        _same(_scan.scan(root, False), scan.scan_python(root, False))
        compared += 1
        if i % 10 == 0:
            for salted in _salted(data):
                other = etree.fromstring(salted)
                _same(_scan.scan(other), scan.scan_python(other))
                _same(_scan.scan(other, False), scan.scan_python(other, False))
    assert compared > 1000


_NAMES = st.sampled_from(["A", "b", "Amount", "ID", "x-y", "\u00e4\u00f6", "n1"])
_URIS = st.sampled_from([None, "urn:a", "urn:b", "http://example.org/x%C3%A4"])
_TEXT = st.text(st.sampled_from(" \t\n\rab&<\u00e4\u20ac"), max_size=6)


@st.composite
def _trees(draw: st.DrawFn, depth: int = 0) -> Any:
    uri, name = draw(_URIS), draw(_NAMES)
    el = etree.Element(f"{{{uri}}}{name}" if uri else name)
    if draw(st.booleans()):
        el.set(draw(_NAMES), draw(_TEXT))
    text = draw(_TEXT)
    el.text = etree.CDATA(text) if text and draw(st.booleans()) else (text or None)
    if depth < 3:
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["element", "element", "comment", "pi"]))
            if kind == "element":
                child = draw(_trees(depth + 1))
            elif kind == "comment":
                child = etree.Comment(draw(_TEXT).replace("-", "") or "c")
            else:
                child = etree.ProcessingInstruction("pi", "x")
            child.tail = draw(_TEXT) or None
            el.append(child)
    return el


@needs_c
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees())
def test_c_scanner_equals_the_reference_on_generated_trees(tree: Any) -> None:
    from belegwerk.rules import _scan  # type: ignore[attr-defined]

    root = etree.fromstring(etree.tostring(tree, encoding="utf-8"))  # parsed, as documents arrive
    _same(_scan.scan(root), scan.scan_python(root))
    _same(_scan.scan(root, False), scan.scan_python(root, False))
    _same(scan.scan_python(root), _definition(root))


def test_scanner_build_decisions(tmp_path: Path) -> None:
    """A scanner binary is used only with a manifest naming its current source and this lxml."""
    suffix = native.sysconfig.get_config_var("EXT_SUFFIX")
    (tmp_path / "_scan.c").write_text("/* v1 */\n", encoding="utf-8")
    assert "not compiled" in native.decide_scanner(tmp_path, {}).reason
    (tmp_path / f"_scan{suffix}").write_bytes(b"")
    assert not native.decide_scanner(tmp_path, {}).compiled  # no manifest
    record = {"scanner": {"source": native.scanner_digest(tmp_path), "lxml": native.lxml_version()}}
    (tmp_path / native.MANIFEST).write_text(json.dumps(record), encoding="utf-8")
    assert native.decide_scanner(tmp_path, {}).compiled
    assert not native.decide_scanner(tmp_path, {native.PURE_PYTHON_ENV: "1"}).compiled
    record["scanner"]["lxml"] = "1.2.3"
    (tmp_path / native.MANIFEST).write_text(json.dumps(record), encoding="utf-8")
    verdict = native.decide_scanner(tmp_path, {})
    assert not verdict.compiled and verdict.stale == ("_scan",) and "lxml 1.2.3" in verdict.reason
    record["scanner"]["lxml"] = native.lxml_version()
    (tmp_path / native.MANIFEST).write_text(json.dumps(record), encoding="utf-8")
    (tmp_path / "_scan.c").write_text("/* v2, edited after the build */\n", encoding="utf-8")
    verdict = native.decide_scanner(tmp_path, {})
    assert not verdict.compiled and "_scan.c changed" in verdict.reason


def _facts_plain(f: Any, els: list[Any]) -> tuple[Any, ...]:
    at = {id(e): i for i, e in enumerate(els)}
    return (
        [(at[id(e)], node.path) for e, node in f.watched],
        [(at[id(e)], chain) for e, chain in f.suffixed],
        [at[id(e)] for e in f.amount],
        [at[id(e)] for e in f.binary],
        sorted(f.names),
        f.pmc_name,
    )


@needs_c
def test_c_trie_walk_equals_the_reference_on_the_corpus(corpus: Path) -> None:
    """The EN 16931 UBL pack's per-document facts (UBL-CR paths, amounts, binaries) from the C
    walk and from the Python reference, on every UBL document of the corpus and salted copies."""
    from belegwerk.rules import en16931_ubl  # noqa: F401 - registers the UBL-CR paths
    from belegwerk.rules.en16931_ubl_support import _facts, _facts_python

    assert scan.TRIE_WALK is not None
    compared = watched = 0
    for i, path in enumerate(corpus_xml_files(corpus)):
        data = path.read_bytes()
        try:
            root = parse_xml(data)
        except ValueError:
            continue
        if not str(root.tag).endswith(("}Invoice", "}CreditNote")):
            continue
        roots = [root] + ([etree.fromstring(s) for s in _salted(data)] if i % 10 == 0 else [])
        for r in roots:
            sc = scan.scan(r, texts=False)
            fast, reference = _facts(sc), _facts_python(sc)
            assert _facts_plain(fast, sc[0]) == _facts_plain(reference, sc[0]), path
            watched += len(reference.watched)
        compared += 1
    assert compared > 300
    assert watched > 0, "some corpus documents carry elements at UBL-CR paths"


@needs_c
def test_c_trie_walk_refuses_what_is_no_scan() -> None:
    from belegwerk.rules import _scan  # type: ignore[attr-defined]

    trie: tuple[Any, bool, None] = ({}, False, None)
    with pytest.raises(TypeError):
        _scan.trie_walk([], [], [], trie, set())
    with pytest.raises(ValueError, match="differ in length"):
        _scan.trie_walk([1], [], [], trie, set(), {})
    with pytest.raises(ValueError, match="not a scan"):
        _scan.trie_walk(["a"], ["t"], [0], trie, set(), {})
    with pytest.raises(ValueError, match="not a scan"):
        _scan.trie_walk(["a", "b"], ["t", "u"], [-1, -1], trie, set(), {})
    assert _scan.trie_walk([], [], [], trie, set(), {}) == ([], [], [], [])


def _sample_roots(corpus: Path) -> Iterator[tuple[Path, Any]]:
    """Every 15th corpus file that parses, with its root element."""
    for path in corpus_xml_files(corpus)[::15]:
        try:
            yield path, parse_xml(path.read_bytes())
        except ValueError:
            continue


@needs_c
def test_c_tag_helpers_equal_the_reference(corpus: Path) -> None:
    """``tag_of`` and ``ancestors_match`` in C and in Python, on every element of a sample of
    corpus documents, for each element's true ancestor chain, with wildcards and with one tag
    changed, anchored and not."""
    from belegwerk.rules import _scan  # type: ignore[attr-defined]

    wrong = scan.canonical("{urn:belegwerk:test}other")
    checked = 0
    for path, root in _sample_roots(corpus):
        for el in root.iter(etree.Element):
            assert _scan.tag_of(el) == el.tag
            assert _scan.tag_of(el) is scan.canonical(el.tag)
            chain = tuple(a.tag for a in el.iterancestors())
            for wanted in (chain, chain[:2], (None, *chain[1:3]), (wrong, *chain[1:]), (*chain, wrong)):
                for anchored in (True, False):
                    expected = scan._ancestors_match_python(el, wanted, anchored)
                    assert _scan.ancestors_match(el, wanted, anchored) == expected, (path, el.tag, wanted)
            checked += 1
    assert checked > 1000
    for bad in (etree.Comment("x"), "text", None):
        with pytest.raises(TypeError):
            _scan.tag_of(bad)
        with pytest.raises(TypeError):
            _scan.ancestors_match(bad, (), False)
    with pytest.raises(TypeError):
        _scan.ancestors_match(root, ["list"], False)
    assert _scan.ancestors_match(root, (), True)
    assert not _scan.ancestors_match(root, (None,), False)


@needs_c
def test_c_positions_equal_the_reference(corpus: Path) -> None:
    """``positions`` in C and in Python on the element lists of a sample of corpus documents
    (the EN 16931 CII index's element -> position map), and on what is no element list."""
    from belegwerk.rules import _scan  # type: ignore[attr-defined]

    checked = 0
    for _path, root in _sample_roots(corpus):
        els = scan.scan(root)[0]
        found = _scan.positions(els)
        assert found == scan._positions_python(els)
        assert [found[el] for el in els] == list(range(len(els)))
        checked += len(els)
    assert checked > 10_000
    assert _scan.positions([]) == {}
    for bad in ((), None, "els"):
        with pytest.raises(TypeError):
            _scan.positions(bad)
    with pytest.raises(TypeError):  # an unhashable item: the error surfaces, nothing leaks
        _scan.positions([root, []])
