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

from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from belegwerk.rules.engine import Context, Element, Finding, Rule, RuleSet, Severity, location_of
from belegwerk.rules.functions import normalize_space
from belegwerk.xml.ns import NSMAP

T = TypeVar("T")

_PREFIX_OF = {uri: prefix for prefix, uri in NSMAP.items() if prefix in ("rsm", "ram", "udt", "qdt")}


def clark(path: str) -> str:
    """``ram:A/ram:B/@x`` → ``{urn…}A/{urn…}B/@x`` (ElementPath syntax without a prefix map)."""
    steps = []
    for step in path.split("/"):
        if ":" in step and not step.startswith("@") and not step.startswith("{"):
            prefix, local = step.split(":", 1)
            steps.append(f"{{{NSMAP[prefix]}}}{local}")
        else:
            steps.append(step)
    return "/".join(steps)


def qname(tag: str) -> str:
    """``{urn…ram…}X`` → ``ram:X`` for the CII namespaces (other tags unchanged)."""
    if tag[:1] == "{":
        uri, _, local = tag[1:].partition("}")
        prefix = _PREFIX_OF.get(uri)
        if prefix is not None:
            return f"{prefix}:{local}"
    return tag


# --------------------------------------------------------------------------------------------
# the per-document index


class DocIndex:
    """Every element of one document filed by tag, plus a memo for document-wide facts."""

    __slots__ = ("_memo", "by_tag", "elements", "root")

    def __init__(self, root: Element) -> None:
        self.root = root
        self.by_tag: dict[str, list[Element]] = {}
        self.elements: list[Element] = []
        self._memo: dict[Any, Any] = {}
        by_tag = self.by_tag
        for el in root.iter():
            tag = el.tag
            if not isinstance(tag, str):
                continue  # comments and processing instructions are not elements
            self.elements.append(el)
            bucket = by_tag.get(tag)
            if bucket is None:
                by_tag[tag] = [el]
            else:
                bucket.append(el)

    def tagged(self, path: str) -> list[Element]:
        """All elements named ``ram:X`` (one prefixed name, no path)."""
        return self.by_tag.get(clark(path), [])

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """The value of ``compute()``, computed at most once for this document."""
        try:
            value: T = self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
        return value


_CURRENT: ContextVar[DocIndex] = ContextVar("belegwerk_cii_doc")


def doc(node: Element | None = None) -> DocIndex:
    """The index of the document being evaluated (built on the fly when a rule runs alone)."""
    try:
        return _CURRENT.get()
    except LookupError:
        if node is None:
            raise
        return DocIndex(node.getroottree().getroot())


# --------------------------------------------------------------------------------------------
# XPath-like helpers over lxml elements (string values, existence, counts)


def string_value(el: Element) -> str:
    """XPath string value of an element: all descendant text."""
    if len(el) == 0:
        return el.text or ""
    return "".join(t for t in el.itertext() if isinstance(t, str))


