"""Small building blocks shared by the EN 16931 UBL rule modules.

The official rules are XPath 2.0; these helpers give the handful of XPath behaviours the rules
depend on (general comparisons are existential, ``xs:decimal`` casts, untyped values compared as
numbers, case-insensitive tax-scheme tests) a Python form that is cheap to call per node.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, cast

from lxml import etree

from belegwerk.rules.engine import (
    AnyNode,
    Context,
    Element,
    Finding,
    Rule,
    RuleSet,
    Severity,
    location_of,
)
from belegwerk.rules.functions import normalize_space, to_decimal
from belegwerk.rules.scan import TRIE_WALK, Scan, canonical, document_scan, scan
from belegwerk.xml.ns import NSMAP, UBL_CAC, UBL_CBC, UBL_CREDIT_NOTE, UBL_INVOICE

FATAL: Final = Severity.FATAL
WARNING: Final = Severity.WARNING

CAC: Final = f"{{{UBL_CAC}}}"
CBC: Final = f"{{{UBL_CBC}}}"
INVOICE_ROOT: Final = f"{{{UBL_INVOICE}}}Invoice"
CREDIT_NOTE_ROOT: Final = f"{{{UBL_CREDIT_NOTE}}}CreditNote"
LINE_TAGS: Final = (f"{CAC}InvoiceLine", f"{CAC}CreditNoteLine")


def rule(rule_id: str, message: str, test: Callable[[Element], bool], severity: Severity = FATAL) -> Rule:
    """A rule with our message text (the id and severity are the official ones)."""
    return Rule(rule_id, severity, message, test)


# --------------------------------------------------------------------------------------------
# Path lookups. lxml's ElementPath ``find`` is generic and costs 10-50 us per call; the rules make
# hundreds of lookups per document, so during an evaluation each element's children are grouped
# by tag once and paths are resolved with dictionary lookups.


class _State:
    """Per-evaluation caches. Evaluations are serialised by :data:`_EVAL_LOCK` (pure-Python work
    holds the GIL anyway), so one module-level instance is enough and avoids thread-local lookups."""

    __slots__ = (
        "attrs",
        "cat",
        "data",
        "decs",
        "kids",
        "paths",
        "pmc_name",
        "root",
        "suffix",
        "suffixed",
        "tags",
        "vat",
    )

    def __init__(self) -> None:
        self.root: Element | None = None
        self.data: dict[str, Any] = {}
        self.kids: dict[Element, dict[str, list[Element]]] | None = None
        self.tags: dict[str, list[Element]] | None = None
        self.attrs: set[str] = set()
        self.suffix: dict[str, list[Element]] = {}
        self.cat: dict[Element, str] = {}
        self.vat: dict[Element, bool] = {}
        self.decs: dict[Element, Decimal | None] = {}
        self.paths: list[tuple[Element, PathNode]] | None = None
        self.suffixed: list[tuple[Element, tuple[str, ...]]] = []
        self.pmc_name = False


_S: Final = _State()
_EVAL_LOCK: Final = threading.RLock()
_STEPS: Final[dict[str, tuple[bool, tuple[str, ...]] | None]] = {}
_UNPARSED: Final[Any] = object()
#: Paths that are a single child step -> the Clark tag (filled by :func:`_parse`).
_SINGLE: Final[dict[str, str]] = {}


def _parse(path: str) -> tuple[bool, tuple[str, ...]] | None:
    """(descendant?, Clark-name steps) of a simple path ("cac:A/cbc:B" or ".//cac:A/cbc:B");
    None for anything else ("*", predicates), which falls back to lxml's ElementPath."""
    try:
        return _STEPS[path]
    except KeyError:
        pass
    parsed: tuple[bool, tuple[str, ...]] | None
    descendant = path.startswith(".//")
    rest = path[3:] if descendant else path
    if rest.startswith(".") or "[" in rest or "*" in rest or "//" in rest:
        parsed = None
    else:
        out = []
        for step in rest.split("/"):
            prefix, _, local = step.partition(":")
            out.append(canonical(f"{{{NSMAP[prefix]}}}{local}"))
        parsed = (descendant, tuple(out))
    _STEPS[path] = parsed
    if parsed is not None and not parsed[0] and len(parsed[1]) == 1:
        _SINGLE[path] = parsed[1][0]
    return parsed


