"""Per-document machinery for the native EN 16931 CII rules: one tree walk, many cheap lookups.

The official pack selects its contexts with ``//ram:X`` paths, and evaluating ~120 such paths
with XPath would scan the tree ~120 times. Instead :class:`CiiRuleSet` walks the tree once per
evaluation, files every element under its tag (:class:`DocIndex`), and the contexts select from
that index. The index is reachable from rule tests through :func:`doc` (a context variable, so
concurrent evaluations in threads or tasks never see each other's documents); document-wide
facts a rule needs for every node (for instance "does the seller have a VAT identifier?") are
computed once per document through :meth:`DocIndex.memo`.

Paths in this module are written with the usual prefixes (``ram:``, ``rsm:``, ``udt:``) and
translated to Clark notation at import, so lxml's ElementPath cache serves every lookup.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from functools import cache
from typing import Any, Final, TypeAlias, TypeVar, cast

from belegwerk.rules.engine import (
    Context,
    Element,
    Finding,
    Pattern,
    Rule,
    RuleSet,
    location_of,
)
from belegwerk.rules.functions import normalize_space
from belegwerk.rules.scan import canonical, document_scan, positions
from belegwerk.xml.ns import NSMAP

T = TypeVar("T")


@cache
def clark(path: str) -> str:
    """``ram:A/ram:B/@x`` → ``{urn…}A/{urn…}B/@x`` (ElementPath syntax without a prefix map)."""
    steps = []
    for step in path.split("/"):
        if ":" in step and not step.startswith("@") and not step.startswith("{"):
            prefix, local = step.split(":", 1)
            steps.append(canonical(f"{{{NSMAP[prefix]}}}{local}"))
        else:
            steps.append(step)
    return canonical(steps[0]) if len(steps) == 1 else "/".join(steps)


# --------------------------------------------------------------------------------------------
# the per-document index


class DocIndex:
    """One document, walked once: elements by tag, every element's position in document order
    with its tag, parent position and children by tag, and a memo for document-wide facts.

    Rules navigate through these lists and dictionaries instead of lxml's
    ``find``/``iterchildren``/``getparent``: each lxml navigation call costs microseconds (a
    ``tag`` read builds a new string, ``getparent()`` looks a proxy up), a dictionary or list
    lookup a few dozen nanoseconds, and the official pack needs thousands of navigations per
    invoice. Everything comes from the validation's shared scan (:func:`document_scan`) plus one
    dictionary of positions; no object is made per element.
    """

    __slots__ = (
        "_memo",
        "by_tag",
        "detached",
        "els",
        "kids",
        "parents",
        "pos",
        "root",
        "tag_list",
        "tag_set",
        "tags",
        "texts",
        "values",
    )

    def __init__(self, root: Element) -> None:
        self.root = root
        self._memo: dict[Any, Any] = {}
        #: the evaluated element has a parent (a subtree): anchored paths cannot match inside it
        self.detached = root.getparent() is not None
        # one pass over the tree, shared with the other packs of the validation
        els, tags, parents, kids, by_tag, _maybe_empty, texts, _attrs = document_scan(root, texts=True)
        #: the elements in document order (``root`` first), their tags and parent positions
        #: (-1 for ``root``)
        self.els: list[Element] = els
        self.tags: list[str] = tags
        self.parents: list[int] = parents
        #: element -> its children by tag (every scanned element; never modify)
        self.kids: dict[Element, dict[str, list[Element]]] = kids
        #: a leaf's text (its string value) by position; None for other elements
        self.texts: list[str | None] = texts
        #: element -> its position in ``els``
        self.pos: dict[Element, int] = positions(els)
        #: string values of elements with element children, read on first use
        self.values: dict[Element, str] = {}
        self.by_tag: dict[str, list[Element]] = by_tag
        # The tags as a set: set operations with a dict or its key view walk all of its keys,
        # with a set they walk the smaller side (contexts and tables ask with one to a few tags).
        self.tag_set: set[str] = set(by_tag)
        self.tag_list: list[str] = list(by_tag)

    def parent(self, el: Element) -> Element | None:
        """The parent of an indexed element within the index (None for ``root``)."""
        p = self.parents[self.pos[el]]
        return self.els[p] if p >= 0 else None

    def children(self, node: Element) -> dict[str, list[Element]]:
        """The element children of ``node`` grouped by tag (do not modify)."""
        found = self.kids.get(node)
        if found is not None:
            return found
        return _group_children(node)

    def tag_of(self, node: Element) -> str:
        """The tag of an element (without building a new string for indexed elements)."""
        i = self.pos.get(node)
        return self.tags[i] if i is not None else str(node.tag)

    def tagged(self, path: str) -> list[Element]:
        """All elements named ``ram:X`` (one prefixed name, no path)."""
        return self.by_tag.get(clark(path), [])

    def recall(self, key: object) -> Any:
        """The value :meth:`store` kept under ``key`` for this document, or None (for hot
        callers: no closure per call as with :meth:`memo`)."""
        return self._memo.get(key)

    def store(self, key: object, value: object) -> None:
        self._memo[key] = value

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """The value of ``compute()``, computed at most once for this document."""
        found = self._memo.get(key, _MISSING)  # not try/except: most keys miss once per document
        if found is _MISSING:
            value: T = compute()
            self._memo[key] = value
            return value
        return cast(T, found)


def _group_children(node: Element) -> dict[str, list[Element]]:
    """Element children of a node outside the index, grouped by tag."""
    found: dict[str, list[Element]] = {}
    for c in cast("Iterator[Any]", iter(node)):
        t = c.tag
        if isinstance(t, str):
            group = found.get(t)
            if group is None:
                found[t] = [c]
            else:
                group.append(c)
    return found


_MISSING: Final = object()
_CURRENT: Final[ContextVar[DocIndex]] = ContextVar("belegwerk_cii_doc")
#: ``_CURRENT.get`` bound once: calling it skips the method lookup that ``_CURRENT.get(…)``
#: costs on every call (rules ask for the index a few hundred times per document)
_current: Final[Callable[[None], DocIndex | None]] = _CURRENT.get


def doc(node: Element | None = None) -> DocIndex:
    """The index of the document being evaluated (built on the fly when a rule runs alone)."""
    d = _current(None)
    if d is not None:
        return d
    if node is None:
        raise LookupError("no CII document is being evaluated")
    return DocIndex(node.getroottree().getroot())


# --------------------------------------------------------------------------------------------
# navigation and XPath-like helpers (string values, existence, counts)

EMPTY: Final[list[Element]] = []


def kids(node: Element, tag: str) -> list[Element]:
    """Children of ``node`` named ``tag`` (Clark notation); do not modify the returned list."""
    d = _current(None)
    if d is None:
        return list(node.iterchildren(tag))
    found = d.kids.get(node)
    return (found if found is not None else _group_children(node)).get(tag, EMPTY)


def kid(node: Element, tag: str) -> Element | None:
    """The first child of ``node`` named ``tag``, or None."""
    found = kids(node, tag)
    return found[0] if found else None


def up(node: Element | None) -> Element | None:
    """The parent element (None for the root or for None)."""
    return None if node is None else node.getparent()


def string_value(el: Element) -> str:
    """XPath string value of an element: all descendant text (cached per document)."""
    d = _current(None)
    if d is None:
        return _string_value(el)
    i = d.pos.get(el)
    if i is None:
        return _string_value(el)
    leaf = d.texts[i]
    if leaf is not None:
        return leaf
    values = d.values
    found = values.get(el)
    if found is None:
        found = values[el] = _string_value(el)
    return found


def _string_value(el: Element) -> str:
    return (el.text or "") if len(el) == 0 else "".join(t for t in el.itertext() if isinstance(t, str))


class RelPath:
    """A relative path (``ram:A/udt:B``, ``../ram:C``, ``ram:A/@x``) compiled once.

    During an evaluation, steps are looked up in the document index (children grouped by tag),
    which is dictionary work instead of lxml navigation calls; outside an evaluation they are
    walked with ``iterchildren(tag)``.
    """

    __slots__ = ("attr", "ends_up", "path", "single", "steps")

    def __init__(self, path: str) -> None:
        self.path = path
        head, attr = path, None
        if path.startswith("@"):
            head, attr = "", path[1:]
        elif "/@" in path:
            head, attr = path.split("/@", 1)
        self.steps: tuple[str, ...] = tuple(clark(s) for s in head.split("/")) if head else ()
        self.attr = attr
        #: the tag when the path is one child step (most paths): one dictionary lookup
        self.single: str | None = self.steps[0] if len(self.steps) == 1 and self.steps[0] != ".." else None
        self.ends_up = bool(self.steps) and self.steps[-1] == ".."

    def all(self, node: Element) -> list[Element]:
        """The selected elements (for ``…/@x`` paths: the elements that would carry ``x``);
        do not modify the returned list."""
        d = _current(None)
        if d is None:
            return self._all_lxml(node)
        kids = d.kids
        groups = kids.get(node)
        if groups is None:
            return self._all_lxml(node)
        if self.single is not None:
            return groups.get(self.single, EMPTY)
        # one current node as long as the path does not branch (the common case): no lists
        cur: Element | None = node
        nodes: list[Element] = EMPTY
        for step in self.steps:
            if cur is not None:
                if step == "..":
                    cur = d.parent(cur)
                    if cur is None:
                        return EMPTY
                    continue
                nodes = kids[cur].get(step, EMPTY)
                if len(nodes) == 1:
                    cur = nodes[0]
                    continue
                cur = None
            elif step == "..":
                nodes = [u for n in nodes if (u := d.parent(n)) is not None]
            else:
                nodes = [c for n in nodes for c in kids[n].get(step, EMPTY)]
            if not nodes:
                return EMPTY
        if cur is None or not self.ends_up:
            return nodes if self.steps else [node]
        return [cur]

    def _all_lxml(self, node: Element) -> list[Element]:
        nodes = [node]
        for step in self.steps:
            if step == "..":
                nodes = [p for n in nodes if (p := n.getparent()) is not None]
            else:
                nodes = [c for n in nodes for c in n.iterchildren(step)]
        return nodes

    def first(self, node: Element) -> Element | None:
        found = self.all(node)
        return found[0] if found else None

    def _first_text(self, node: Element) -> str | None:
        found = self.all(node)
        return string_value(found[0]) if found else None

    def values(self, node: Element) -> list[str]:
        """String values of every selected node (attribute values when the path ends in ``@x``)."""
        if self.attr is None:
            return [string_value(e) for e in self.all(node)]
        attr = self.attr
        return [v for e in self.all(node) if (v := e.get(attr)) is not None]

    def value(self, node: Element) -> str | None:
        """String value of the first selected node, or None when nothing is selected."""
        if self.attr is None:
            return self._first_text(node)
        attr = self.attr
        for e in self.all(node):
            v = e.get(attr)
            if v is not None:
                return v
        return None

    def exists(self, node: Element) -> bool:
        if self.attr is None:
            return bool(self.all(node))
        return self.value(node) is not None

    def count(self, node: Element) -> int:
        if self.attr is None:
            return len(self.all(node))
        return len(self.values(node))

    def ns(self, node: Element) -> str:
        """``normalize-space(path)`` (of the first node; XPath 2.0 would reject several)."""
        return normalize_space(self.value(node))

    def filled(self, node: Element) -> bool:
        """``normalize-space(path) != ''``."""
        return normalize_space(self.value(node)) != ""


_PATHS: Final[dict[str, RelPath]] = {}


def P(path: str) -> RelPath:
    """The compiled :class:`RelPath` for ``path`` (compiled once; paths are literals of the code)."""
    found = _PATHS.get(path)
    if found is None:
        found = _PATHS[path] = RelPath(path)
    return found


# --------------------------------------------------------------------------------------------
# context selection


class Step:
    """One step of a context path: a namespace URI (None = any) and a local name or ``*suffix``.

    ``exact`` is the Clark name when the step names one element, so the common case is a plain
    string comparison; wildcard answers are cached per tag (bounded: tags come from untrusted
    documents).
    """

    __slots__ = ("_cache", "exact", "local", "prefix", "suffix", "uri")

    def __init__(self, uri: str | None, local: str) -> None:
        self.uri = uri
        self.local = local
        self.exact = canonical(f"{{{uri}}}{local}") if uri is not None and not local.startswith("*") else None
        #: for a wildcard step ``*Suffix``: the suffix and the ``{uri}`` prefix (None = any);
        #: a suffix contains no "}", so ``tag.endswith(suffix)`` tests the local name
        self.suffix: str | None = local[1:] if local.startswith("*") else None
        self.prefix: str | None = f"{{{uri}}}" if uri is not None else None
        self._cache: dict[str, bool] = {}

    def matches_tag(self, tag: str) -> bool:
        if self.exact is not None:
            return tag == self.exact
        hit = self._cache.get(tag)
        if hit is None:
            hit = self._matches_tag(tag)
            if len(self._cache) < _STEP_CACHE_LIMIT:
                self._cache[tag] = hit
        return hit

    def _matches_tag(self, tag: str) -> bool:
        uri, _, local = tag[1:].partition("}") if tag[:1] == "{" else ("", "", tag)
        if self.uri is not None and uri != self.uri:
            return False
        if self.local.startswith("*"):
            return local.endswith(self.local[1:])
        return local == self.local


_STEP_CACHE_LIMIT: Final = 5_000


def _parse_step(step: str) -> Step:
    prefix, _, local = step.partition(":")
    return Step(None if prefix == "*" else NSMAP[prefix], local)


class Path:
    """A context path: ``//a/b/c`` (anywhere) or ``/a/b/c`` (from the root); the last step may be
    ``ram:*Suffix`` (any ram element whose name ends so) and ``*:*Suffix`` (any namespace)."""

    __slots__ = ("above", "anchored", "last", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.anchored = not text.startswith("//")
        steps = [_parse_step(s) for s in text.lstrip("/").split("/")]
        self.last = steps[-1]
        #: the steps above the last one, nearest first, as Clark names (contexts never use
        #: wildcards above the last step)
        self.above: tuple[str, ...] = tuple(st.exact or "" for st in reversed(steps[:-1]))
        if any(not t for t in self.above):
            raise ValueError(f"wildcards are only supported in the last step: {text}")

    def candidates(self, d: DocIndex, exclude: str | None = None) -> list[Element]:
        last = self.last
        if last.exact is not None:
            return d.by_tag.get(last.exact, EMPTY)
        # ``{uri}…suffix``: a suffix without "}" can only match inside the local name
        prefix, suffix = last.prefix, last.suffix
        out: list[Element] = []
        if suffix is None:  # any namespace, one local name
            for tag, els in d.by_tag.items():
                if last.matches_tag(tag) and tag != exclude:
                    out.extend(els)
            return out
        by_tag = d.by_tag
        for tag in d.tag_list:  # a list: iterating dict items builds a tuple per tag
            if tag.endswith(suffix) and (prefix is None or tag.startswith(prefix)) and tag != exclude:
                out.extend(by_tag[tag])
        return out

    def fits(self, position: int, d: DocIndex) -> bool:
        """Whether the ancestors of the element at ``position`` (a candidate for the last step)
        fit the other steps."""
        parents = d.parents
        tags = d.tags
        p = position
        for tag in self.above:
            p = parents[p]
            if p < 0 or tags[p] != tag:
                return False
        return not self.anchored or (parents[p] < 0 and not d.detached)


class Picker(ABC):
    """A context selector that :class:`CiiRuleSet` asks with the document index directly
    (:meth:`pick`: a compiled method call, no context-variable lookup); called with the root
    like any selector, it finds the index itself. Implemented by path selectors and the VAT
    category groups."""

    #: the tags the selector can select (None when unknown: the context is always asked)
    tags: frozenset[str] | None = None

    def __call__(self, root: Element) -> list[Element]:
        return self.pick(doc(root))

    @abstractmethod
    def pick(self, d: DocIndex) -> list[Element]:
        """The context's nodes in document order."""


