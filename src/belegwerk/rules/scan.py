"""One pass over a document for the rule packs' indexes: elements, tags, parents, children by tag.

Every invoice pack indexes the document before it evaluates it, and the walk used to cost a third
of a pack's time: an lxml ``tag`` read builds a new ``"{namespace}name"`` string each time, a
``text`` read decodes UTF-8 again, and each pack walked the tree on its own. :func:`scan` does the
walk once per document and validation, in C when the native build has compiled
``_scan.c`` (see ``tools/build_native_rules.py``), else with :func:`scan_python`, the reference
both must agree with (``tests/einvoice/test_scan.py`` compares them on the whole corpus and on
generated trees).

A :data:`Scan` is a tuple, so the compiled packs unpack it without attribute lookups:

``(els, tags, parents, kids, by_tag, maybe_empty, texts, attrs)``

* ``els``: the elements in document order, the scanned element first (comments and processing
  instructions are not elements and are not listed);
* ``tags``: their Clark tags; the same tag is the same string object in every scan of the
  process, so dictionary lookups with it compare pointers (:func:`canonical` gives that object
  for a constant);
* ``parents``: each element's parent position in ``els`` (-1 for the scanned element);
* ``kids``: element -> {tag: [element children in document order]}, for every element; the
  elements without element children share one empty dictionary, :data:`NO_KIDS` (never modify
  it), so a lookup for a scanned element always hits;
* ``by_tag``: tag -> [elements in document order];
* ``maybe_empty``: the candidates for the Peppol/XRechnung "empty element" rules in document
  order: leaves (no element, comment or processing-instruction child) whose text is empty or
  only XML whitespace, and elements whose first such child is a comment or processing
  instruction;
* ``texts``: per element, a leaf's text (``""`` when it has none; for a leaf that is its XPath
  string value), ``None`` for other elements — or an empty list when the scan was asked for
  ``texts=False``: only the EN 16931 CII pack reads them, and decoding every leaf is about a
  tenth of the scan;
* ``attrs``: attribute name (a Clark name when namespaced, as lxml's ``keys()``) -> positions of
  the elements that carry it, ascending.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeAlias, TypeVar, cast

from lxml import etree

from belegwerk.rules.engine import SCAN_KEY, offer, shared
from belegwerk.rules.native import scanner_module
from belegwerk.xml import safe

Element: TypeAlias = etree._Element

Scan: TypeAlias = tuple[
    list[Element],
    list[str],
    list[int],
    dict[Element, dict[str, list[Element]]],
    dict[str, list[Element]],
    list[Element],
    list[str | None],
    dict[str, list[int]],
]

_WHITESPACE: Final = " \t\n\r"
_CANONICAL: Final[dict[str, str]] = {}
_NO_KIDS_PYTHON: Final[dict[str, list[Element]]] = {}


def _canonical_python(tag: str) -> str:
    return _CANONICAL.setdefault(tag, tag)


def scan_python(root: Element, texts: bool = True) -> Scan:
    """The reference implementation of :func:`scan` (lxml's Python API only)."""
    els: list[Element] = []
    tags: list[str] = []
    parents: list[int] = []
    kids: dict[Element, dict[str, list[Element]]] = {}
    by_tag: dict[str, list[Element]] = {}
    maybe_empty: list[Element] = []
    leaf_texts: list[str | None] = []
    attrs: dict[str, list[int]] = {}
    # (element, parent position) still to visit, the next one last: document order
    pending: list[tuple[Any, int]] = [(root, -1)]
    while pending:
        el, parent = pending.pop()
        position = len(els)
        node: Any = el  # comments and PIs carry a function as ``tag``; mypyc checks declared types
        tag = _canonical_python(str(node.tag))
        els.append(el)
        tags.append(tag)
        parents.append(parent)
        by_tag.setdefault(tag, []).append(el)
        if parent >= 0:
            kids.setdefault(els[parent], {}).setdefault(tag, []).append(el)
        children: list[Any] = list(node)
        if not any(isinstance(c.tag, str) for c in children):
            kids[el] = _NO_KIDS_PYTHON
        if not children:
            text = el.text or ""
            if texts:
                leaf_texts.append(text)
            if not text.strip(_WHITESPACE):
                maybe_empty.append(el)
        else:
            if texts:
                leaf_texts.append(None)
            if not isinstance(children[0].tag, str):
                maybe_empty.append(el)
        names: list[Any] = node.keys()
        for name in names:
            attrs.setdefault(_canonical_python(str(name)), []).append(position)
        for j in range(len(children) - 1, -1, -1):  # the first child is popped next
            child = children[j]
            if isinstance(child.tag, str):
                pending.append((child, position))
    return els, tags, parents, kids, by_tag, maybe_empty, leaf_texts, attrs


def _positions_python(els: list[Element]) -> dict[Element, int]:
    return {el: i for i, el in enumerate(els)}


def _tag_of_python(el: Element) -> str:
    return _canonical_python(str(cast(Any, el).tag))


def _ancestors_match_python(el: Element, wanted: tuple[str | None, ...], anchored: bool) -> bool:
    node = el
    for tag in wanted:
        parent = node.getparent()
        if parent is None or (tag is not None and parent.tag != tag):
            return False
        node = parent
    return not anchored or node.getparent() is None


TrieWalk: TypeAlias = Callable[..., tuple[list[Any], list[Any], list[Element], list[Element]]]
T = TypeVar("T")


def _with_short_binaries_python(
    root: Element, names: tuple[tuple[bytes, bytes], ...], min_length: int, run: Callable[[], T]
) -> T:
    """The reference of the C ``with_short_binaries``: ``run()`` on the tree as it is (the C
    version lends long, plainly valid base64 values a short one meanwhile; what ``run`` — the XSD
    step — finds must not change)."""
    del root, names, min_length
    return run()


class _Functions:
    """The scanner's functions: the C module's where it is built, else the Python references
    (the trie walk has its reference in ``en16931_ubl_support._facts_python``: None here)."""

    def __init__(self) -> None:
        module = scanner_module()
        self.scan: Callable[[Element, bool], Scan] = scan_python
        self.canonical: Callable[[str], str] = _canonical_python
        self.no_kids: dict[str, list[Element]] = _NO_KIDS_PYTHON
        self.tag_of: Callable[[Element], str] = _tag_of_python
        self.positions: Callable[[list[Element]], dict[Element, int]] = _positions_python
        self.ancestors_match: Callable[[Element, tuple[str | None, ...], bool], bool] = _ancestors_match_python
        self.trie_walk: TrieWalk | None = None
        self.markup_in_value: Callable[[Element], bool] = safe.markup_in_value
        self.with_short_binaries: Callable[..., Any] = _with_short_binaries_python
        if module is not None:
            self.scan = module.scan
            self.canonical = module.canonical
            self.no_kids = module.NO_KIDS
            self.tag_of = module.tag_of
            self.positions = module.positions
            self.ancestors_match = module.ancestors_match
            self.trie_walk = module.trie_walk
            self.markup_in_value = module.markup_in_value
            self.with_short_binaries = module.with_short_binaries


_FUNCTIONS: Final = _Functions()
_scan: Final = _FUNCTIONS.scan
_canonical: Final = _FUNCTIONS.canonical

#: ``tag_of(el)``: the element's Clark tag as the shared string (lxml's ``tag`` builds a new
#: string on every read); ``ancestors_match(el, wanted, anchored)``: the parent carries
#: ``wanted[0]`` (None: any element), its parent ``wanted[1]``, ...; with ``anchored`` the last
#: of them is the top element — the ancestor check of a context path, without a proxy or a
#: tag string per step. In C with the compiled scanner.
tag_of: Final = _FUNCTIONS.tag_of
ancestors_match: Final = _FUNCTIONS.ancestors_match

#: ``positions(els)``: ``{element: its index in els}`` for a scan's element list (the index
#: into ``tags``, ``parents`` and ``texts``); in C with the compiled scanner.
positions: Final = _FUNCTIONS.positions

#: The C trie walk over a scan's lists (see ``en16931_ubl_support._facts``, its reference), or
#: None without the compiled scanner.
TRIE_WALK: Final = _FUNCTIONS.trie_walk

#: ``markup_in_value(root)``: a comment or processing instruction inside an element without
#: element children, where a lean parse may have changed a value (see
#: :func:`belegwerk.xml.safe.parse_xml`); in C with the compiled scanner.
markup_in_value: Final = _FUNCTIONS.markup_in_value

#: ``with_short_binaries(root, names, min_length, run)``: ``run()`` while the elements named by
#: ``names`` ((namespace URI, local name) byte pairs) at or below ``root`` whose only child is a
#: text of at least ``min_length`` bytes of plainly valid base64 (base64 characters and XML
#: whitespace, correct padding) hold a four-character value instead; the texts are back
#: afterwards. For the XSD step: libxml2 checks an ``xs:base64Binary`` value at about 4.5 ns a
#: byte, which made attachments most of the validation time of large invoices; values that are
#: not plainly valid stay for the schema to judge. ``run`` must not change the tree (the text
#: nodes get their values back afterwards), and no other thread may read it meanwhile. In C
#: with the compiled scanner; without it, ``run()`` on the tree as it is.
with_short_binaries: Final = _FUNCTIONS.with_short_binaries

#: The children-by-tag of every scanned element without element children (never modify it).
NO_KIDS: Final = _FUNCTIONS.no_kids

#: Whether :func:`scan` runs in C.
NATIVE: Final = _scan is not scan_python


def scan(root: Element, texts: bool = True) -> Scan:
    """One pass over ``root`` and its descendants (see the module docstring)."""
    return _scan(root, texts)


def canonical(tag: str) -> str:
    """The string object :func:`scan` uses for the Clark name ``tag``."""
    return _canonical(tag)


def document_scan(root: Element, texts: bool = False) -> Scan:
    """The scan of ``root`` for the current validation: the one an earlier pack of the same
    :func:`~belegwerk.rules.engine.document_session` made, else a new one (offered to the packs
    that follow). Outside a session every call scans, so an edited tree is never answered from
    an old scan. ``texts=True`` asks for the leaf texts; a shared scan without them is then
    replaced by one with them."""
    found = shared(root, SCAN_KEY)
    if found is not None:
        known = cast(Scan, found)
        if not texts or len(known[6]) == len(known[0]):
            return known
    result = _scan(root, texts)
    offer(root, SCAN_KEY, result)
    return result
