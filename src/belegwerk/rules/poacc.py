"""Peppol BIS 3 post-award (POACC) rule sets, one per transaction, and the choice among them.

``RULESETS`` maps the Peppol transaction id (``"T01"`` Order, ``"T76"`` Order Response, ...) to
its rule set: the common POACC patterns (no empty elements, date format, identifier check
digits) plus the transaction's own rules. :func:`ruleset_for` picks the rule set a document
needs from its root element and, where one root serves several transactions, from its
CustomizationID.
"""

from __future__ import annotations

from belegwerk.rules.engine import Element, RuleSet
from belegwerk.rules.functions import normalize_space
from belegwerk.rules.poacc_catalogue import catalogue_ruleset, punch_out_ruleset
from belegwerk.rules.poacc_misc import (
    catalogue_response_ruleset,
    despatch_advice_ruleset,
    invoice_response_ruleset,
    message_level_response_ruleset,
    order_cancellation_ruleset,
)
from belegwerk.rules.poacc_order import ORDER, ORDER_CHANGE, order_ruleset
from belegwerk.rules.poacc_response import (
    order_agreement_ruleset,
    order_response_advanced_ruleset,
    order_response_ruleset,
)
from belegwerk.xml import ns

RULESETS: dict[str, RuleSet] = {
    "T01": order_ruleset(ORDER),
    "T16": despatch_advice_ruleset(),
    "T19": catalogue_ruleset(),
    "T58": catalogue_response_ruleset(),
    "T71": message_level_response_ruleset(),
    "T76": order_response_ruleset(),
    "T77": punch_out_ruleset(),
    "T110": order_agreement_ruleset(),
    "T111": invoice_response_ruleset(),
    "T114": order_ruleset(ORDER_CHANGE),
    "T115": order_cancellation_ruleset(),
    "T116": order_response_advanced_ruleset(),
}

#: Roots that carry exactly one POACC transaction.
_BY_ROOT: dict[str, str] = {
    f"{{{ns.UBL_ORDER}}}Order": "T01",
    f"{{{ns.UBL_ORDER_CHANGE}}}OrderChange": "T114",
    f"{{{ns.UBL_ORDER_CANCELLATION}}}OrderCancellation": "T115",
    f"{{{ns.UBL_DESPATCH_ADVICE}}}DespatchAdvice": "T16",
}

_POACC = "urn:fdc:peppol.eu:poacc:"
_TRNS = f"{_POACC}trns:"


def _customization(root: Element) -> str:
    found = root.find(f"{{{ns.UBL_CBC}}}CustomizationID")
    return normalize_space("".join(t for t in found.itertext() if isinstance(t, str))) if found is not None else ""


def transaction_of(root: Element) -> str | None:
    """The POACC transaction id of a document, or None if it is not a POACC document we check.

    ``OrderResponse`` carries three transactions (Order Response, Order Response Advanced, Order
    Agreement), ``Catalogue`` two (Catalogue, Punch Out) and ``ApplicationResponse`` several
    (Invoice Response, Catalogue Response, Message Level Response); the CustomizationID tells
    them apart. Without one, the plain transaction of the root is assumed (for an
    ApplicationResponse, the Invoice Response). A CustomizationID outside the POACC namespace
    (``urn:fdc:peppol.eu:poacc:``, e.g. a national or BIS 2 order) means the document is not a
    Peppol post-award document, and None is returned; so does an unknown ApplicationResponse.
    """
    tag = root.tag if isinstance(root.tag, str) else ""
    spec = _customization(root)
    if spec and not spec.startswith(_POACC):
        return None
    if tag in _BY_ROOT:
        return _BY_ROOT[tag]
    if tag == f"{{{ns.UBL_ORDER_RESPONSE}}}OrderResponse":
        if spec.startswith(f"{_TRNS}order_response_advanced:"):
            return "T116"
        if spec.startswith(f"{_TRNS}order_agreement:"):
            return "T110"
        return "T76"
    if tag == f"{{{ns.UBL_CATALOGUE}}}Catalogue":
        return "T77" if spec.startswith(f"{_TRNS}punch_out:") else "T19"
    if tag == f"{{{ns.UBL_APPLICATION_RESPONSE}}}ApplicationResponse":
        if not spec or spec.startswith(f"{_TRNS}invoice_response:"):
            return "T111"
        if spec.startswith(f"{_TRNS}catalogue_response:"):
            return "T58"
        if spec.startswith(f"{_TRNS}mlr:"):
            return "T71"
        return None
    return None


def ruleset_for(root: Element) -> RuleSet | None:
    """The POACC rule set for a document (None when it is not a POACC transaction we check)."""
    tid = transaction_of(root)
    return None if tid is None else RULESETS[tid]


__all__ = ["RULESETS", "ruleset_for", "transaction_of"]
