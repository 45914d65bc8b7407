"""Building blocks shared by the Peppol BIS Billing 3.0 rule packs (UBL and CII).

Four kinds of things live here:

* small evaluation helpers (compiled XPath 1.0 tests, a per-document cache for the pack-level
  variables such as the supplier country, XPath number/decimal semantics, the ``u:slack``
  tolerance comparison);
* the check-digit functions the Peppol pack defines for national identifiers (GLN, Norwegian
  organisation numbers, Belgian enterprise numbers, Italian IPA codes / codice fiscale /
  partita IVA, Swedish organisation numbers, Australian ABN, Greek TIN). They reproduce the
  *pack's* arithmetic, including its quirks, because our verdicts must agree with the official
  validator, not with the national registry;
* code-list access for the ``PEPPOL-EN16931-CL…`` rules;
* what both syntaxes' packs build their rule tables from, where the rules are the same but for
  the element paths: the arithmetic of R040/R120/R121, the ``PEPPOL-COMMON-R040…R050``
  identifier checks, the empty-element pattern (``PEPPOL-EN16931-R008``), the Swedish
  ``SE-R-*`` checks, the fixed tolerance, flag-guarded context selectors, and
  :func:`build_contexts`, which turns a rule table into contexts (optionally only some of its
  rules, with some messages worded differently).

The XRechnung packs reuse these, because KoSIT merges a subset of the Peppol rules into them:
they take the Peppol modules' transaction-rule tables through :func:`build_contexts` instead of
keeping copies.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from typing import Final, Generic, TypeAlias, TypeVar, cast

from lxml import etree

from belegwerk.rules.engine import (
    AnyNode,
    Check,
    Context,
    Element,
    Finding,
    Pattern,
    Rule,
    RuleSet,
    Severity,
    location_of,
)
from belegwerk.rules.functions import normalize_space, to_decimal
from belegwerk.rules.scan import ancestors_match, canonical, document_scan
from belegwerk.xml.ns import NSMAP

T = TypeVar("T")

# --------------------------------------------------------------------------------------------
# Evaluation helpers
# --------------------------------------------------------------------------------------------


#: Namespace of our XPath extension functions (``bw:re(value, regex)`` etc., see ``_EXTENSIONS``).
BW_NS: Final = "urn:belegwerk:xpath-functions"
_NS: Final = {**NSMAP, "bw": BW_NS}


def _arg(value: object) -> str:
    """An XPath argument as a string: first node's string value for node-sets, '' when empty."""
    if isinstance(value, list):
        if not value:
            return ""
        value = value[0]
    if isinstance(value, etree._Element):
        return string_value(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_REGEX_CACHE: Final[dict[str, re.Pattern[str]]] = {}


def _re(_ctx: object, value: object, pattern: object) -> bool:
    """``matches()`` with search semantics; patterns are written Python-ready (``\\Z`` for XPath ``$``)."""
    pat = _arg(pattern)
    rx = _REGEX_CACHE.get(pat)
    if rx is None:
        rx = _REGEX_CACHE[pat] = re.compile(pat)
    return rx.search(_arg(value)) is not None


def _unary(fn: Callable[[str], bool]) -> Callable[[object, object], bool]:
    def call(_ctx: object, value: object) -> bool:
        return fn(_arg(value))

    return call


def _upper(_ctx: object, value: object) -> str:
    return _arg(value).upper()


def _ends(_ctx: object, value: object, suffix: object) -> bool:
    return _arg(value).endswith(_arg(suffix))


def _isdate(_ctx: object, value: object) -> bool:
    return castable_date(_arg(value))


def _extensions() -> dict[tuple[str, str], Callable[..., object]]:
    return {
        (BW_NS, "re"): _re,
        (BW_NS, "upper"): _upper,
        (BW_NS, "ends"): _ends,
        (BW_NS, "isdate"): _isdate,
        (BW_NS, "gln"): _unary(gln),
        (BW_NS, "mod11"): _unary(mod11),
        (BW_NS, "mod97"): _unary(mod97_0208),
        (BW_NS, "ipa"): _unary(codice_ipa),
        (BW_NS, "cf"): _unary(codice_fiscale),
        (BW_NS, "piva"): _unary(partita_iva),
        (BW_NS, "seorg"): _unary(se_orgnr),
        (BW_NS, "abn"): _unary(abn),
        (BW_NS, "tin"): _unary(greek_tin),
    }


_XPATH_CACHE: Final[dict[str, etree.XPath]] = {}


def _xpath(path: str) -> etree.XPath:
    xp = _XPATH_CACHE.get(path)
    if xp is None:
        xp = _XPATH_CACHE[path] = etree.XPath(path, namespaces=_NS, extensions=_extensions() if "bw:" in path else None)
    return xp


class XPathTest:
    """A rule test written as an XPath 1.0 boolean expression, evaluated with the node as context.

    Most official assertions that need no XPath 2.0 feature are existence tests or string
    comparisons; lxml evaluates those in C. XPath 2.0 functions the packs use (``matches``,
    ``upper-case``, ``ends-with``, ``castable as xs:date``) and the pack's check-digit functions
    are available as ``bw:`` extension functions. :func:`ctx` fuses the XPath tests of one
    context into a single evaluation per node.
    """

    __slots__ = ("_xp", "expr", "native")

    def __init__(self, expr: str) -> None:
        self.expr = expr
        #: The expression as a Python function where :func:`python_test` translates it (most
        #: existence tests and string comparisons: no lxml XPath call per node then).
        self.native = python_test(expr)
        self._xp = _xpath(f"boolean({expr})")

    def __call__(self, node: Element) -> bool:
        native = self.native
        if native is not None:
            return native(node)
        return bool(self._xp(node))


def xb(expr: str) -> Check:
    """See :class:`XPathTest`."""
    return XPathTest(expr)


class _FusedTests:
    """All XPath tests of one context in one expression: ``concat(number(boolean(t1)), ...)``.

    The engine runs a context's rules in order on the same node: the first fused rule evaluates
    the expression (always, so a re-validated, modified tree is never answered from a stale
    result) and the following ones read their digit from it.
    """

    __slots__ = ("_local", "_xp")

    def __init__(self, exprs: list[str]) -> None:
        parts = ", ".join(f"number(boolean({e}))" for e in exprs)
        self._xp = _xpath(f"concat({parts}, '')")
        self._local = threading.local()

    def result(self, node: Element, fresh: bool) -> str:
        local = self._local
        if fresh or getattr(local, "node", None) is not node:
            local.result = cast(str, self._xp(node))
            local.node = node
        return cast(str, local.result)


class _FusedMember:
    __slots__ = ("_fused", "_i")

    def __init__(self, fused: _FusedTests, i: int) -> None:
        self._fused = fused
        self._i = i

    def __call__(self, node: Element) -> bool:
        return self._fused.result(node, self._i == 0)[self._i] == "1"


def _fuse(rules: Sequence[Rule]) -> list[Rule]:
    xpath_rules = [r for r in rules if isinstance(r.test, XPathTest) and r.test.native is None]
    if len(xpath_rules) < 2:
        return list(rules)
    fused = _FusedTests([r.test.expr for r in xpath_rules])  # type: ignore[attr-defined]
    position = {id(r): i for i, r in enumerate(xpath_rules)}
    return [
        Rule(r.id, r.severity, r.message, _FusedMember(fused, position[id(r)])) if id(r) in position else r
        for r in rules
    ]


def xs(expr: str) -> Callable[[Element], list[Element]]:
    """Compile an XPath 1.0 node-set expression; returns only elements."""
    xp = etree.XPath(expr, namespaces=_NS, extensions=_extensions() if "bw:" in expr else None)

    def select(node: Element) -> list[Element]:
        res = xp(node)
        return [n for n in res if isinstance(n, etree._Element)] if isinstance(res, list) else []

    return select


_STRING: Final = etree.XPath("string(.)")


#: The thread's evaluation counter (read outside evaluations only, by :class:`per_document`).
_STATE: Final = threading.local()


class _Evaluation:
    """The evaluation running in this thread (or task): the evaluated document's top element,
    every element's children by tag (from the document's scan; see :func:`child_groups`), the
    :class:`per_document` values and the document's :class:`Index`."""

    __slots__ = ("index", "kids", "paths", "root", "values")

    def __init__(self, root: Element, kids: dict[Element, dict[str, list[Element]]]) -> None:
        self.root = root
        self.kids = kids
        self.values: dict[object, object] = {}
        self.index: Index | None = None
        #: multi-step child paths already resolved from ``root`` (see :func:`nodes_at`)
        self.paths: dict[str, list[Element]] = {}


#: The current evaluation, None outside one. A context variable rather than a thread-local
#: attribute: rules ask for it a few hundred times per document, and ``ContextVar.get`` answers
#: from a per-thread cache where a ``threading.local`` attribute read costs ten times as much.
_EVALUATION: Final[ContextVar[_Evaluation | None]] = ContextVar("belegwerk_peppol_evaluation", default=None)
#: ``_EVALUATION.get`` bound once (compiled code then skips the method lookup per call)
_evaluation: Final[Callable[[], _Evaluation | None]] = _EVALUATION.get


def _epoch() -> int:
    return getattr(_STATE, "epoch", 0)


def begin_document(root: Element) -> list[Element]:
    """Start a new evaluation: invalidate all per-document caches of this thread.

    Each rule set's first (rule-less) context calls this, so values computed from a document
    are only reused within one evaluation; a tree that is modified and validated again is
    never answered from stale data.
    """
    _STATE.epoch = _epoch() + 1
    top = root
    parent = root.getparent()
    while parent is not None:
        top = parent
        parent = parent.getparent()
    # the scan grouped every element's children already (shared with the other packs)
    _EVALUATION.set(_Evaluation(top, document_scan(root)[3]))
    return []


def end_document(_root: Element) -> list[Element]:
    """End an evaluation: forget the per-evaluation child groups (see :func:`child_groups`),
    the :class:`per_document` values and the document's :class:`Index`."""
    _EVALUATION.set(None)
    return []


def epilogue() -> Pattern:
    """The rule-less pattern that ends a rule set of these modules (see :func:`end_document`)."""
    return Pattern([Context(end_document, [])], "end-document")


_Step: TypeAlias = tuple[
    Callable[[Element], Iterable[Element]],
    tuple[tuple[Check, Rule], ...],
    tuple[str, ...] | None,
    Callable[[Element], bool] | None,
]


class PeppolRuleSet(RuleSet):
    """A :class:`RuleSet` with the same schematron semantics that opens and closes the
    per-evaluation state itself (no prologue pattern needed) and skips contexts cheaply.

    A context whose selector is a :class:`TagSelector` is skipped when none of its tags occurs
    in the document, and a :class:`Gated` one when its flag is off; each flag is asked once
    per evaluation, however many contexts it switches (the national patterns share a few).
    Both skips only avoid calls whose answer is known to be "no nodes".
    """

    def evaluate(self, root: Element) -> list[Finding]:
        begin_document(root)
        try:
            return self._evaluate(root)
        finally:
            end_document(root)

    def _plan(self) -> list[tuple[bool, list[_Step]]]:
        """Patterns flattened once into (first-match-wins?, [(selector, (test, rule) pairs,
        required tags, flag)])."""
        plan: list[tuple[bool, list[_Step]]] | None = self.plan_cache
        if plan is None:
            plan = []
            for pattern in self.patterns:
                steps: list[_Step] = []
                for context in pattern.contexts:
                    sel = context.select
                    flag: Callable[[Element], bool] | None = None
                    inner: object = sel
                    if isinstance(sel, Gated):
                        flag, inner = sel.flag, sel.select
                    required = inner.tags if isinstance(inner, TagSelector) else None
                    select = cast(Callable[[Element], list[Element]], inner) if flag is not None else context.nodes
                    steps.append((select, tuple((r.test, r) for r in context.rules), required, flag))
                plan.append((pattern.exclusive and len(pattern.contexts) > 1, steps))
            self.plan_cache = plan
        return plan

    def _evaluate(self, root: Element) -> list[Finding]:
        findings: list[Finding] = []
        name = self.name
        present = element_index(root)
        flags: dict[Callable[[Element], bool], bool] = {}
        for exclusive, steps in self._plan():
            seen: set[Element] | None = set() if exclusive else None
            for select, pairs, required, flag in steps:
                if required is not None and not _any_present(required, present):
                    continue
                if flag is not None:
                    on = flags.get(flag)
                    if on is None:
                        on = flags[flag] = bool(flag(root))
                    if not on:
                        continue
                for node in select(root):
                    if seen is not None:
                        if node in seen:
                            continue
                        seen.add(node)
                    for test, r in pairs:
                        if not test(node):
                            findings.append(Finding(r.id, r.severity, r.message, location_of(node), name))
        return findings


def _any_present(tags: tuple[str, ...], present: dict[str, list[Element]]) -> bool:
    for t in tags:  # noqa: SIM110 - a plain loop compiles to direct lookups
        if t in present:
            return True
    return False


def prologue() -> Pattern:
    """The rule-less pattern every rule set of these modules starts with (see :func:`begin_document`)."""
    return Pattern([Context(begin_document, [])], "begin-document")


_UNSET: Final = object()


class per_document(Generic[T]):
    """Compute a document-level value once per evaluation (schematron's pack-level ``let``).

    Rules only receive their context node; the value is computed from the node's root and
    remembered for that root until the next evaluation starts. The cache is per thread, so
    documents validated concurrently do not see each other's values.
    """

    __slots__ = ("_fn", "_local")

    def __init__(self, fn: Callable[[Element], T]) -> None:
        self._fn = fn
        self._local = threading.local()

    def __call__(self, node: Element) -> T:
        # during an evaluation every node is the evaluated document's: its values live in one
        # dict from begin_document to end_document, so no climb to the root is needed
        evaluation = _evaluation()
        if evaluation is not None:
            values = evaluation.values
            found = values.get(self, _UNSET)  # one lookup: most calls find the value
            if found is not _UNSET:
                return cast(T, found)
            value = values[self] = self._fn(evaluation.root)
            return value
        # outside one: climb to the root; invoice elements sit a few levels deep, and each
        # step is cheaper than building an ElementTree to ask it for its root
        root = node
        parent = node.getparent()
        while parent is not None:
            root = parent
            parent = parent.getparent()
        local = self._local
        epoch = _epoch()
        if getattr(local, "root", None) is not root or local.epoch != epoch:
            local.value = self._fn(root)
            local.root = root
            local.epoch = epoch
        return local.value  # type: ignore[no-any-return]


def string_value(node: Element) -> str:
    """XPath string value of an element (all descendant text).

    Most elements the rules read are leaves; their text is the string value, and reading it
    directly is an order of magnitude cheaper than a subtree text walk.
    """
    if len(node) == 0:
        return node.text or ""
    return cast(str, _STRING(node))


_CHILD_STEP: Final = re.compile(r"^([A-Za-z_][\w.-]*):([A-Za-z_][\w.-]*)$")
#: Relative paths by text: the Clark tags of a plain child path (``cac:A/cbc:B``), or None for a
#: path that needs XPath (predicates, axes, ``//``, ``*``).
_CHILD_PATHS: Final[dict[str, tuple[str, ...] | None]] = {}


def _child_path(path: str) -> tuple[str, ...] | None:
    tags: list[str] = []
    for step in path.split("/"):
        m = _CHILD_STEP.match(step)
        if m is None or m.group(1) not in _NS:
            return None
        tags.append(canonical(f"{{{_NS[m.group(1)]}}}{m.group(2)}"))
    return tuple(tags)


def nodes_at(node: Element, path: str) -> list[Element]:
    """Elements a relative path selects, in document order.

    Plain child paths (``cac:A/cbc:B``, the rules' usual case) are followed child by child with
    lxml's C-level tag filter: a compiled XPath call costs more in setting up its evaluation
    context than such a path costs to walk. Anything else is a compiled XPath (cached).
    """
    if path in _CHILD_PATHS:
        tags = _CHILD_PATHS[path]
    else:
        tags = _CHILD_PATHS[path] = _child_path(path)
    if tags is None:
        return cast(list[Element], _xpath(path)(node))
    if len(tags) > 1:
        evaluation = _evaluation()
        if evaluation is not None and node is evaluation.root:
            # document-level rules and values ask the root for the same paths (the parties'
            # addresses and tax schemes, the totals) many times: walk each once per evaluation
            known = evaluation.paths.get(path)
            if known is None:
                known = evaluation.paths[path] = _walk(node, tags)
            return list(known)  # callers own the list they get
    return _walk(node, tags)


def _walk(node: Element, tags: tuple[str, ...]) -> list[Element]:
    found = [node]
    for tag in tags:
        found = _children(found, tag)
        if not found:
            break
    return found


def child_groups(node: Element) -> dict[str, list[Element]]:
    """The element children of ``node`` by Clark tag, in document order (do not modify).

    Rules ask the same elements for children again and again (an invoice line for its price,
    quantity and allowances, the root for its parties); reading an lxml child's tag builds a
    new string each time, so the groups are built once per element and evaluation. They live
    from :func:`begin_document` to :func:`end_document`, so an edited tree is never answered
    from them; outside an evaluation nothing is remembered.
    """
    evaluation = _evaluation()
    cache = evaluation.kids if evaluation is not None else None
    if cache is not None:
        found = cache.get(node)
        if found is not None:
            return found
    groups: dict[str, list[Element]] = {}
    c: AnyNode
    for c in node:
        tag = c.tag
        if tag.__class__ is str:  # comments and processing instructions carry a function
            same = groups.get(tag)
            if same is None:
                groups[tag] = [c]
            else:
                same.append(c)
    if cache is not None:
        cache[node] = groups
    return groups


def _children(parents: list[Element], tag: str) -> list[Element]:
    """Children with Clark tag ``tag`` of each of ``parents``, in document order (a new list)."""
    if len(parents) == 1:
        return list(child_groups(parents[0]).get(tag, ()))
    out: list[Element] = []
    for parent in parents:
        out.extend(child_groups(parent).get(tag, ()))
    return out


def node_at(node: Element, path: str) -> Element | None:
    """First element a relative path selects, or None."""
    found = nodes_at(node, path)
    return found[0] if found else None


def has(node: Element, path: str) -> bool:
    """XPath ``exists(path)``."""
    return bool(nodes_at(node, path))


def texts(node: Element, path: str) -> list[str]:
    """String values of all elements a relative path selects."""
    return [string_value(e) for e in nodes_at(node, path)]


def first_text(node: Element, path: str) -> str | None:
    """String value of the first element a relative path selects (None when absent)."""
    found = nodes_at(node, path)
    return string_value(found[0]) if found else None


def decimal_of(node: Element, path: str) -> Decimal | None:
    """``xs:decimal(path)`` for a single element; None when absent or not castable."""
    return to_decimal(first_text(node, path))


_NUMBER: Final = re.compile(r"^[ \t\n\r]*[+-]?(\d+(\.\d*)?|\.\d+)[ \t\n\r]*$")


#: Patterns compiled once: ``re.fullmatch(pattern, s)`` looks its pattern up in the ``re`` module's
#: cache in interpreted Python on every call, which costs more than the match.
_DOUBLE: Final = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
#: the lexical space of ``xs:integer`` with the whitespace a cast strips
INTEGER_LEXICAL: Final = re.compile(r"[ \t\n\r]*[+-]?\d+[ \t\n\r]*")
_DIGITS: Final = re.compile(r"\d+")
#: a Norwegian organisation number as a VAT identifier, after the "NO" prefix
NO_MVA: Final = re.compile(r"^[0-9]{9}MVA\Z")


def xpath_number(value: str | None) -> float:
    """XPath 2.0 ``number()``: a double, NaN where the string is not numeric.

    ``number()`` accepts exponents and ``INF``/``NaN``, too.
    """
    if value is None:
        return math.nan
    s = value.strip(" \t\n\r")
    if s in ("INF", "+INF"):
        return math.inf
    if s == "-INF":
        return -math.inf
    if _DOUBLE.fullmatch(s) is None:
        return math.nan
    return float(s)


def is_nan_number(value: str | None) -> bool:
    """``string(number(x)) = 'NaN'``."""
    return math.isnan(xpath_number(value))


def castable_integer(value: str | None) -> bool:
    """``$v castable as xs:integer`` (optional sign, digits, surrounding whitespace allowed)."""
    return value is not None and INTEGER_LEXICAL.fullmatch(value) is not None


def slack(expected: Decimal, value: Decimal, tolerance: Decimal) -> bool:
    """The pack's ``u:slack``: ``value`` lies within ``expected ± tolerance``."""
    return expected + tolerance >= value and expected - tolerance <= value


# The arithmetic of the transaction rules is the same in both syntaxes and in the XRechnung
# merge; only the element names (and the tolerance) differ.


def make_r040(tolerance: Callable[[Element], Decimal], *, amount: str, base: str, percent: str) -> Check:
    """R040: allowance/charge amount = base amount x percentage / 100 (within the tolerance).

    Checked only when percentage and base amount are both given; a missing amount counts as 0.
    """

    def test(node: Element) -> bool:
        if not has(node, percent) or not has(node, base):
            return True
        value = decimal_of(node, amount) if has(node, amount) else Decimal(0)
        base_amount = decimal_of(node, base)
        factor = decimal_of(node, percent)
        if value is None or base_amount is None or factor is None:
            return False
        return slack(value, base_amount * factor / 100, tolerance(node))

    return test


def make_r121(base_quantity: str) -> Check:
    """R121: a price base quantity, where given, is a number greater than zero."""

    def test(node: Element) -> bool:
        if not has(node, base_quantity):
            return True
        bq = decimal_of(node, base_quantity)
        return bq is not None and bq > 0

    return test


def r120_holds(
    line: Element,
    tolerance: Callable[[Element], Decimal],
    net: Decimal | None,
    quantity: Decimal | None,
    price: Decimal | None,
    base_quantity: Decimal,
    charges: Decimal,
    allowances: Decimal,
) -> bool:
    """R120 once a syntax has read the line: net = quantity x (price / base quantity) + charges -
    allowances, within the tolerance; False when a value present is not a decimal."""
    if net is None or quantity is None or price is None:
        return False
    expected = quantity * (price / base_quantity) + charges - allowances
    # a tolerance is never negative, so an exact match holds without asking for it (most lines
    # match exactly, and the per-document tolerance climbs to the root to find its document)
    return expected == net or slack(net, expected, tolerance(line))


# --------------------------------------------------------------------------------------------
# Check-digit functions as the Peppol pack defines them
# --------------------------------------------------------------------------------------------


def _codepoint_digits(s: str) -> list[int]:
    return [ord(c) - 48 for c in s]


def gln(value: str) -> bool:
    """GS1 check digit (the pack's ``u:gln``) over all but the last character."""
    if not value:
        return False
    body, check = value[:-1], value[-1]
    digits = list(reversed(_codepoint_digits(body)))
    weighted = sum(d * (1 + (((i + 1) % 2) * 2)) for i, d in enumerate(digits))
    return check.isdigit() and (10 - weighted % 10) % 10 == int(check)


def mod11(value: str) -> bool:
    """Norwegian organisation number check (the pack's ``u:mod11``, weights 2..7 cycling)."""
    if not value or math.isnan(xpath_number(value)) or xpath_number(value) <= 0:
        return False
    body, check = value[:-1], value[-1]
    digits = list(reversed(_codepoint_digits(body)))
    weighted = sum(d * ((i % 6) + 2) for i, d in enumerate(digits))
    return check.isdigit() and (11 - weighted % 11) % 11 == int(check)


def mod97_0208(value: str) -> bool:
    """Belgian enterprise number: the last two digits are 97 - (first eight mod 97)."""
    head, check = value[:8], value[8:10]
    if not castable_integer(head):
        return False
    calc = 97 - int(head) % 97
    num = xpath_number(check)
    return not math.isnan(num) and num == calc


_ALNUM: Final = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_ALPHA: Final = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def codice_ipa(value: str) -> bool:
    """Italian IPA office code: exactly six ASCII letters or digits."""
    return len(value) == 6 and all(c in _ALNUM for c in value)


def _cf16(value: str) -> bool:
    return (
        all(c in _ALPHA for c in value[0:6])
        and castable_integer(value[6:8])
        and all(c in _ALPHA for c in value[8:9])
        and castable_integer(value[9:11])
        and castable_integer(value[14:15])
        and all(c in _ALPHA for c in value[15:16])
    )


def codice_fiscale(value: str) -> bool:
    """Italian tax code as the pack checks it: 16 characters in the personal layout, or 11 digits."""
    if len(value) == 16:
        return _cf16(value)
    if len(value) == 11:
        return castable_integer(value)
    return False


def _piva_sum(value: str, odd: int) -> int:
    total = 0
    pari = odd
    arg = value
    while castable_integer(arg):
        d = int(arg[0]) if arg[0].isdigit() else 0
        total += int("0246813579"[d]) if pari == 1 else d
        arg = arg[1:]
        pari = 1 if pari == 0 else 0
    return total


def partita_iva(value: str) -> bool:
    """Italian VAT number with ``IT`` prefix: 11 digits with a valid Luhn-style check; other prefixes pass."""
    country, code = value[:2], value[2:]
    if country not in ("IT", "it"):
        return True
    if len(code) != 11:
        return False
    check = 1 if not castable_integer(code) else _piva_sum(code, 0) % 10
    return check == 0


def se_orgnr(value: str) -> bool:
    """Swedish organisation number: digits only, Luhn check digit in position 10."""
    if _DIGITS.fullmatch(value) is None or value.endswith("\n"):
        return False
    main, check = value[:9], value[9:10]
    n = len(main)
    total = 0
    for pos in range(1, n + 1):
        d = int(main[n - pos])
        total += (d * 2) % 10 + (d * 2) // 10 if pos % 2 == 1 else d
    num = xpath_number(check)
    return not math.isnan(num) and (10 - total % 10) % 10 == num


def abn(value: str) -> bool:
    """Australian Business Number check (weights 10,1,3,5,…,19 with the first digit minus one)."""
    if len(value) < 11:
        return False
    weights = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)
    total = (ord(value[0]) - 49) * weights[0] + sum((ord(value[i]) - 48) * weights[i] for i in range(1, 11))
    return total % 89 == 0


