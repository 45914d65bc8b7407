"""POACC rules of the Despatch Advice (T16), the Invoice Response (T111), the Order
Cancellation (T115), the Catalogue Response (T58) and the Message Level Response (T71) — the
transactions with only a handful of rules each."""

from __future__ import annotations

from belegwerk.rules.engine import Element, Pattern, RuleSet
from belegwerk.rules.functions import normalize_space
from belegwerk.rules.poacc_common import (
    FATAL,
    OP_STATUS_ACTION,
    OP_STATUS_REASON,
    WARNING,
    PatternBuilder,
    Test,
    common_patterns,
    customization_starts,
    has,
    item_identified,
    num,
    party_legal_or_identified,
    party_named_or_identified,
    profile_in,
    root_customization_starts,
    rule,
)
from belegwerk.xml.ns import UBL_APPLICATION_RESPONSE, UBL_DESPATCH_ADVICE, UBL_ORDER_CANCELLATION

DESPATCH_ADVICE_SPEC = "urn:fdc:peppol.eu:poacc:trns:despatch_advice:3"
INVOICE_RESPONSE_SPEC = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
ORDER_CANCELLATION_SPEC = "urn:fdc:peppol.eu:poacc:trns:order_cancellation:3"
ADVANCED_ORDERING = "urn:fdc:peppol.eu:poacc:bis:advanced_ordering:3"
CATALOGUE_RESPONSE_SPEC = "urn:fdc:peppol.eu:poacc:trns:catalogue_response:3"
MLR_SPEC = "urn:fdc:peppol.eu:poacc:trns:mlr:3"


def _outstanding_explained(node: Element) -> bool:
    return not has(node, "cbc:OutstandingQuantity") or has(node, "cbc:OutstandingReason")


def despatch_pattern() -> Pattern:
    """The transaction pattern of the Despatch Advice (T16), in the official context order."""
    b = PatternBuilder("PEPPOL T16", {"ubl": UBL_DESPATCH_ADVICE})
    b.add(
        "/ubl:DespatchAdvice",
        rule(
            "PEPPOL-T16-R011",
            FATAL,
            f"The specification identifier must begin with {DESPATCH_ADVICE_SPEC}.",
            root_customization_starts(DESPATCH_ADVICE_SPEC),
        ),
        rule(
            "PEPPOL-T16-R002",
            WARNING,
            "A despatch advice should refer to the order.",
            lambda n: has(n, "cac:OrderReference/cbc:ID"),
        ),
    )
    b.add(
        "//cac:BuyerCustomerParty",
        rule(
            "PEPPOL-T16-R008", FATAL, "The buyer needs a name or an identifier.", party_named_or_identified("cac:Party")
        ),
    )
    b.add(
        "//cac:SellerSupplierParty",
        rule(
            "PEPPOL-T16-R009",
            FATAL,
            "The seller needs a name or an identifier.",
            party_named_or_identified("cac:Party"),
        ),
    )
    b.add(
        "//cac:OriginatorCustomerParty",
        rule(
            "PEPPOL-T16-R010",
            FATAL,
            "The originator needs a name or an identifier.",
            party_named_or_identified("cac:Party"),
        ),
    )
    b.add(
        "//cac:DespatchLine",
        rule(
            "PEPPOL-T16-R003",
            FATAL,
            "A despatched item needs a seller's or a standard identifier.",
            item_identified("cac:Item"),
        ),
        rule("PEPPOL-T16-R004", FATAL, "A despatched item needs a name.", lambda n: has(n, "cac:Item/cbc:Name")),
        rule(
            "PEPPOL-T16-R005",
            WARNING,
            "A despatch line should state the delivered quantity.",
            lambda n: has(n, "cbc:DeliveredQuantity"),
        ),
        rule(
            "PEPPOL-T16-R006",
            FATAL,
            "The delivered quantity is missing or negative.",
            lambda n: num(n, "cbc:DeliveredQuantity") >= 0,
        ),
        rule(
            "PEPPOL-T16-R007", WARNING, "An outstanding quantity should come with the reason.", _outstanding_explained
        ),
    )
    return b.build()


def _status_code_in(codes: frozenset[str]) -> Test:
    def test(node: Element) -> bool:
        return normalize_space(node.text) in codes

    return test


_NEEDS_CLARIFICATION = "contains(' CA UQ RE ', concat(' ', normalize-space(cbc:ResponseCode), ' '))"


