"""Small building blocks shared by the EN 16931 UBL rule modules.

The official rules are XPath 2.0; these helpers give the handful of XPath behaviours the rules
depend on (general comparisons are existential, ``xs:decimal`` casts, untyped values compared as
numbers, case-insensitive tax-scheme tests) a Python form that is cheap to call per node.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from lxml import etree

from belegwerk.rules.engine import Element, Rule, Severity
from belegwerk.rules.functions import normalize_space, to_decimal
from belegwerk.xml.ns import NSMAP, UBL_CAC, UBL_CBC, UBL_CREDIT_NOTE, UBL_INVOICE

FATAL = Severity.FATAL
WARNING = Severity.WARNING

CAC = f"{{{UBL_CAC}}}"
CBC = f"{{{UBL_CBC}}}"
INVOICE_ROOT = f"{{{UBL_INVOICE}}}Invoice"
CREDIT_NOTE_ROOT = f"{{{UBL_CREDIT_NOTE}}}CreditNote"
LINE_TAGS = (f"{CAC}InvoiceLine", f"{CAC}CreditNoteLine")


def rule(rule_id: str, message: str, test: Callable[[Element], bool], severity: Severity = FATAL) -> Rule:
    """A rule with our message text (the id and severity are the official ones)."""
    return Rule(rule_id, severity, message, test)


def texts(node: Element, path: str) -> list[str]:
    """String values of all elements ``path`` selects (ElementPath with NSMAP prefixes)."""
    return ["".join(el.itertext()) for el in node.iterfind(path, NSMAP)]


def first_text(node: Element, path: str) -> str:
    """String value of the first element ``path`` selects, or "" (as XPath ``string()`` of a path)."""
    el = node.find(path, NSMAP)
    return "" if el is None else "".join(el.itertext())


def ns_text(node: Element, path: str) -> str:
    """``normalize-space(path)``."""
    return normalize_space(first_text(node, path))


def has(node: Element, path: str) -> bool:
    """``exists(path)``."""
    return node.find(path, NSMAP) is not None


def count(node: Element, path: str) -> int:
    """``count(path)``."""
    return len(node.findall(path, NSMAP))


def dec(node: Element, path: str) -> Decimal | None:
    """``xs:decimal(path)`` of the first selected element; None when absent or not a decimal."""
    el = node.find(path, NSMAP)
    if el is None:
        return None
    return to_decimal("".join(el.itertext()))


def decs(nodes: Iterable[Element]) -> list[Decimal | None]:
    return [to_decimal("".join(el.itertext())) for el in nodes]


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
    for scheme in tax_category.iterfind("cac:TaxScheme", NSMAP):
        if normalize_space(first_text(scheme, "cbc:ID").upper()) == "VAT":
            return True
    return False


def category_id(tax_category: Element) -> str:
    """``normalize-space(cbc:ID)`` of a tax category."""
    return ns_text(tax_category, "cbc:ID")


def charge_indicator(allowance_charge: Element) -> bool | None:
    """The value of ``cbc:ChargeIndicator`` as ``xs:boolean`` casts it (None when absent or not a boolean)."""
    for el in allowance_charge.iterfind("cbc:ChargeIndicator", NSMAP):
        value = normalize_space("".join(el.itertext()))
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
    return None


def root_of(node: Element) -> Element:
    return node.getroottree().getroot()


def is_credit_note(root: Element) -> bool:
    return root.tag == CREDIT_NOTE_ROOT


_local = threading.local()


def memo(root: Element) -> dict[str, Any]:
    """Per-document scratch space, so facts used by many rules are computed once per evaluation.

    Only the most recent document is remembered (per thread); rules are always evaluated one
    document at a time.
    """
    if getattr(_local, "root", None) is not root:
        _local.root = root
        _local.data = {}
    data: dict[str, Any] = _local.data
    return data


def xpath(expr: str) -> etree.XPath:
    """Compile an XPath 1.0 expression once, with the project prefixes."""
    return etree.XPath(expr, namespaces=NSMAP)


def forget() -> None:
    """Drop the per-document scratch space (called after a document's evaluation)."""
    _local.root = None
    _local.data = {}