class P:
    """A relative path compiled once; call its methods with the context node."""

    __slots__ = ("attr", "elem_path", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        head, attr = path, None
        if path.startswith("@"):
            head, attr = "", path[1:]
        elif "/@" in path:
            head, attr = path.split("/@", 1)
        self.elem_path = clark(head) if head else ""
        self.attr = attr

    def all(self, node: Element) -> list[Element]:
        return list(node.iterfind(self.elem_path)) if self.elem_path else [node]

    def first(self, node: Element) -> Element | None:
        return node.find(self.elem_path) if self.elem_path else node

    def values(self, node: Element) -> list[str]:
        """String values of every selected node (attribute values when the path ends in ``@x``)."""
        if self.attr is None:
            return [string_value(e) for e in node.iterfind(self.elem_path)]
        out = []
        for e in self.all(node):
            v = e.get(self.attr)
            if v is not None:
                out.append(v)
        return out

    def value(self, node: Element) -> str | None:
        """String value of the first selected node, or None when nothing is selected."""
        if self.attr is None:
            e = node.find(self.elem_path)
            return None if e is None else string_value(e)
        for e in self.all(node):
            v = e.get(self.attr)
            if v is not None:
                return v
        return None

    def exists(self, node: Element) -> bool:
        if self.attr is None:
            return node.find(self.elem_path) is not None
        return self.value(node) is not None

    def count(self, node: Element) -> int:
        if self.attr is None:
            return sum(1 for _ in node.iterfind(self.elem_path))
        return len(self.values(node))

    def ns(self, node: Element) -> str:
        """``normalize-space(path)`` (of the first node; XPath 2.0 would reject several)."""
        return normalize_space(self.value(node))

    def filled(self, node: Element) -> bool:
        """``normalize-space(path) != ''``."""
        return self.ns(node) != ""


# --------------------------------------------------------------------------------------------
# context selection


@dataclass(frozen=True)
class Step:
    """One step of a context path: a namespace URI (None = any) and a local name or ``*suffix``."""

    uri: str | None
    local: str

    def matches(self, el: Element) -> bool:
        tag = el.tag
        if not isinstance(tag, str):
            return False
        uri, _, local = tag[1:].partition("}") if tag[:1] == "{" else ("", "", tag)
        if self.uri is not None and uri != self.uri:
            return False
        if self.local.startswith("*"):
            return local.endswith(self.local[1:])
        return local == self.local


def _parse_step(step: str) -> Step:
    prefix, _, local = step.partition(":")
    return Step(None if prefix == "*" else NSMAP[prefix], local)


@dataclass(frozen=True)
class Path:
    """A context path: ``//a/b/c`` (anywhere) or ``/a/b/c`` (from the root); the last step may be
    ``ram:*Suffix`` (any ram element whose name ends so) and ``*:*Suffix`` (any namespace)."""

    text: str
    anchored: bool = field(init=False)
    steps: tuple[Step, ...] = field(init=False)

    def __post_init__(self) -> None:
        anchored = not self.text.startswith("//")
        steps = tuple(_parse_step(s) for s in self.text.lstrip("/").split("/"))
        object.__setattr__(self, "anchored", anchored)
        object.__setattr__(self, "steps", steps)

    def candidates(self, d: DocIndex) -> Iterable[Element]:
        last = self.steps[-1]
        if last.uri is not None and not last.local.startswith("*"):
            return d.by_tag.get(f"{{{last.uri}}}{last.local}", ())
        return [e for e in d.elements if last.matches(e)]

    def fits(self, el: Element) -> bool:
        """Whether the ancestors of ``el`` (a candidate for the last step) fit the other steps."""
        cur = el
        for step in reversed(self.steps[:-1]):
            cur = cur.getparent()
            if cur is None or not step.matches(cur):
                return False
        return not self.anchored or cur.getparent() is None


def select(*paths: str, where: Callable[[Element], bool] | None = None) -> Callable[[Element], list[Element]]:
    """A context selector: elements matching any of ``paths`` (in document order) and ``where``."""
    compiled = [Path(p) for p in paths]
    simple = len(compiled) == 1 and len(compiled[0].steps) == 1 and not compiled[0].anchored

    def nodes(root: Element) -> list[Element]:
        d = doc(root)
        if simple:
            found = list(compiled[0].candidates(d))
        else:
            found = [e for p in compiled for e in p.candidates(d) if p.fits(e)]
            if len(compiled) > 1:
                order = {id(e): i for i, e in enumerate(d.elements)}
                found.sort(key=lambda e: order[id(e)])
        if where is not None:
            found = [e for e in found if where(e)]
        return found

    return nodes


# --------------------------------------------------------------------------------------------
# rule sets and table-driven contexts


def rule(rule_id: str, severity: Severity, message: str, test: Callable[[Element], bool]) -> Rule:
    return Rule(rule_id, severity, message, test)


class TableContext(Context):
    """A context whose rules are all of the form "path absent" / "at most one" / "exactly one".

    The generic engine would call one test per rule; :class:`CiiRuleSet` instead counts the
    relative paths present under the node once (:func:`path_counts`) and only looks at the
    rules whose path occurs (or that need a path to occur), which is what makes hundreds of
    "should not be present" checks nearly free.
    """

    absent: dict[str, list[Rule]]
    bounded: list[tuple[str, int, int, Rule]]
    extra: tuple[Rule, ...]
    depth: int

    def __init__(
        self,
        select: Callable[[Element], list[Element]],
        rows: Sequence[tuple[Rule, str, str]],
        extra: Sequence[Rule] = (),
    ) -> None:
        rules = [r for r, _, _ in rows] + list(extra)
        super().__init__(select=select, rules=rules)
        object.__setattr__(self, "extra", tuple(extra))
        absent: dict[str, list[Rule]] = {}
        bounded: list[tuple[str, int, int, Rule]] = []
        depth = 1
        for r, kind, path in rows:
            depth = max(depth, path.count("/") + 1)
            if kind == "-":
                absent.setdefault(path, []).append(r)
            else:
                low, high = (1, 1) if kind == "=1" else (0, 1)
                bounded.append((path, low, high, r))
        object.__setattr__(self, "absent", absent)
        object.__setattr__(self, "bounded", bounded)
        object.__setattr__(self, "depth", depth)

    def failing(self, node: Element) -> list[Rule]:
        counts = path_counts(node, self.depth)
        out = [r for path, rules in self.absent.items() if path in counts for r in rules]
        for path, low, high, r in self.bounded:
            if not low <= counts.get(path, 0) <= high:
                out.append(r)
        out.extend(r for r in self.extra if not r.test(node))
        return out


def path_counts(node: Element, depth: int) -> dict[str, int]:
    """How often each relative path (``ram:A/ram:B``, ``ram:A/@x``) occurs below ``node``."""
    counts: dict[str, int] = {}

    def walk(el: Element, prefix: str, level: int) -> None:
        for attr in el.attrib:
            key = f"{prefix}@{attr}"
            counts[key] = counts.get(key, 0) + 1
        if level == depth:
            return
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            key = prefix + qname(tag)
            counts[key] = counts.get(key, 0) + 1
            walk(child, key + "/", level + 1)

    walk(node, "", 0)
    return counts


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
        for pattern in self.patterns:
            seen: set[Element] = set()
            for ctx in pattern.contexts:
                for node in ctx.nodes(root):
                    if pattern.exclusive:
                        if node in seen:
                            continue
                        seen.add(node)
                    if isinstance(ctx, TableContext):
                        failed: Iterable[Rule] = ctx.failing(node)
                    else:
                        failed = [r for r in ctx.rules if not r.test(node)]
                    for r in failed:
                        findings.append(Finding(r.id, r.severity, r.message, location_of(node), name))
        return findings



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
