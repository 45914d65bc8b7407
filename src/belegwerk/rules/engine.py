"""The rule engine: schematron semantics, evaluated natively over an lxml tree.

Vocabulary follows ISO Schematron because the official rule packs are written in it and our
verdicts must agree with theirs:

* a :class:`Rule` is one assertion with its official identifier (``BR-CO-15``), a severity and
  a message; its ``test`` returns ``True`` when the context node satisfies it;
* a :class:`Context` selects nodes (an XPath 1.0 expression compiled once by lxml, or a Python
  function for what XPath 1.0 cannot say) and holds the rules evaluated on each selected node;
* a :class:`Pattern` is an ordered list of contexts with schematron's *first match wins*
  semantics: a node handled by one context of a pattern is not handled by a later context of
  the same pattern;
* a :class:`RuleSet` is a named list of patterns (one official rule pack, e.g. "EN 16931 UBL").

A finding is produced for every (rule, node) pair whose test fails, so counts can be compared
with the official unit tests that state how often a rule fires.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, TypeAlias

from lxml import etree

from belegwerk.xml.ns import NSMAP

Element: TypeAlias = etree._Element
Check: TypeAlias = Callable[[Element], bool]
Selector: TypeAlias = Callable[[Element], Iterable[Element]]


class Severity(StrEnum):
    """How bad a failed rule is. Only ``FATAL`` makes a document invalid."""

    FATAL = "fatal"
    WARNING = "warning"
    INFORMATION = "information"


@dataclass(frozen=True, slots=True)
class Finding:
    """One failed assertion on one node."""

    rule_id: str
    severity: Severity
    message: str
    location: str
    ruleset: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    """One assertion. ``test`` returns True when ``node`` satisfies the rule."""

    id: str
    severity: Severity
    message: str
    test: Check


def _compile(expr: str, namespaces: dict[str, str]) -> Selector:
    xp = etree.XPath(expr, namespaces=namespaces)

    def select(root: Element) -> Iterable[Element]:
        result = xp(root)
        if isinstance(result, list):
            return [n for n in result if isinstance(n, etree._Element)]
        return ()

    return select


@dataclass(frozen=True)
class Context:
    """Nodes to check and the rules to check on each.

    ``select`` is either an XPath 1.0 expression evaluated from the document root (use absolute
    or ``//`` paths, prefixes from :data:`belegwerk.xml.ns.NSMAP` plus ``namespaces``) or a
    function from the root element to the nodes.
    """

    select: str | Selector
    rules: Sequence[Rule]
    namespaces: dict[str, str] = field(default_factory=dict)
    _selector: Selector = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sel = _compile(self.select, {**NSMAP, **self.namespaces}) if isinstance(self.select, str) else self.select
        object.__setattr__(self, "_selector", sel)

    def nodes(self, root: Element) -> Iterable[Element]:
        return self._selector(root)


@dataclass(frozen=True)
class Pattern:
    """Ordered contexts with first-match-wins semantics (set ``exclusive=False`` to disable)."""

    contexts: Sequence[Context]
    name: str = ""
    exclusive: bool = True


#: Node types whose ``tag`` is read: elements carry a str, comments and processing instructions a
#: function. The lxml stubs declare ``str``, and modules compiled with mypyc (see
#: ``tools/build_native_rules.py``) check declared types at run time, so code that reads the tag
#: of a node that may be a comment declares the node as ``AnyNode``.
AnyNode: TypeAlias = Any


def location_of(node: Element) -> str:
    """An XPath to ``node`` for the report (namespace prefixes as in the document)."""
    return str(node.getroottree().getpath(node))


@dataclass
class RuleSet:
    """One rule pack: a name and its patterns."""

    name: str
    patterns: list[Pattern]
    #: Evaluation plan of a subclass, built on first use (an attribute, not ``__dict__``, so that
    #: the class also works when compiled with mypyc).
    plan_cache: Any = field(default=None, repr=False, compare=False)

    def rules(self) -> Iterable[Rule]:
        for pattern in self.patterns:
            for ctx in pattern.contexts:
                yield from ctx.rules

    def evaluate(self, root: Element) -> list[Finding]:
        findings: list[Finding] = []
        for pattern in self.patterns:
            seen: set[Element] | None = set() if pattern.exclusive and len(pattern.contexts) > 1 else None
            for ctx in pattern.contexts:
                for node in ctx.nodes(root):
                    if seen is not None:
                        if node in seen:
                            continue
                        seen.add(node)
                    for rule in ctx.rules:
                        if not rule.test(node):
                            findings.append(Finding(rule.id, rule.severity, rule.message, location_of(node), self.name))
        return findings


class _SessionState:
    """The document of the active session and the values its packs offered."""

    __slots__ = ("root", "values")

    def __init__(self, root: Element) -> None:
        self.root = root
        self.values: dict[str, Any] = {}


#: The active session of this thread (or task), None outside one. A context variable: each
#: thread has its own, and nested sessions restore the enclosing one through its reset token.
#: (Not a ``threading.local`` subclass: compiled with mypyc, such a class keeps its attributes in
#: the instance's own slots — one object for all threads — and breaks ``threading.local``'s
#: attribute lookup for any Python code that inspects the object.)
_SESSION: Final[ContextVar[_SessionState | None]] = ContextVar("belegwerk_document_session", default=None)
#: ``_SESSION.get`` bound once (compiled code then skips the method lookup per call)
_session: Final[Callable[[], _SessionState | None]] = _SESSION.get


class DocumentSession:
    """The context manager :func:`document_session` returns.

    A class rather than a ``contextlib.contextmanager`` generator: compiled with mypyc its
    ``__enter__``/``__exit__`` are native, while ``contextlib`` runs four interpreted Python
    frames per ``with`` — per validation, that was more than the session itself costs.
    """

    __slots__ = ("_root", "_token")

    def __init__(self, root: Element) -> None:
        self._root = root
        self._token: Token[_SessionState | None] | None = None

    def __enter__(self) -> None:
        self._token = _SESSION.set(_SessionState(self._root))

    def __exit__(self, *exc_info: object) -> None:
        token = self._token
        if token is not None:
            self._token = None
            _SESSION.reset(token)


def document_session(root: Element) -> DocumentSession:
    """Let the rule packs of one validation share per-document facts (see :func:`shared`).

    Every pack needs the same few document-wide structures (elements by tag, the empty-element
    candidates); the first pack that walks the tree offers them, later packs take them instead of
    walking again. The values live exactly as long as the ``with`` block, per thread, so a tree
    edited and validated again is never answered from stale data. Outside a session nothing is
    shared. Sessions nest: leaving one restores the enclosing session.
    """
    return DocumentSession(root)


#: Session key of the shared document scan (a :data:`belegwerk.rules.scan.Scan`: elements, tags,
#: parents, children by tag, elements by tag, "empty element" candidates, leaf texts, attributes).
SCAN_KEY: Final = "scan"


def session_open(root: Element) -> bool:
    """Whether a :func:`document_session` for ``root`` is active on this thread."""
    state = _session()
    return state is not None and state.root is root


def shared(root: Element, key: str) -> Any:
    """The value a pack offered under ``key`` for ``root`` in the current session, or None."""
    state = _session()
    if state is None or state.root is not root:
        return None
    return state.values.get(key)


def offer(root: Element, key: str, value: object) -> None:
    """Make ``value`` available to later packs of the current session (no-op outside one)."""
    state = _session()
    if state is not None and state.root is root:
        state.values[key] = value


def relevel(findings: Iterable[Finding], overrides: dict[str, Severity]) -> list[Finding]:
    """Apply severity overrides (as a KoSIT scenario's ``customLevel`` does)."""
    out: list[Finding] = []
    for f in findings:
        sev = overrides.get(f.rule_id)
        out.append(f if sev is None else Finding(f.rule_id, sev, f.message, f.location, f.ruleset))
    return out