def greek_tin(value: str) -> bool:
    """Greek TIN check digit (the pack's ``u:TinVerification``) over the first nine characters."""
    chars = list(value)
    if len(chars) < 9:
        return False
    nums = [xpath_number(c) for c in chars[:9]]
    weights = (256, 128, 64, 32, 16, 8, 4, 2)
    checksum = sum(n * w for n, w in zip(nums[:8], weights, strict=True))
    if math.isnan(checksum) or math.isnan(nums[8]):
        return False
    return (checksum % 11) % 10 == nums[8]


# --------------------------------------------------------------------------------------------
# Shared XPath-2.0 pieces
# --------------------------------------------------------------------------------------------

XSD_DATE: Final = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")


def date_key(value: str | None) -> tuple[int, int, int] | None:
    """``xs:date(value)`` reduced to a comparable key (None when not a valid date)."""
    if value is None:
        return None
    m = XSD_DATE.match(value.strip(" \t\n\r"))
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def castable_date(value: str) -> bool:
    """``value castable as xs:date`` (surrounding whitespace allowed, real calendar dates only)."""
    m = XSD_DATE.match(value.strip(" \t\n\r"))
    if not m:
        return False
    try:
        date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return False
    return True


def upper_norm(value: str | None) -> str:
    """``upper-case(normalize-space(value))``."""
    return normalize_space(value).upper()