def invoice_response_pattern() -> Pattern:
    """The transaction pattern of the Invoice Response (T111).

    R001 to R004 follow the official contexts. The code-list rules R006 (action codes) and R007
    (reason codes) are evaluated on the code element itself, selected by its ``listID``; see
    ``docs/rules-poacc.md`` for why.
    """
    b = PatternBuilder("PEPPOL T111", {"ubl": UBL_APPLICATION_RESPONSE})
    b.add(
        f"//cac:Response[{_NEEDS_CLARIFICATION}]",
        rule(
            "PEPPOL-T111-R001",
            FATAL,
            "A response with status CA, UQ or RE needs a clarification code.",
            lambda n: has(n, "cac:Status/cbc:StatusReasonCode"),
        ),
    )
    b.add(
        "//cac:Status[cbc:StatusReasonCode = 'OTH']",
        rule(
            "PEPPOL-T111-R002",
            WARNING,
            "The clarification code OTH should come with a clarification text.",
            lambda n: has(n, "cbc:StatusReason"),
        ),
    )
    b.add(
        "//cbc:CustomizationID",
        rule(
            "PEPPOL-T111-R003",
            FATAL,
            f"The specification identifier must begin with {INVOICE_RESPONSE_SPEC}.",
            customization_starts(INVOICE_RESPONSE_SPEC),
        ),
    )
    b.add(
        "//cac:Status[cbc:StatusReasonCode = 'PPD']",
        rule(
            "PEPPOL-T111-R004",
            FATAL,
            "The clarification code PPD (partial payment) needs a clarification text.",
            lambda n: has(n, "cbc:StatusReason"),
        ),
    )
    b.add(
        "//cac:Status/cbc:StatusReasonCode[@listID = 'OPStatusAction']",
        rule(
            "PEPPOL-T111-R006",
            FATAL,
            "The clarification code is not in the OPStatusAction list its listID names.",
            _status_code_in(OP_STATUS_ACTION),
        ),
    )
    b.add(
        "//cac:Status/cbc:StatusReasonCode[@listID = 'OPStatusReason']",
        rule(
            "PEPPOL-T111-R007",
            FATAL,
            "The clarification code is not in the OPStatusReason list its listID names.",
            _status_code_in(OP_STATUS_REASON),
        ),
    )
    return b.build()


def order_cancellation_pattern() -> Pattern:
    """The transaction pattern of the Order Cancellation (T115)."""
    b = PatternBuilder("PEPPOL T115", {"ubl": UBL_ORDER_CANCELLATION})
    b.add(
        "//cbc:ProfileID",
        rule(
            "PEPPOL-T115-R031",
            FATAL,
            "An order cancellation uses the advanced ordering profile.",
            profile_in(ADVANCED_ORDERING),
        ),
    )
    b.add(
        "//cbc:CustomizationID",
        rule(
            "PEPPOL-T115-R034",
            FATAL,
            f"The specification identifier must begin with {ORDER_CANCELLATION_SPEC}.",
            customization_starts(ORDER_CANCELLATION_SPEC),
        ),
    )
    b.add(
        "//cac:BuyerCustomerParty/cac:Party",
        rule(
            "PEPPOL-T115-R001",
            FATAL,
            "The buyer needs a registration name or an identifier.",
            party_legal_or_identified,
        ),
    )
    return b.build()


def specification_only_pattern(tid: str, spec: str) -> Pattern:
    """The pattern of a response whose only own rule is its specification identifier (the
    Catalogue Response T58 and the Message Level Response T71)."""
    b = PatternBuilder(f"PEPPOL {tid}", {"ubl": UBL_APPLICATION_RESPONSE})
    b.add(
        "/ubl:ApplicationResponse",
        rule(
            f"PEPPOL-{tid}-R001",
            FATAL,
            f"The specification identifier must begin with {spec}.",
            root_customization_starts(spec),
        ),
    )
    return b.build()


def catalogue_response_ruleset() -> RuleSet:
    return RuleSet(
        "Peppol BIS POACC T58", [*common_patterns(), specification_only_pattern("T58", CATALOGUE_RESPONSE_SPEC)]
    )


def message_level_response_ruleset() -> RuleSet:
    return RuleSet("Peppol BIS POACC T71", [*common_patterns(), specification_only_pattern("T71", MLR_SPEC)])


def despatch_advice_ruleset() -> RuleSet:
    return RuleSet("Peppol BIS POACC T16", [*common_patterns(), despatch_pattern()])


def invoice_response_ruleset() -> RuleSet:
    return RuleSet("Peppol BIS POACC T111", [*common_patterns(), invoice_response_pattern()])


def order_cancellation_ruleset() -> RuleSet:
    return RuleSet("Peppol BIS POACC T115", [*common_patterns(), order_cancellation_pattern()])