class PathSelector(Picker):
    """A context selector: elements matching any of its paths and ``where`` (see :func:`select`)."""

    def __init__(self, paths: Sequence[str], where: Callable[[Element], bool] | None, exclude: str | None) -> None:
        self.compiled = [Path(p) for p in paths]
        self.simple = len(self.compiled) == 1 and not self.compiled[0].above and not self.compiled[0].anchored
        self.where = where
        self.exclude = exclude
        tags = [p.last.exact for p in self.compiled]
        self.tags = frozenset(t for t in tags if t) if all(tags) else None

    def pick(self, d: DocIndex) -> list[Element]:
        if self.simple:
            found = self.compiled[0].candidates(d, self.exclude)
            if self.where is None:
                return list(found)
        else:
            pos = d.pos
            found = [e for p in self.compiled for e in p.candidates(d, self.exclude) if p.fits(pos[e], d)]
        where = self.where
        if where is not None:
            found = [e for e in found if where(e)]
        return found


def select(*paths: str, where: Callable[[Element], bool] | None = None, exclude: str | None = None) -> PathSelector:
    """A context selector: elements matching any of ``paths`` and ``where`` (and not named
    ``exclude``, a Clark tag, for wildcard paths).

    Elements come grouped by path and tag, not in document order; rule outcomes do not depend
    on the order, only the order of findings in a report does.
    """
    return PathSelector(paths, where, exclude)