# --------------------------------------------------------------------------------------------
# Boolean XPath in Python
# --------------------------------------------------------------------------------------------
#
# Most predicates and assertions of the packs are existence tests and string comparisons over
# plain child paths (``cbc:BuyerReference or cac:OrderReference/cbc:ID``,
# ``[normalize-space(cbc:PaymentMeansCode) = '49']``). Each lxml XPath call pays for setting up
# an evaluation context (namespaces, extension functions) far more than such a test costs, so
# this small compiler turns that subset into Python closures over child navigation. It also knows
# ``normalize-space(path/text())``, a comparison of two ``normalize-space`` values and
# ``number(path) op N``. Whatever else it meets (other functions, nested predicates) makes it give
# up, and the expression stays an lxml XPath.

Test: TypeAlias = Callable[[Element], bool]
_Values: TypeAlias = Callable[[Element], list[str]]

_TOKEN: Final = re.compile(
    r"\s*(?:(?P<str>'[^']*'|\"[^\"]*\")|(?P<num>\d+(?:\.\d+)?)|(?P<op>!=|<=|>=|=|<|>|\(|\)|/|\.\.|\.|,)"
    r"|(?P<attr>@[A-Za-z_][\w.-]*)|(?P<name>[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?|\*))"
)


class _Unsupported(Exception):
    """The expression uses XPath the compiler does not translate."""