def _children(el: Element, kids: dict[Element, dict[str, list[Element]]]) -> dict[str, list[Element]]:
    found = kids.get(el)
    if found is None:
        found = {}
        child: AnyNode
        for child in cast(AnyNode, el)[:] if len(el) else _EMPTY:
            tag = child.tag
            if isinstance(tag, str):
                lst = found.get(tag)
                if lst is None:
                    found[tag] = [child]
                else:
                    lst.append(child)
        kids[el] = found
    return found


def select_all(node: Element, path: str) -> list[Element]:
    """All elements ``path`` selects from ``node`` (ElementPath syntax with NSMAP prefixes), in document order.

    The returned list may be shared with the per-evaluation cache: callers must not modify it.
    """
    kids = _S.kids
    if kids is not None:
        tag = _SINGLE.get(path)
        if tag is not None:  # the common case: one child step
            groups = kids.get(node)
            if groups is None:
                groups = _children(node, kids)
            return groups.get(tag, _EMPTY)
    return _select_path(node, path)


def _select_path(node: Element, path: str) -> list[Element]:
    found = _STEPS.get(path, _UNPARSED)
    if found is _UNPARSED:
        found = _parse(path)
    kids = _S.kids
    tags = _S.tags
    if found is None or kids is None or tags is None:
        return node.findall(path, NSMAP)
    parsed: tuple[bool, tuple[str, ...]] = found
    steps = parsed[1]
    n = len(steps)
    if steps[n - 1] not in tags:  # nothing in the document has the last step's tag
        return _EMPTY
    current: list[Element]
    if parsed[0]:
        if node is not _S.root:
            return node.findall(path, NSMAP)
        current = tags.get(steps[0], _EMPTY)
        i = 1
    else:
        current = [node]
        i = 0
    while i < n:
        tag = steps[i]
        i += 1
        if not current:
            return _EMPTY
        if len(current) == 1:
            el = current[0]
            groups = kids.get(el)
            if groups is None:
                groups = _children(el, kids)
            current = groups.get(tag, _EMPTY)
        else:
            nxt: list[Element] = []
            for el in current:
                nxt.extend(_children(el, kids).get(tag, _EMPTY))
            current = nxt
    return current


def document_tags(root: Element) -> Collection[str]:
    """The set of element tags that occur in the document."""
    if _S.root is root and _S.tags is not None:
        return _S.tags.keys()
    return {str(el.tag) for el in root.iter(etree.Element)}


def descendants(root: Element, *tags: str) -> Iterable[Element]:
    """``root.iter(*tags)`` answered from the per-evaluation index when one is active."""
    return _by_tag(root, tags)


def child_groups(el: Element) -> dict[str, list[Element]]:
    """The element's children grouped by tag (cached during an evaluation)."""
    if _S.kids is None:
        groups: dict[str, list[Element]] = {}
        child: AnyNode
        for child in el:
            if isinstance(child.tag, str):
                groups.setdefault(child.tag, []).append(child)
        return groups
    return _children(el, _S.kids)


def select_first(node: Element, path: str) -> Element | None:
    found = select_all(node, path)
    return found[0] if found else None


def string_value(el: Element) -> str:
    """XPath ``string(el)``: the concatenated text of the element and its descendants."""
    if len(el) == 0:
        return el.text or ""
    return "".join(cast("Iterator[str]", el.itertext()))