S = TypeVar("S", bound=Callable[[Element], list[Element]])


def needs_tags(selector: S, tags: frozenset[str]) -> S:
    """Mark ``selector`` as selecting only elements with one of ``tags`` (lets evaluation skip it)."""
    selector.tags = tags  # type: ignore[attr-defined]
    return selector


# --------------------------------------------------------------------------------------------
# rule sets and table-driven contexts


#: per last tag of a table path: (table, path, the tags above the last step nearest first, attribute)
TableEntries: TypeAlias = dict[str, list[tuple["TableContext", str, tuple[str, ...], str | None]]]


class TableContext(Context):
    """A context whose rules are mostly "path absent" / "at most one" / "exactly one" checks.

    The generic engine would run one test per rule and node. :meth:`failing_all` turns the
    question around: for each path of the table it looks up the elements with the path's last
    tag in the document index (usually none — these elements are rare) and walks up to see
    which context node they belong to. Hundreds of "should not be present" rules thus cost a
    few dictionary lookups per document. ``extra`` rules (real conditions) run normally.
    """

    absent: dict[str, list[Rule]]
    bounded: list[tuple[str, int, int, Rule]]
    extra: tuple[Rule, ...]
    paths: dict[str, tuple[tuple[str, ...], str | None]]
    own_attrs: dict[str, str]
    by_last_tag: TableEntries
    last_tags: frozenset[str]
    required: tuple[Rule, ...]
    paths_index: TablePaths

    def __init__(
        self,
        select: Callable[[Element], list[Element]],
        rows: Sequence[tuple[Rule, str, str]],
        extra: Sequence[Rule] = (),
    ) -> None:
        rules = [r for r, _, _ in rows] + list(extra)
        super().__init__(select=select, rules=rules)
        absent: dict[str, list[Rule]] = {}
        bounded: list[tuple[str, int, int, Rule]] = []
        paths: dict[str, tuple[tuple[str, ...], str | None]] = {}
        for r, kind, path in rows:
            compiled = P(path)
            paths[path] = (compiled.steps, compiled.attr)
            if kind == "-":
                absent.setdefault(path, []).append(r)
            else:
                low, high = (1, 1) if kind == "=1" else (0, 1)
                bounded.append((path, low, high, r))
        object.__setattr__(self, "extra", tuple(extra))
        object.__setattr__(self, "absent", absent)
        object.__setattr__(self, "bounded", bounded)
        object.__setattr__(self, "required", tuple(r for _, low, _, r in bounded if low > 0))
        object.__setattr__(self, "paths", paths)
        own_attrs = {attr: path for path, (steps, attr) in paths.items() if not steps and attr is not None}
        by_last_tag: TableEntries = {}
        for path, (steps, attr) in paths.items():
            if steps:
                by_last_tag.setdefault(steps[-1], []).append((self, path, steps[-2::-1], attr))
        object.__setattr__(self, "own_attrs", own_attrs)
        object.__setattr__(self, "by_last_tag", by_last_tag)
        object.__setattr__(self, "last_tags", frozenset(by_last_tag))
        object.__setattr__(self, "paths_index", TablePaths(by_last_tag))

    def _counts(self, nodes: Sequence[Element], d: DocIndex) -> dict[Element, dict[str, int]]:
        """How often each table path occurs below each of ``nodes`` (only non-zero counts)."""
        claims: dict[Element, TableContext] = dict.fromkeys(nodes, self)
        counts: dict[Element, dict[str, int]] = {}
        self.count_own(nodes, counts)
        count_paths(d, claims, self.paths_index, counts)
        return counts

    def count_own(self, nodes: Sequence[Element], counts: dict[Element, dict[str, int]]) -> None:
        """Add the table's own-attribute paths (``@x``) present on ``nodes`` to ``counts``."""
        own = self.own_attrs
        if not own:
            return
        for n in nodes:
            keys = n.keys()
            if keys:
                for name in keys:
                    path = own.get(str(name))
                    if path is not None:
                        mine = counts.get(n)
                        if mine is None:
                            counts[n] = {path: 1}
                        else:
                            mine[path] = 1

    def failing_all(self, nodes: Sequence[Element], d: DocIndex) -> list[tuple[Element, Rule]]:
        """(node, rule) for every rule of the table failing on one of ``nodes``."""
        if not nodes:
            return []
        return self.failing(nodes, self._counts(nodes, d))

    def failing(self, nodes: Sequence[Element], counts: dict[Element, dict[str, int]]) -> list[tuple[Element, Rule]]:
        """(node, rule) for every rule failing on one of ``nodes``, given the path counts."""
        out: list[tuple[Element, Rule]] = []
        absent = self.absent
        bounded = self.bounded
        required = self.required
        for n in nodes:
            found = counts.get(n)
            if found is None:
                # nothing of the table below n: only the "exactly one" rules fail
                for r in required:
                    out.append((n, r))
            else:
                for path in found:
                    rules = absent.get(path)
                    if rules is not None:
                        for r in rules:
                            out.append((n, r))
                for path, low, high, r in bounded:
                    if not low <= found.get(path, 0) <= high:
                        out.append((n, r))
            for r in self.extra:
                if not r.test(n):
                    out.append((n, r))
        return out