def _tokens(expr: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        m = _TOKEN.match(expr, pos)
        if m is None or m.end() == pos:
            raise _Unsupported(expr)
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _step_parent(nodes: list[Element]) -> list[Element]:
    out: list[Element] = []
    for n in nodes:
        p = n.getparent()
        if p is not None and p not in out:
            out.append(p)
    return out


class _Parser:
    """Recursive descent over the tokens of one expression (see the section comment)."""

    def __init__(self, expr: str) -> None:
        self.toks = _tokens(expr)
        self.i = 0
        #: whether the last path parsed with ``allow_text`` ended in ``text()``
        self.text_step = False

    def peek(self, offset: int = 0) -> tuple[str, str]:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok[0] == "end" or (value is not None and tok[1] != value):
            raise _Unsupported(value or "end")
        self.i += 1
        return tok

    def done(self) -> bool:
        return self.i >= len(self.toks)

    def parse_or(self) -> Test:
        parts = [self.parse_and()]
        while self.peek() == ("name", "or"):
            self.take()
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else _or(parts)

    def parse_and(self) -> Test:
        parts = [self.parse_unary()]
        while self.peek() == ("name", "and"):
            self.take()
            parts.append(self.parse_unary())
        return parts[0] if len(parts) == 1 else _and(parts)

    def parse_unary(self) -> Test:
        tok = self.peek()
        if tok[0] == "name" and self.peek(1) == ("op", "(") and tok[1] in ("not", "boolean"):
            self.take()
            self.take("(")
            inner = self.parse_or()
            self.take(")")
            return _not(inner) if tok[1] == "not" else inner
        if tok == ("op", "("):
            self.take()
            inner = self.parse_or()
            self.take(")")
            return inner
        return self.parse_comparison()

    def parse_comparison(self) -> Test:
        tok = self.peek()
        if tok == ("name", "count") and self.peek(1) == ("op", "("):
            nodes, op, num = self.parse_numeric_comparison()
            if "." in num:
                raise _Unsupported(num)
            return _count(nodes, op, int(num))
        if tok == ("name", "normalize-space") and self.peek(1) == ("op", "("):
            nodes, text = self.parse_normalize_space()
            if self.peek()[1] not in ("=", "!="):
                return _exists_text(nodes, text)
            op = self.take()[1]
            if self.peek() == ("name", "normalize-space") and self.peek(1) == ("op", "("):
                other, other_text = self.parse_normalize_space()
                return _ns_compare_values(nodes, text, other, other_text, op == "=")
            kind, lit = self.take()
            if kind != "str":
                raise _Unsupported(lit)
            return _ns_compare(nodes, text, op == "=", lit[1:-1])
        if tok == ("name", "number") and self.peek(1) == ("op", "("):
            nodes, op, num = self.parse_numeric_comparison()
            return _number_compare(nodes, op, float(num))
        values = self.parse_values()
        if self.peek()[1] in ("=", "!="):
            op = self.take()[1]
            kind, lit = self.take()
            if kind != "str":
                raise _Unsupported(lit)
            return _any_compare(values, op == "=", lit[1:-1])
        return _exists(values)

    def parse_numeric_comparison(self) -> tuple[Callable[[Element], list[Element]], str, str]:
        """``f(path) op N`` (``count``, ``number``): the path, the operator and the number's text."""
        self.take()
        self.take("(")
        nodes = self.parse_path()
        self.take(")")
        op = self.take()[1]
        kind, num = self.take()
        if kind != "num" or op not in _NUM_OPS:
            raise _Unsupported(op)
        return nodes, op, num

    def parse_normalize_space(self) -> tuple[Callable[[Element], list[Element]], bool]:
        """``normalize-space(path)`` or ``normalize-space(path/text())``: the path's elements and
        whether the value is their first text node rather than the first element's string value."""
        self.take()
        self.take("(")
        self.text_step = False
        nodes = self.parse_path(allow_text=True)
        self.take(")")
        return nodes, self.text_step

    def parse_values(self) -> _Values:
        """A path, possibly ending in an attribute step: the string values it selects."""
        if self.peek()[0] == "attr":
            name = self.take()[1][1:]
            return _attr_values(_self_nodes, name)
        nodes = self.parse_path()
        if self.peek() == ("op", "/") and self.peek(1)[0] == "attr":
            self.take()
            name = self.take()[1][1:]
            return _attr_values(nodes, name)
        return _string_values(nodes)

    def parse_path(self, allow_text: bool = False) -> Callable[[Element], list[Element]]:
        """A path of child and parent steps; with ``allow_text``, it may end in ``text()`` (then
        ``text_step`` is set and the elements whose text nodes are meant are returned)."""
        steps: list[str | None] = []  # Clark tag, or None for the parent step
        absolute = False
        if self.peek() == ("op", "/"):
            self.take()
            if self.take()[1] != "*":
                raise _Unsupported("/")
            absolute = True
            if self.peek() == ("op", "/") and self.peek(1)[0] == "name":
                self.take()
            else:
                return _path(True, ())
        elif self.peek() == ("op", "."):
            self.take()
            return _self_nodes
        while True:
            kind, value = self.peek()
            if allow_text and (kind, value) == ("name", "text") and self.peek(1) == ("op", "("):
                self.take()
                self.take("(")
                self.take(")")
                self.text_step = True
                return _path(absolute, tuple(steps))
            if kind == "name" and ":" in value and self.peek(1) != ("op", "("):
                self.take()
                prefix, local = value.split(":")
                if prefix not in _NS:
                    raise _Unsupported(prefix)
                steps.append(canonical(f"{{{_NS[prefix]}}}{local}"))
            elif (kind, value) == ("op", "..") and not absolute:
                self.take()
                steps.append(None)
            else:
                raise _Unsupported(value)
            if self.peek() == ("op", "/") and self.peek(1)[0] != "attr":
                self.take()
                continue
            return _path(absolute, tuple(steps))


_NUM_OPS: Final = ("=", "!=", "<=", ">=", "<", ">")


def _self_nodes(node: Element) -> list[Element]:
    return [node]


def _path(absolute: bool, steps: tuple[str | None, ...]) -> Callable[[Element], list[Element]]:
    def nodes(node: Element) -> list[Element]:
        found = [node.getroottree().getroot()] if absolute else [node]
        for tag in steps:
            found = _step_parent(found) if tag is None else _children(found, tag)
            if not found:
                break
        return found

    return nodes


def _string_values(select: Callable[[Element], list[Element]]) -> _Values:
    def values(node: Element) -> list[str]:
        return [string_value(e) for e in select(node)]

    return values


def _attr_values(select: Callable[[Element], list[Element]], name: str) -> _Values:
    def values(node: Element) -> list[str]:
        out: list[str] = []
        for e in select(node):
            v = e.get(name)
            if v is not None:
                out.append(v)
        return out

    return values


def _exists(values: _Values) -> Test:
    def test(node: Element) -> bool:
        return bool(values(node))

    return test


def first_text_node(nodes: list[Element]) -> str:
    """The value of the first text node below ``nodes`` (XPath ``(nodes/text())[1]``), "" if none.

    As in the data model the official XSLT 2.0 rules see, adjacent text and CDATA are one text
    node and comments or processing instructions separate text nodes: exactly the runs lxml
    reports as an element's ``text`` and its children's ``tail``.
    """
    for el in nodes:
        text = el.text
        if text:
            return text
        child: AnyNode
        for child in el:
            tail = child.tail
            if tail:
                return cast(str, tail)
    return ""


def own_text(node: Element) -> str:
    """``normalize-space(text())`` of ``node``: its first text node, normalized (the code-list
    rules' reading of a code element)."""
    return normalize_space(first_text_node([node]))


def _first_value(nodes: list[Element], text: bool) -> str:
    """``path`` or ``path/text()`` as a string: the first element's string value or the first text node."""
    if text:
        return first_text_node(nodes)
    return string_value(nodes[0]) if nodes else ""


def _exists_text(select: Callable[[Element], list[Element]], text: bool) -> Test:
    """``normalize-space(path)`` as a boolean: the first node's value is not all whitespace."""

    def test(node: Element) -> bool:
        return normalize_space(_first_value(select(node), text)) != ""

    return test


def _ns_compare(select: Callable[[Element], list[Element]], text: bool, equal: bool, literal: str) -> Test:
    def test(node: Element) -> bool:
        value = normalize_space(_first_value(select(node), text))
        return (value == literal) == equal

    return test


def _ns_compare_values(
    left: Callable[[Element], list[Element]],
    left_text: bool,
    right: Callable[[Element], list[Element]],
    right_text: bool,
    equal: bool,
) -> Test:
    """``normalize-space(a) = normalize-space(b)`` (or ``!=``): two strings, compared as such."""

    def test(node: Element) -> bool:
        a = normalize_space(_first_value(left(node), left_text))
        b = normalize_space(_first_value(right(node), right_text))
        return (a == b) == equal

    return test


def _number_compare(select: Callable[[Element], list[Element]], op: str, number: float) -> Test:
    """``number(path) op N``: the first element's value as a double (NaN when absent or not
    numeric, which compares unequal to everything)."""

    def test(node: Element) -> bool:
        found = select(node)
        return _compare(xpath_number(string_value(found[0])) if found else math.nan, op, number)

    return test


def _any_compare(values: _Values, equal: bool, literal: str) -> Test:
    """Node-set against string: some value is (un)equal to the literal."""

    def test(node: Element) -> bool:
        for v in values(node):  # noqa: SIM110 - a plain loop compiles to direct calls
            if (v == literal) == equal:
                return True
        return False

    return test


def _count(select: Callable[[Element], list[Element]], op: str, n: int) -> Test:
    def test(node: Element) -> bool:
        return _compare(len(select(node)), op, n)

    return test


def _compare(left: float, op: str, right: float) -> bool:
    """``left op right`` for the comparison operators of :data:`_NUM_OPS` (NaN compares false,
    except with ``!=``, as in XPath)."""
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    if op == "<=":
        return left <= right
    if op == ">=":
        return left >= right
    return left < right if op == "<" else left > right


def _not(inner: Test) -> Test:
    def test(node: Element) -> bool:
        return not inner(node)

    return test


def _and(parts: list[Test]) -> Test:
    def test(node: Element) -> bool:
        for p in parts:  # noqa: SIM110 - a plain loop compiles to direct calls
            if not p(node):
                return False
        return True

    return test


def _or(parts: list[Test]) -> Test:
    def test(node: Element) -> bool:
        for p in parts:  # noqa: SIM110 - a plain loop compiles to direct calls
            if p(node):
                return True
        return False

    return test


def python_test(expr: str) -> Test | None:
    """``boolean(expr)`` as a Python function, or None when ``expr`` is outside the subset."""
    try:
        parser = _Parser(expr)
        test = parser.parse_or()
        if not parser.done():
            return None
    except (_Unsupported, IndexError):
        return None
    return test


# --------------------------------------------------------------------------------------------
# Fast context selection
# --------------------------------------------------------------------------------------------
#
# A schematron context such as ``//cac:PaymentMeans[...]`` makes XPath walk the whole tree; the
# packs have dozens of them, and most name elements a given invoice does not even contain. We
# walk each document once, index its elements by tag, and turn every context path into
# "candidates with the last step's tag" plus a reverse check (``self::b[...][parent::a[...]]``)
# evaluated only on those candidates. The result is the same node set in document order.


@per_document
def _scan(root: Element) -> tuple[dict[str, list[Element]], list[Element]]:
    """Elements by Clark tag (document order) and the candidates for "empty element", from the
    document's scan (shared with the other packs of a validation).

    Leaves with only whitespace are empty; an element whose first child is not an element
    (a comment or processing instruction) is kept as a candidate and decided later.
    """
    found = document_scan(root)
    return found[4], found[5]


def element_index(root: Element) -> dict[str, list[Element]]:
    """All elements of the document by Clark tag, in document order (one tree walk per document)."""
    return _scan(root)[0]


def _split_top(expr: str, sep: str) -> list[str]:
    """Split at ``sep`` outside brackets, parentheses and quotes."""
    parts: list[str] = []
    depth = 0
    quote = ""
    start = 0
    i = 0
    while i < len(expr):
        c = expr[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
        elif depth == 0 and expr.startswith(sep, i):
            parts.append(expr[start:i])
            start = i + len(sep)
            i += len(sep)
            continue
        i += 1
    parts.append(expr[start:])
    return parts


_STEP: Final = re.compile(r"^(\*|[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*)((?:\[.*\])?)$", re.DOTALL)
_POSITIONAL: Final = re.compile(r"\[\s*(\d+|last\(\)|position\(\))")


def _reverse_check(branch: str) -> tuple[str, Callable[[Element], bool]] | None:
    """(last step's name test, check of a candidate), or None if the branch is not convertible.

    Paths without predicates are checked by comparing ancestor tags in Python; others by the
    reverse XPath ``self::c[...][parent::b[...][parent::a[...]]]``.
    """
    b = branch.strip()
    if b.startswith("//"):
        anchored, body = False, b[2:]
    elif b.startswith("/"):
        anchored, body = True, b[1:]
    else:
        return None
    steps = _split_top(body, "/")
    parsed = []
    for s in steps:
        m = _STEP.match(s.strip())
        if not m:
            return None
        parsed.append((m.group(1), m.group(2)))
    if any(_POSITIONAL.search(p) for _, p in parsed) or parsed[-1][0] == "*":
        return None
    last_name, last_preds = parsed[-1]
    chain = _tag_chain([n for n, _ in parsed], anchored)
    if not any(p for _, p in parsed):
        return last_name, chain
    native = _native_predicates([p for _, p in parsed])
    if native is not None:
        return last_name, native_check(chain, native)
    root_check = "[not(parent::*)]" if anchored else ""
    context_check = f"[{_reparent(parsed, anchored)}]" if len(parsed) > 1 else root_check
    xp = _xpath(f"boolean(self::{last_name}{last_preds}{context_check})")

    def check(e: Element) -> bool:
        # the cheap ancestor-tag test first; the XPath only decides the predicates
        return chain(e) and bool(xp(e))

    return last_name, check


def _split_predicates(preds: str) -> list[str] | None:
    """``[a][b]`` as ``["a", "b"]`` (None if the text is not a sequence of bracketed groups)."""
    out: list[str] = []
    depth = 0
    quote = ""
    start = 0
    for i, c in enumerate(preds):
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "[":
            if depth == 0:
                start = i + 1
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                out.append(preds[start:i])
        elif depth == 0:
            return None
    return out if depth == 0 and not quote else None


def _native_predicates(step_preds: list[str]) -> list[list[Test]] | None:
    """The predicates of each step as Python tests, last step first (None if any is not translatable)."""
    out: list[list[Test]] = []
    for preds in reversed(step_preds):
        groups = _split_predicates(preds)
        if groups is None:
            return None
        tests: list[Test] = []
        for g in groups:
            t = python_test(g)
            if t is None:
                return None
            tests.append(t)
        out.append(tests)
    return out


def native_check(chain: Callable[[Element], bool], step_tests: list[list[Test]]) -> Callable[[Element], bool]:
    """Ancestor tags first, then each step's predicates on the candidate and its ancestors."""

    def check(e: Element) -> bool:
        if not chain(e):
            return False
        node: Element | None = e
        for tests in step_tests:
            if node is None:
                return False
            for t in tests:
                if not t(node):
                    return False
            node = node.getparent()
        return True

    return check


def _tag_chain(names: list[str], anchored: bool) -> Callable[[Element], bool]:
    """Check that a candidate's ancestors carry the given tags (``*`` = any element)."""
    wanted = tuple(None if n == "*" else _clark(n) for n in reversed(names[:-1]))

    def check(e: Element) -> bool:
        return ancestors_match(e, wanted, anchored)

    return check


def _reparent(parsed: list[tuple[str, str]], anchored: bool) -> str:
    """``parent::a[...][parent::b[...]]`` chain for all steps but the last, innermost = first step."""
    expr = ""
    for i, (name, preds) in enumerate(parsed[:-1]):
        root_check = "[not(parent::*)]" if i == 0 and anchored else ""
        expr = f"parent::{name}{preds}{root_check}" if i == 0 else f"parent::{name}{preds}[{expr}]"
    return expr


def _clark(name: str) -> str:
    prefix, local = name.split(":")
    return canonical(f"{{{_NS[prefix]}}}{local}")


class TagSelector:
    """A context selector whose nodes all carry one of ``tags``: when none of them occurs in the
    document, :class:`PeppolRuleSet` skips the context without calling it."""

    __slots__ = ("_select", "tags")

    def __init__(self, tags: tuple[str, ...], select: Callable[[Element], list[Element]]) -> None:
        self.tags = tags
        self._select = select

    def __call__(self, root: Element) -> list[Element]:
        return self._select(root)


class Gated:
    """A context selector that applies only when a document-level ``flag`` holds (see :func:`when`)."""

    __slots__ = ("flag", "select")

    def __init__(self, flag: Callable[[Element], bool], select: Callable[[Element], list[Element]]) -> None:
        self.flag = flag
        self.select = select

    def __call__(self, root: Element) -> list[Element]:
        return self.select(root) if self.flag(root) else []


def indexed(expr: str) -> Callable[[Element], list[Element]]:
    """A context selector equivalent to the XPath ``expr`` (absolute paths and unions of them)."""
    branches = [_reverse_check(b) for b in _split_top(expr, "|")]
    if any(b is None for b in branches):
        return xs(expr)
    # branches ending in the same tag share one pass over its candidates (in document order, so
    # no merge is needed): e.g. the four allowance/charge paths of R040
    by_tag: dict[str, list[Callable[[Element], bool]]] = {}
    for name, check in branches:  # type: ignore[misc]
        by_tag.setdefault(_clark(name), []).append(check)
    checks = [
        (tag, tag_checks[0] if len(tag_checks) == 1 else _any_of(tag_checks)) for tag, tag_checks in by_tag.items()
    ]
    single = len(checks) == 1

    def nodes(root: Element) -> list[Element]:
        index = element_index(root)
        if single:
            tag, check = checks[0]
            return [e for e in index.get(tag, ()) if check(e)]
        found: list[Element] = []
        contributing = 0
        for tag, check in checks:
            before = len(found)
            found.extend(e for e in index.get(tag, ()) if check(e))
            contributing += len(found) > before
        if contributing < 2:
            return found
        order = document_order(root)
        unique = {order[e]: e for e in found}
        return [unique[k] for k in sorted(unique)]

    return TagSelector(tuple(by_tag), nodes)


def _any_of(checks: list[Callable[[Element], bool]]) -> Callable[[Element], bool]:
    def check(e: Element) -> bool:
        for c in checks:  # noqa: SIM110 - a plain loop compiles to a direct call
            if c(e):
                return True
        return False

    return check


def _has_element_child(e: Element) -> bool:
    c: AnyNode
    for c in e:  # noqa: SIM110 - a typed loop variable: comments carry a function as tag
        if isinstance(c.tag, str):
            return True
    return False


@per_document
def empty_elements(root: Element) -> list[Element]:
    """Elements without element children whose text is only whitespace (``//*[not(*) and not(normalize-space())]``)."""
    return [
        e for e in _scan(root)[1] if len(e) == 0 or (not _has_element_child(e) and not normalize_space(string_value(e)))
    ]


@per_document
def document_order(root: Element) -> dict[Element, int]:
    """Position of every element in document order (only needed to merge union results)."""
    els = document_scan(root)[0]
    return dict(zip(els, range(len(els)), strict=True))


EMPTY: Final[list[Element]] = []


class Index:
    """One document during one evaluation: elements at absolute tag paths and children by tag,
    both answered from the shared tag index.

    Elements and children come from the document's scan (:func:`element_index` and
    :func:`child_groups`, shared with the EN 16931 pack in a validation session), so no
    element's tag is read again. lxml hands out the same proxy for a node while the scan holds
    it, so elements compare by identity.
    """

    __slots__ = ("_paths", "by_tag", "root")

    def __init__(self, root: Element) -> None:
        self.root = root
        self.by_tag: dict[str, list[Element]] = element_index(root)
        self._paths: dict[tuple[str, ...], list[Element]] = {}

    def at(self, path: tuple[str, ...]) -> list[Element]:
        """The elements at an absolute path of Clark tags (root first), in document order."""
        found = self._paths.get(path)
        if found is not None:
            return found
        if len(path) == 1:
            found = [self.root] if cast(AnyNode, self.root).tag == path[0] else []
        else:
            parents = self.at(path[:-1])
            tag = path[-1]
            if not parents:
                found = []
            elif len(parents) == 1:
                found = child_groups(parents[0]).get(tag, EMPTY)
            else:
                found = [e for p in parents for e in child_groups(p).get(tag, EMPTY)]
        self._paths[path] = found
        return found

    def kids(self, node: Element, tag: str) -> list[Element]:
        """The children of ``node`` named ``tag`` in document order; do not modify the list."""
        return child_groups(node).get(tag, EMPTY)

    def kid(self, node: Element, tag: str) -> Element | None:
        """The first child of ``node`` named ``tag``, or None."""
        found = self.kids(node, tag)
        return found[0] if found else None

    def below(self, node: Element, tags: tuple[str, ...]) -> list[Element]:
        """The elements a relative child path selects from ``node``, in document order."""
        nodes = self.kids(node, tags[0])
        for tag in tags[1:]:
            if not nodes:
                return EMPTY
            nodes = self.kids(nodes[0], tag) if len(nodes) == 1 else [c for n in nodes for c in self.kids(n, tag)]
        return nodes

    def has(self, node: Element, tags: tuple[str, ...]) -> bool:
        """XPath ``exists(path)`` for a relative child path."""
        return len(self.below(node, tags)) > 0

    def first_value(self, node: Element, tags: tuple[str, ...]) -> str | None:
        """String value of the first element the path selects (None when absent)."""
        found = self.below(node, tags)
        return string_value(found[0]) if found else None

    def filled(self, node: Element, tags: tuple[str, ...]) -> bool:
        """XPath ``path[normalize-space(.)]``: some selected element has a non-blank value."""
        return any_filled(self.below(node, tags))


def any_filled(nodes: Sequence[Element]) -> bool:
    """Whether some element's normalised string value is not empty."""
    return any(normalize_space(string_value(e)) != "" for e in nodes)


def document_index(node: Element) -> Index:
    """The :class:`Index` of the document ``node`` belongs to.

    During an evaluation (between :func:`begin_document` and :func:`end_document`) there is
    one, shared by the line rules of the Peppol and XRechnung packs and the XRechnung native
    patterns, so each wanted tag is grouped by parent once; the rules run on every line, and
    finding it must cost less than climbing to the root. Outside an evaluation each call
    builds a fresh one for the node's document.
    """
    evaluation = _evaluation()
    if evaluation is not None and evaluation.index is not None:
        return evaluation.index
    root = node
    parent = node.getparent()
    while parent is not None:
        root = parent
        parent = parent.getparent()
    index = Index(root)
    if evaluation is not None:  # inside an evaluation: keep it until its end
        evaluation.index = index
    return index


def ctx(select: str | Callable[[Element], list[Element]], rules: Sequence[Rule]) -> Context:
    """A :class:`Context` whose XPath selection goes through the per-document element index."""
    return Context(indexed(select) if isinstance(select, str) else select, _fuse(rules))


def when(flag: Callable[[Element], bool], expr: str) -> Callable[[Element], list[Element]]:
    """Context selector for ``expr`` that applies only when a document-level flag holds.

    The packs' national, Extension and CVD rules switch on by a pack-level variable (the
    supplier's country, the specification identifier); the flag is one of the cached
    :class:`per_document` values, so the selection costs nothing when it is off.
    """
    return Gated(flag, indexed(expr))


def codes(spaced: str) -> frozenset[str]:
    """A code list written as space separated tokens (as the packs list them)."""
    return frozenset(spaced.split())


# --------------------------------------------------------------------------------------------
# Rule tables shared by the packs
# --------------------------------------------------------------------------------------------

F, W = Severity.FATAL, Severity.WARNING
#: The tolerance of ``u:slack`` in the Peppol packs' R040 and R120 (the XRechnung pack uses 0.5
#: for HUF invoices, so its tolerance is a per-document function, and so is this one's type).
FIXED_SLACK: Final = Decimal("0.02")


def fixed_slack(_node: Element) -> Decimal:
    """The Peppol packs' tolerance, whatever the document."""
    return FIXED_SLACK


#: A rule table: (context selection, rules) in pack order, before :func:`build_contexts`.
RuleTable: TypeAlias = list[tuple[str | Callable[[Element], list[Element]], list[Rule]]]


def build_contexts(
    table: RuleTable, keep: frozenset[str] | None = None, messages: Mapping[str, str] | None = None
) -> list[Context]:
    """The contexts of a rule table, optionally only the rules whose ids are in ``keep``.

    One table serves the Peppol pack and the subset of it KoSIT merges into XRechnung: a
    context left without rules is dropped (so *first match wins* sees the same contexts as the
    merged pack), and ``messages`` replaces the message of the rules the merged copy words
    differently. Filtering happens before :func:`ctx` fuses a context's XPath tests.
    """
    out: list[Context] = []
    for select, rules in table:
        kept = [r for r in rules if keep is None or r.id in keep]
        if messages:
            kept = [Rule(r.id, r.severity, messages.get(r.id, r.message), r.test) for r in kept]
        if kept:
            out.append(ctx(select, kept))
    return out


def _never(_node: Element) -> bool:
    """The test of a rule whose context alone is the violation (schematron ``false()``)."""
    return False


def empty_element_pattern(select: Callable[[Element], list[Element]], name: str) -> Pattern:
    """``PEPPOL-EN16931-R008`` on every element ``select`` finds (all of :func:`empty_elements`
    in UBL; the XRechnung CII pack exempts one element), as a pattern of its own."""
    rule = Rule(
        "PEPPOL-EN16931-R008",
        F,
        "The document contains an empty element; empty elements are not allowed.",
        _never,
    )
    return Pattern([ctx(select, [rule])], name)


def _ns_text(check: Callable[[str], bool]) -> Callable[[Element], bool]:
    """Apply a string check to the node's normalised string value."""

    def test(node: Element) -> bool:
        return check(normalize_space(string_value(node)))

    return test


def _digits(value: str) -> bool:
    return value != "" and all("0" <= c <= "9" for c in value)


def _dk_cvr(node: Element) -> bool:
    s = string_value(node)
    return (len(s) == 10 and s[:2] == "DK" and all("0" <= c <= "9" for c in s[2:10])) or (
        len(s) == 8 and all("0" <= c <= "9" for c in s[:8])
    )


def identifier_rules(*, italian_vat_endpoint: bool, abn_eleven_digits: bool) -> list[tuple[str, bool, Rule]]:
    """The ``PEPPOL-COMMON-R040…R050`` checks of national identifiers, in pack order.

    Each entry is (scheme id, electronic address only, rule); the packs select the identifier
    elements of their syntax carrying that scheme. The two packs differ on purpose: the CII pack
    checks a partita IVA used as electronic address (scheme 9906, R048), which the UBL pack has
    commented out (``italian_vat_endpoint``), and only the UBL pack requires an ABN to be eleven
    digits before its check sum (R050, ``abn_eleven_digits``).
    """
    rows: list[tuple[str, bool, Rule]] = [
        (
            "0088",
            False,
            Rule(
                "PEPPOL-COMMON-R040",
                F,
                "A GLN (scheme 0088) must consist of digits with a valid GS1 check digit.",
                _ns_text(lambda s: _digits(s) and gln(s)),
            ),
        ),
        (
            "0192",
            False,
            Rule(
                "PEPPOL-COMMON-R041",
                F,
                "A Norwegian organisation number (scheme 0192) must have nine digits and a valid check digit.",
                _ns_text(lambda s: len(s) == 9 and _digits(s) and mod11(s)),
            ),
        ),
        (
            "0184",
            False,
            Rule(
                "PEPPOL-COMMON-R042",
                F,
                "A Danish CVR number (scheme 0184) must be 8 digits, or DK followed by 8 digits.",
                _dk_cvr,
            ),
        ),
        (
            "0208",
            False,
            Rule(
                "PEPPOL-COMMON-R043",
                F,
                "A Belgian enterprise number (scheme 0208) must have ten digits and a valid mod-97 check.",
                _ns_text(lambda s: len(s) == 10 and _digits(s) and mod97_0208(s)),
            ),
        ),
        (
            "0201",
            False,
            Rule(
                "PEPPOL-COMMON-R044",
                W,
                "An Italian IPA code (scheme 0201) should be six letters or digits.",
                _ns_text(codice_ipa),
            ),
        ),
        (
            "0210",
            False,
            Rule(
                "PEPPOL-COMMON-R045",
                W,
                "An Italian codice fiscale (scheme 0210) has an invalid format.",
                _ns_text(codice_fiscale),
            ),
        ),
        (
            "9907",
            True,
            Rule(
                "PEPPOL-COMMON-R046",
                W,
                "An Italian codice fiscale (scheme 9907) has an invalid format.",
                _ns_text(codice_fiscale),
            ),
        ),
        (
            "0211",
            False,
            Rule(
                "PEPPOL-COMMON-R047",
                W,
                "An Italian partita IVA (scheme 0211) has an invalid format.",
                _ns_text(partita_iva),
            ),
        ),
    ]
    if italian_vat_endpoint:
        rows.append(
            (
                "9906",
                True,
                Rule(
                    "PEPPOL-COMMON-R048",
                    W,
                    "An Italian partita IVA (scheme 9906) has an invalid format.",
                    _ns_text(partita_iva),
                ),
            )
        )
    rows.append(
        (
            "0007",
            False,
            Rule(
                "PEPPOL-COMMON-R049",
                F,
                "A Swedish organisation number (scheme 0007) must have ten digits with a valid Luhn check digit.",
                _ns_text(lambda s: len(s) == 10 and not is_nan_number(s) and se_orgnr(s)),
            ),
        )
    )
    abn_rule = (
        Rule(
            "PEPPOL-COMMON-R050",
            F,
            "An Australian Business Number (scheme 0151) must have eleven digits and a valid check.",
            _ns_text(lambda s: len(s) == 11 and _digits(s) and abn(s)),
        )
        if abn_eleven_digits
        else Rule(
            "PEPPOL-COMMON-R050", F, "An Australian Business Number (scheme 0151) has an invalid check.", _ns_text(abn)
        )
    )
    rows.append(("0151", False, abn_rule))
    return rows


# --------------------------------------------------------------------------------------------
# Swedish rules: the same checks in both syntaxes, only the elements they read differ
# --------------------------------------------------------------------------------------------


def se_vat_rules(vat_id: Callable[[Element], str]) -> list[Rule]:
    """SE-R-001/002 on a Swedish seller with an SE VAT number; ``vat_id`` reads the number."""

    def length_ok(party: Element) -> bool:
        return len(normalize_space(vat_id(party))) == 14

    def numeric(party: Element) -> bool:
        return not is_nan_number(vat_id(party)[2:14])

    return [
        Rule("SE-R-001", F, "Swedish VAT numbers must have 14 characters.", length_ok),
        Rule("SE-R-002", F, "The last 12 characters of a Swedish VAT number must be numeric.", numeric),
    ]


def se_orgnr_rules(number: str) -> list[Rule]:
    """SE-R-003/004/013 on a Swedish seller's legal entity; ``number`` is the path to its id."""

    def numeric(entity: Element) -> bool:
        return not is_nan_number(first_text(entity, number))

    def length_ok(entity: Element) -> bool:
        return len(normalize_space(first_text(entity, number))) == 10

    def check_digit_ok(entity: Element) -> bool:
        return se_orgnr(normalize_space(first_text(entity, number)))

    return [
        Rule("SE-R-003", F, "Swedish organisation numbers must be numeric.", numeric),
        Rule("SE-R-004", F, "Swedish organisation numbers must have 10 characters.", length_ok),
        Rule(
            "SE-R-013",
            F,
            "The check digit of the Swedish organisation number is wrong (Luhn).",
            check_digit_ok,
        ),
    ]


def _f_skatt(node: Element) -> bool:
    return normalize_space(string_value(node).upper()) == "GODKÄND FÖR F-SKATT"


def se_f_skatt_rule() -> Rule:
    """SE-R-005 on the tax registration id of a Swedish seller (other than its VAT number)."""
    return Rule(
        "SE-R-005",
        F,
        "Swedish suppliers stating a tax registration must state 'Godkänd för F-skatt'.",
        _f_skatt,
    )


def _numeric_account(node: Element) -> bool:
    return not is_nan_number(normalize_space(string_value(node)))


def _plusgiro_length(node: Element) -> bool:
    return 2 <= len(normalize_space(string_value(node))) <= 8


def _bankgiro_length(node: Element) -> bool:
    return len(normalize_space(string_value(node))) in (7, 8)


def se_plusgiro_rules() -> list[Rule]:
    """SE-R-007/010 on the account id of a Plusgiro payment of a Swedish seller."""
    return [
        Rule("SE-R-007", W, "A Plusgiro account id should be numeric.", _numeric_account),
        Rule("SE-R-010", W, "A Plusgiro account id should have 2 to 8 characters.", _plusgiro_length),
    ]


def se_bankgiro_rules() -> list[Rule]:
    """SE-R-008/009 on the account id of a Bankgiro payment of a Swedish seller."""
    return [
        Rule("SE-R-008", W, "A Bankgiro account id should be numeric.", _numeric_account),
        Rule("SE-R-009", W, "A Bankgiro account id should have 7 or 8 characters.", _bankgiro_length),
    ]


def se_domestic_transfer_rule() -> Rule:
    """SE-R-012 on a credit transfer (31) between Swedish parties: its context is the finding."""
    return Rule("SE-R-012", W, "Domestic Swedish credit transfers should use payment means code 30.", _never)