def texts(node: Element, path: str) -> list[str]:
    """String values of all elements ``path`` selects (ElementPath with NSMAP prefixes)."""
    return [string_value(el) for el in select_all(node, path)]


def first_text(node: Element, path: str) -> str:
    """String value of the first element ``path`` selects, or "" (as XPath ``string()`` of a path)."""
    el = select_first(node, path)
    return "" if el is None else string_value(el)


def ns_text(node: Element, path: str) -> str:
    """``normalize-space(path)``."""
    return normalize_space(first_text(node, path))


def has(node: Element, path: str) -> bool:
    """``exists(path)``."""
    return bool(select_all(node, path))


def count(node: Element, path: str) -> int:
    """``count(path)``."""
    return len(select_all(node, path))


def dec(node: Element, path: str) -> Decimal | None:
    """``xs:decimal(path)`` of the first selected element; None when absent or not a decimal."""
    found = select_all(node, path)
    if not found:
        return None
    return element_decimal(found[0])


def element_decimal(el: Element) -> Decimal | None:
    """``xs:decimal(el)``, parsed once per element and evaluation (the VAT rules read the same
    line and breakdown amounts once per category and rate; a parse costs a regex and a Decimal)."""
    if _S.kids is None:
        return to_decimal(string_value(el))
    cache = _S.decs
    if el in cache:
        return cache[el]
    value = cache[el] = to_decimal(string_value(el))
    return value


def decs(nodes: Iterable[Element]) -> list[Decimal | None]:
    return [element_decimal(el) for el in nodes]


def number(value: str) -> float | None:
    """An untyped value used in a numeric comparison (XPath casts it to xs:double; NaN -> None)."""
    try:
        result = float(value.strip())
    except ValueError:
        return None
    return None if result != result else result


def any_number(node: Element, path: str, predicate: Callable[[float], bool]) -> bool:
    """General comparison ``path op number``: true when some selected value satisfies ``predicate``."""
    for value in texts(node, path):
        n = number(value)
        if n is not None and predicate(n):
            return True
    return False


def decimals_after_point(value: str) -> int:
    """``string-length(substring-after(value, '.'))``."""
    _, dot, rest = value.partition(".")
    return len(rest) if dot else 0


def max_two_decimals(path: str) -> Callable[[Element], bool]:
    """The BR-DEC rules: the first element at ``path`` has at most two digits after the point."""

    def test(node: Element) -> bool:
        return decimals_after_point(first_text(node, path)) <= 2

    return test


def is_vat_scheme(tax_category: Element) -> bool:
    """``cac:TaxScheme/normalize-space(upper-case(cbc:ID)) = 'VAT'`` on a tax category or party tax scheme."""
    cache = _S.vat if _S.kids is not None else None
    if cache is not None:
        known = cache.get(tax_category)
        if known is not None:
            return known
    result = _is_vat_scheme(tax_category)
    if cache is not None:
        cache[tax_category] = result
    return result


def _is_vat_scheme(tax_category: Element) -> bool:
    for scheme in select_all(tax_category, "cac:TaxScheme"):
        if normalize_space(first_text(scheme, "cbc:ID").upper()) == "VAT":
            return True
    return False


def category_id(tax_category: Element) -> str:
    """``normalize-space(cbc:ID)`` of a tax category."""
    cache = _S.cat if _S.kids is not None else None
    if cache is not None:
        known = cache.get(tax_category)
        if known is not None:
            return known
    result = ns_text(tax_category, "cbc:ID")
    if cache is not None:
        cache[tax_category] = result
    return result


def charge_indicator(allowance_charge: Element) -> bool | None:
    """The value of ``cbc:ChargeIndicator`` as ``xs:boolean`` casts it (None when absent or not a boolean)."""
    for el in select_all(allowance_charge, "cbc:ChargeIndicator"):
        value = normalize_space(string_value(el))
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
    return None


def root_of(node: Element) -> Element:
    return node.getroottree().getroot()