class TablePaths:
    """Table paths arranged for counting: by last tag, and for paths of two or more steps also by
    the tag of the last step's parent, so that an element under some other parent costs one
    dictionary miss instead of a walk per path."""

    def __init__(self, entries: TableEntries) -> None:
        #: paths of one step (``ram:X``): (table, path, attribute) by tag
        self.direct: dict[str, list[tuple[TableContext, str, str | None]]] = {}
        #: longer paths: (table, path, the tags above the parent nearest first, attribute) by
        #: last tag and parent tag
        self.nested: dict[str, dict[str, list[tuple[TableContext, str, tuple[str, ...], str | None]]]] = {}
        for tag, rows in entries.items():
            for table, path, above, attr in rows:
                if above:
                    by_parent = self.nested.setdefault(tag, {})
                    by_parent.setdefault(above[0], []).append((table, path, above[1:], attr))
                else:
                    self.direct.setdefault(tag, []).append((table, path, attr))
        self.last_tags = frozenset(entries)


def count_paths(
    d: DocIndex, claims: dict[Element, TableContext], paths: TablePaths, counts: dict[Element, dict[str, int]]
) -> None:
    """Count table paths in one pass over the elements their last steps name.

    For each such element, walk up the path's other steps; the element above them is the path's
    context node, and the occurrence counts if that node was selected by the path's table
    (``claims``; a node belongs to at most one context of a pattern) and, for ``…/@x`` paths,
    the element carries the attribute.
    """
    by_tag = d.by_tag
    pos = d.pos
    els = d.els
    tags = d.tags
    parents = d.parents
    direct_all = paths.direct
    nested_all = paths.nested
    for tag in paths.last_tags.intersection(d.tag_set):
        direct = direct_all.get(tag)
        nested = nested_all.get(tag)
        for c in by_tag[tag]:
            up = parents[pos[c]]
            if up < 0:
                continue
            if direct is not None:
                parent = els[up]
                claimed = claims.get(parent)
                if claimed is not None:
                    for table, path, attr in direct:
                        if table is claimed and (attr is None or c.get(attr) is not None):
                            _count(counts, parent, path)
            if nested is None:
                continue
            rows = nested.get(tags[up])
            if rows is None:
                continue
            for table, path, rest, attr in rows:
                a = up
                for step in rest:
                    a = parents[a]
                    if a < 0 or tags[a] != step:
                        break
                else:
                    above = parents[a]
                    if above < 0:
                        continue
                    owner = els[above]
                    if claims.get(owner) is not table:
                        continue
                    if attr is None or c.get(attr) is not None:
                        _count(counts, owner, path)