def is_credit_note(root: Element) -> bool:
    return root.tag == CREDIT_NOTE_ROOT


def memo(root: Element) -> dict[str, Any]:
    """Per-document scratch space, so facts used by many rules are computed once per evaluation.

    Only the most recent document is remembered (per thread); rules are always evaluated one
    document at a time.
    """
    if _S.root is not root:
        _S.root = root
        _S.data = {}
    return _S.data


def xpath(expr: str) -> etree.XPath:
    """Compile an XPath 1.0 expression once, with the project prefixes."""
    return etree.XPath(expr, namespaces=NSMAP)


def scratch() -> dict[Any, Any]:
    """The current evaluation's scratch dictionary (facts keyed by element, valid for one document).

    Outside a :class:`FastRuleSet` evaluation every call gets a fresh dictionary, so nothing is
    cached across documents.
    """
    return _S.data if _S.kids is not None else {}


def forget() -> None:
    """Drop the per-document scratch space (called after a document's evaluation)."""
    _S.root = None
    _S.data = {}
    _S.kids = None
    _S.tags = None
    _S.attrs = set()
    _S.suffix = {}
    _S.cat = {}
    _S.vat = {}
    _S.paths = None
    _S.suffixed = []
    _S.pmc_name = False
    _S.decs = {}


# --------------------------------------------------------------------------------------------
# Context selection without XPath: lxml's ``iter(tag)`` runs in C and is ~50x cheaper than an
# XPath ``//`` scan, so contexts are written as simple schematron match paths and matched
# bottom-up (last step by tag, then the parent chain).


def _clark_step(step: str) -> tuple[str, ...] | None:
    """Clark names for a step "cac:A|cac:B"; None for "*"."""
    if step == "*":
        return None
    out = []
    for alt in step.split("|"):
        prefix, _, local = alt.partition(":")
        out.append(canonical(f"{{{NSMAP[prefix]}}}{local}"))
    return tuple(out)


class GatedSelector:
    """A context selector that can only find something when one of ``required`` tags occurs.

    :class:`FastRuleSet` checks ``required`` against the document's tag index and skips the call
    (and the context) when none occurs — most contexts of a rule pack are empty for any one invoice.
    """

    __slots__ = ("fn", "required")

    def __init__(self, fn: Callable[[Element], list[Element]], required: tuple[str, ...] | None) -> None:
        self.fn = fn
        self.required = required

    def __call__(self, root: Element) -> list[Element]:
        return self.fn(root)


def gated(fn: Callable[[Element], list[Element]], *tags: str) -> GatedSelector:
    """Wrap a selector function that only finds elements with one of ``tags`` (Clark names)."""
    return GatedSelector(fn, tags)


def _descend(root: Element, steps: list[tuple[str, ...] | None], anchored: bool) -> list[Element] | None:
    """The elements a match path of several steps selects, found top-down through the index's
    children-by-tag (dictionary lookups, no lxml parent or tag reads per candidate).

    None when the bottom-up check must decide: no index, a "*" step below the top, or two
    alternatives of one step both present in the document (top-down would group their elements
    by tag instead of keeping document order). The result is a new list.
    """
    tags, kids = _S.tags, _S.kids
    if tags is None or kids is None or _S.root is not root:
        return None
    chosen: list[str] = []
    for i, step in enumerate(steps):
        if step is None:
            if i == 0 and anchored:
                chosen.append("")
                continue
            return None
        present = ""
        for t in step:
            if t in tags:
                if present:
                    return None
                present = t
        if not present:
            return []
        chosen.append(present)
    current: list[Element]
    if anchored:
        if chosen[0]:
            root_tag: AnyNode = root.tag
            if root_tag != chosen[0]:
                return []
        current = [root]
    else:
        current = tags[chosen[0]]
    for i in range(1, len(chosen)):
        tag = chosen[i]
        nxt: list[Element] = []
        for el in current:
            groups = kids.get(el)
            if groups is not None:
                below = groups.get(tag)
                if below is not None:
                    nxt.extend(below)
        if not nxt:
            return nxt
        current = nxt
    return current


def path_selector(path: str, where: Callable[[Element], bool] | None = None) -> GatedSelector:
    """A context selector for a match path such as ``cac:InvoiceLine|cac:CreditNoteLine/cac:InvoicePeriod``.

    Steps are separated by "/", alternatives by "|", "*" is any element. A leading "/" anchors the
    path at the document element (``/*/cac:TaxTotal`` = a TaxTotal child of the root). ``where``
    filters the selected elements (schematron predicates on the last step).
    """
    anchored = path.startswith("/")
    steps = [_clark_step(s) for s in path.strip("/").split("/")]
    last = steps[-1]
    ancestors = list(reversed(steps[:-1]))

    single = last[0] if last is not None and len(last) == 1 else None

    def select(root: Element) -> list[Element]:
        candidates: Iterable[Element]
        if anchored and not ancestors:
            candidates = [root] if last is None or root.tag in last else []
        elif last is None:
            candidates = root.iter(etree.Element)
        elif single is not None and _S.root is root and _S.tags is not None:
            candidates = _S.tags.get(single, _EMPTY)
            if not candidates:
                return _EMPTY
        else:
            candidates = _by_tag(root, last)
        if not ancestors and where is None and not anchored:
            return list(candidates)
        out: list[Element] = []
        if ancestors:
            found = _descend(root, steps, anchored)
            if found is not None:
                if where is None:
                    return found
                return [el for el in found if where(el)]
        for el in candidates:
            node: Element | None = el
            ok = True
            for step in ancestors:
                node = node.getparent() if node is not None else None
                if node is None or (step is not None and node.tag not in step):
                    ok = False
                    break
            if not ok or node is None or (anchored and ancestors and node.getparent() is not None):
                continue
            if where is None or where(el):
                out.append(el)
        return out

    required = last if last is not None and not (anchored and not ancestors) else None
    return GatedSelector(select, required)


_EMPTY: Final[list[Element]] = []
_TAG_KIND: Final[dict[str, str]] = {}


def _tag_kind(tag: str) -> str:
    kind = _TAG_KIND.get(tag)
    if kind is None:
        if tag.endswith("PriceAmount"):
            kind = "price"
        elif tag.endswith("Amount"):
            kind = "amount"
        elif tag.endswith("BinaryObject"):
            kind = "binary"
        else:
            kind = ""
        _TAG_KIND[tag] = kind
    return kind


class PathNode:
    """A node of the trie of watched absolute element paths (Clark tags below the root).

    The index walk carries each element's node down to its children, so whether an element sits
    at a watched path costs one dictionary lookup instead of building its path tuple.
    """

    def __init__(self, path: tuple[str, ...]) -> None:
        self.path = path
        self.next: dict[str, PathNode] = {}
        self.watched = False


_PATHS: Final = PathNode(())
#: Tags whose elements are recorded with their ancestors' tags, for paths that may start anywhere.
_SUFFIX_TAGS: Final[set[str]] = set()


def watch_paths(paths: Iterable[tuple[str, ...]]) -> dict[tuple[str, ...], PathNode]:
    """Ask :func:`_index` to record the elements at these absolute paths (used by UBL-CR); the
    trie node of each path, which :func:`watched_elements` reports with each element."""
    _forget_packed()
    nodes: dict[tuple[str, ...], PathNode] = {}
    for path in paths:
        node = _PATHS
        for i, tag in enumerate(path):
            nxt = node.next.get(tag)
            if nxt is None:
                nxt = node.next[tag] = PathNode(path[: i + 1])
            node = nxt
        node.watched = True
        nodes[path] = node
    return nodes