def _count(counts: dict[Element, dict[str, int]], owner: Element, path: str) -> None:
    mine = counts.get(owner)
    if mine is None:
        counts[owner] = {path: 1}
    else:
        mine[path] = mine.get(path, 0) + 1


def absent_test(path: str) -> Callable[[Element], bool]:
    compiled = P(path)
    return lambda node: not compiled.exists(node)


def count_test(path: str, low: int, high: int) -> Callable[[Element], bool]:
    compiled = P(path)
    return lambda node: low <= compiled.count(node) <= high


class CiiRuleSet(RuleSet):
    """A :class:`RuleSet` that indexes the document once and evaluates table contexts in bulk.

    Semantics are exactly those of :meth:`RuleSet.evaluate` (first match wins per pattern,
    one finding per failed rule and node).
    """

    def evaluate(self, root: Element) -> list[Finding]:
        token = _CURRENT.set(DocIndex(root))
        try:
            return self._evaluate(root)
        finally:
            _CURRENT.reset(token)

    def _evaluate(self, root: Element) -> list[Finding]:
        findings: list[Finding] = []
        name = self.name
        d = _CURRENT.get()
        present = d.tag_set
        for plan in self._plan():
            exclusive = plan.exclusive
            seen: set[Element] = set()
            # first select for every context (first match wins), then count all table paths of
            # the pattern in one pass, then run the rules context by context
            chosen: list[tuple[Context, TableContext | None, list[Element]]] = []
            claims: dict[Element, TableContext] = {}
            for ctx, tags, table, picker in plan.contexts:
                if tags is not None:
                    # a loop over one to three tags: cheaper than frozenset.isdisjoint (a method call)
                    for t in tags:
                        if t in present:
                            break
                    else:
                        continue  # none of the elements this context selects occurs in the document
                nodes = picker.pick(d) if picker is not None else list(ctx.nodes(root))
                if not nodes:
                    continue
                if exclusive:
                    nodes = [n for n in nodes if n not in seen]
                    for n in nodes:
                        seen.add(n)
                chosen.append((ctx, table, nodes))
                if table is not None:
                    for n in nodes:
                        claims[n] = table
            counts: dict[Element, dict[str, int]] = {}
            if claims:
                for _, table, nodes in chosen:
                    if table is not None:
                        table.count_own(nodes, counts)
                count_paths(d, claims, plan.paths, counts)
            for ctx, table, nodes in chosen:
                if table is not None:
                    failed = table.failing(nodes, counts)
                else:
                    failed = [(n, r) for n in nodes for r in ctx.rules if not r.test(n)]
                for n, r in failed:
                    findings.append(Finding(r.id, r.severity, r.message, location_of(n), name))
        return findings

    def _plan(self) -> list[PatternPlan]:
        """Per pattern: its contexts with the tags they can select, their table form and their
        path selector, and the table paths of all its tables (cached; rebuilt if the pattern list,
        a pattern or the length of its context list changed: per pattern, not per context, as
        this runs for every document)."""
        key = (id(self.patterns), tuple((id(p), id(p.contexts), len(p.contexts)) for p in self.patterns))
        cached = self.plan_cache
        if cached is not None and cached[0] == key:
            return cached[1]  # type: ignore[no-any-return]
        plan = [PatternPlan(p) for p in self.patterns]
        self.plan_cache = (key, plan)
        return plan