def watch_suffix_tags(tags: Iterable[str]) -> None:
    """Ask :func:`_index` to record elements with these tags with their tag path (``//`` paths)."""
    _forget_packed()
    _SUFFIX_TAGS.update(tags)


#: The trie as the C walk reads it (built on first use, see :func:`_packed`) and the walk's
#: flags per tag; both are dropped when the watched paths or tags change.
_PACKED: Final[dict[str, tuple[Any, bool, PathNode]]] = {}
_TAG_FLAGS: Final[dict[str, int]] = {}


def _forget_packed() -> None:
    _PACKED.clear()
    _TAG_FLAGS.clear()


def _pack(node: PathNode) -> tuple[Any, bool, PathNode]:
    """A trie node as ``(children by tag, watched, node)`` tuples: the C walk reads tuple slots
    and dictionaries, no attributes."""
    return ({tag: _pack(child) for tag, child in node.next.items()}, node.watched, node)


def _packed() -> tuple[Any, bool, PathNode]:
    found = _PACKED.get("root")
    if found is None:
        found = _PACKED["root"] = _pack(_PATHS)
    return found


class _Facts:
    """What the UBL pack derives from a document's scan (see :func:`_facts`)."""

    __slots__ = ("amount", "binary", "names", "pmc_name", "suffixed", "watched")

    def __init__(self) -> None:
        self.amount: list[Element] = []
        self.binary: list[Element] = []
        self.watched: list[tuple[Element, PathNode]] = []
        self.suffixed: list[tuple[Element, tuple[str, ...]]] = []
        self.names: set[str] = set()
        #: whether a ``name`` attribute occurs on a ``cbc:PaymentMeansCode`` (not in ``names``)
        self.pmc_name = False


def _facts(sc: Scan) -> _Facts:
    """The ``*Amount``/``*BinaryObject`` elements, the elements at the paths UBL-CR rules are
    about (see :func:`watch_paths`; each element's trie node is its parent's node's child) and
    at the watched suffix tags, and the attribute names, all in document order.

    With the compiled scanner the walk over the elements runs in C (:data:`TRIE_WALK`, about a
    third of the instructions); :func:`_facts_python` is the reference it must agree with.
    """
    walk = TRIE_WALK
    if walk is None:
        return _facts_python(sc)
    els, tags, parents, _kids, _by_tag, _maybe_empty, _texts, attrs = sc
    watched, suffixed, amounts, binaries = walk(els, tags, parents, _packed(), _SUFFIX_TAGS, _TAG_FLAGS)
    f = _Facts()
    f.watched = watched
    f.suffixed = suffixed
    f.amount = amounts
    f.binary = binaries
    _attribute_facts(f, tags, attrs)
    return f


def _facts_python(sc: Scan) -> _Facts:
    """The reference of :func:`_facts`, element by element in Python."""
    els, tags, parents, _kids, _by_tag, _maybe_empty, _texts, attrs = sc
    f = _Facts()
    # trie node per position (None below a path nobody watches); the root stands at the trie's top
    trail: list[PathNode | None] = []
    kind_of = _TAG_KIND
    for i in range(len(els)):
        tag = tags[i]
        parent = parents[i]
        node: PathNode | None = _PATHS
        if parent >= 0:
            up = trail[parent]
            node = up.next.get(tag) if up is not None else None
            if tag in _SUFFIX_TAGS:
                f.suffixed.append((els[i], _tag_chain(tags, parents, i)))
        trail.append(node)
        if node is not None and node.watched:
            f.watched.append((els[i], node))
        kind = kind_of.get(tag)
        if kind is None:
            kind = _tag_kind(tag)
        if kind:
            if kind == "amount":
                f.amount.append(els[i])
            elif kind == "binary":
                f.binary.append(els[i])
    _attribute_facts(f, tags, attrs)
    return f


def _attribute_facts(f: _Facts, tags: list[str], attrs: dict[str, list[int]]) -> None:
    """The attribute names (a ``name`` only on ``cbc:PaymentMeansCode`` tracked on its own)."""
    f.names = set(attrs)
    if "name" in f.names:  # ``name`` on cbc:PaymentMeansCode is tracked on its own (UBL-CR-...)
        on_pmc = [tags[p] == _PAYMENT_MEANS_CODE for p in attrs["name"]]
        f.pmc_name = any(on_pmc)
        if all(on_pmc):
            f.names.discard("name")


def _index(root: Element) -> None:
    """Fill the per-evaluation structures from the document's scan (one pass over the tree,
    shared with the other packs of the validation, see :func:`belegwerk.rules.scan.document_scan`):
    elements by tag, every element's children by tag, and the :class:`_Facts`.
    """
    sc = document_scan(root)
    f = _facts(sc)
    _S.tags = sc[4]
    _S.kids = sc[3]
    _S.attrs = f.names
    _S.suffix = {"amount": f.amount, "binary": f.binary}
    _S.paths = f.watched
    _S.suffixed = f.suffixed
    _S.pmc_name = f.pmc_name


def _tag_chain(tags: list[str], parents: list[int], i: int) -> tuple[str, ...]:
    """The tags from the scanned element's child down to element ``i`` (the root's tag left out)."""
    chain: list[str] = []
    while parents[i] >= 0:
        chain.append(tags[i])
        i = parents[i]
    chain.reverse()
    return tuple(chain)


def watched_elements(
    root: Element,
) -> tuple[list[tuple[Element, PathNode]], list[tuple[Element, tuple[str, ...]]]]:
    """(element, trie node of its absolute tag path) at the watched paths, and (element, tags of its ancestors
    below the root) for the watched suffix tags, both in document order."""
    if _S.root is root and _S.paths is not None:
        return _S.paths, _S.suffixed
    f = _facts(scan(root))
    return f.watched, f.suffixed


_PAYMENT_MEANS_CODE: Final = f"{CBC}PaymentMeansCode"


def attribute_names(root: Element) -> set[str]:
    """Names of all attributes in the document (a ``name`` on ``cbc:PaymentMeansCode`` excluded)."""
    if _S.root is root and _S.tags is not None:
        return _S.attrs
    names: set[str] = set()
    for el in root.iter(etree.Element):
        keys = el.keys()
        names.update(str(k) for k in keys if not (k == "name" and el.tag == _PAYMENT_MEANS_CODE))
    return names


def has_attribute_anywhere(root: Element, name: str) -> bool | None:
    """Whether an attribute ``name`` occurs anywhere (``boolean(//@name)``); None without an index."""
    if _S.root is root and _S.tags is not None:
        return name in _S.attrs or (name == "name" and _S.pmc_name)
    return None


def suffix_elements(root: Element, kind: str) -> list[Element]:
    """``*Amount`` (not ``*PriceAmount``) or ``*BinaryObject`` elements, in document order."""
    if _S.root is root and _S.tags is not None:
        return _S.suffix.get(kind, [])
    return [el for el in root.iter(etree.Element) if _tag_kind(el.tag) == kind]


def _by_tag(root: Element, tags: tuple[str, ...]) -> Iterable[Element]:
    """Elements with one of ``tags`` in document order, from a per-evaluation index when one is active."""
    index = _S.tags
    if index is None or _S.root is not root:
        return root.iter(*tags)
    if len(tags) == 1:
        return index.get(tags[0], [])
    # Grouped by tag rather than interleaved in document order: context membership and
    # first-match-wins do not depend on the order, and re-sorting costs a document scan.
    return [el for t in tags for el in index.get(t, ())]