class PatternPlan:
    """How :class:`CiiRuleSet` evaluates one pattern: per context the tags it can select (None =
    unknown), its table form and its path selector; and the paths of all its tables by last tag,
    so that one pass counts them for every table of the pattern."""

    def __init__(self, pattern: Pattern) -> None:
        self.exclusive = pattern.exclusive
        self.contexts: list[tuple[Context, tuple[str, ...] | None, TableContext | None, Picker | None]] = [
            (
                c,
                _tags_of(c.select),
                c if isinstance(c, TableContext) else None,
                c.select if isinstance(c.select, Picker) else None,
            )
            for c in pattern.contexts
        ]
        entries: TableEntries = {}
        for _, _, table, _ in self.contexts:
            if table is not None:
                for tag, rows in table.by_last_tag.items():
                    entries.setdefault(tag, []).extend(rows)
        self.paths = TablePaths(entries)


def _tags_of(selector: object) -> tuple[str, ...] | None:
    """The tags a selector can select (see :func:`needs_tags`), or None when unknown."""
    tags = getattr(selector, "tags", None)
    return None if tags is None else tuple(sorted(tags))


def xs_boolean(value: str | None) -> bool | None:
    """Cast like ``xs:boolean(value)`` (what ``udt:Indicator = true()`` does); None = cast error."""
    if value is None:
        return None
    v = value.strip(" \t\r\n")
    if v in ("true", "1"):
        return True
    if v in ("false", "0"):
        return False
    return None


def any_boolean(values: Iterable[str], wanted: bool) -> bool:
    """General comparison ``path = true()`` / ``= false()`` over several values."""
    return any(xs_boolean(v) is wanted for v in values)