@dataclass(frozen=True)
class BulkContext(Context):
    """A context some of whose rules (ids in ``bulk``) are decided together by ``failing(node)``.

    Used for the ~680 UBL-CR rules, which are all "element X is absent" tests on the root and are
    decided by one walk instead of one call per rule. Rules not in ``bulk`` are tested one by one.
    The bulk rules share the context of the other root rules because schematron's
    first-match-wins gives a node to only one context of a pattern.
    """

    failing: Callable[[Element], set[str]] | None = None
    bulk: frozenset[str] = frozenset()

    def single_rules(self) -> tuple[Rule, ...]:
        """The rules tested one by one."""
        return tuple(r for r in self.rules if r.id not in self.bulk)

    def bulk_order(self) -> dict[str, tuple[int, Rule]]:
        """Bulk rule id -> (position, rule), to report failures in rule order.

        Computed once per rule set by :meth:`FastRuleSet._plan` (no ``cached_property``: compiled
        with mypyc the class has no ``__dict__`` to cache in, and this ran for every document).
        """
        return {r.id: (i, r) for i, r in enumerate(self.rules) if r.id in self.bulk}


class FastRuleSet(RuleSet):
    """A :class:`RuleSet` with the same schematron semantics that also understands :class:`BulkContext`
    and keeps per-document facts (see :func:`memo`) for exactly one evaluation."""

    def evaluate(self, root: Element) -> list[Finding]:
        with _EVAL_LOCK:
            _S.root = root
            _S.data = {}
            _S.kids = {}
            _index(root)
            try:
                return self._evaluate(root)
            finally:
                forget()

    def _plan(self) -> list[tuple[bool, list[_Step]]]:
        """Patterns flattened once into (first-match-wins?, [(selector, (test, rule) pairs, bulk
        check, bulk order, required tags)]).

        Evaluation then touches no dataclass attributes per context or rule.
        """
        plan: list[tuple[bool, list[_Step]]] | None = self.plan_cache
        if plan is None:
            plan = []
            for pattern in self.patterns:
                steps: list[_Step] = []
                for ctx in pattern.contexts:
                    bulk = ctx if isinstance(ctx, BulkContext) and ctx.failing is not None else None
                    rules = bulk.single_rules() if bulk is not None else tuple(ctx.rules)
                    failing = bulk.failing if bulk is not None else None
                    order = bulk.bulk_order() if bulk is not None else {}
                    select: Callable[[Element], Iterable[Element]]
                    if isinstance(ctx.select, GatedSelector):
                        select, required = ctx.select.fn, ctx.select.required
                    else:
                        select, required = ctx.nodes, None
                    steps.append((select, tuple((r.test, r) for r in rules), failing, order, required))
                plan.append((pattern.exclusive and len(pattern.contexts) > 1, steps))
            self.plan_cache = plan
        return plan

    def _evaluate(self, root: Element) -> list[Finding]:
        findings: list[Finding] = []
        name = self.name
        present = _S.tags if _S.tags is not None else {}
        for exclusive, steps in self._plan():
            seen: set[Element] | None = set() if exclusive else None
            for select, pairs, failing, order, required in steps:
                if required is not None:
                    if len(required) == 1:
                        if required[0] not in present:
                            continue
                    elif not any(t in present for t in required):
                        continue
                nodes = select(root)
                if not nodes:
                    continue
                for node in nodes:
                    if seen is not None:
                        if node in seen:
                            continue
                        seen.add(node)
                    for test, r in pairs:
                        if not test(node):
                            findings.append(Finding(r.id, r.severity, r.message, location_of(node), name))
                    if failing is not None:
                        failed = sorted(order[rid] for rid in failing(node) if rid in order)
                        for _, r in failed:
                            findings.append(Finding(r.id, r.severity, r.message, location_of(node), name))
        return findings


_Test = Callable[[Element], bool]
_Step = tuple[
    Callable[[Element], Iterable[Element]],
    tuple[tuple[_Test, Rule], ...],
    Callable[[Element], set[str]] | None,
    dict[str, tuple[int, Rule]],
    tuple[str, ...] | None,
]
