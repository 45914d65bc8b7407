"""POACC rules of the documents with a ``Catalogue`` root: Catalogue (T19) and Punch Out (T77).

Dates are compared as the official rules compare them: the hyphens removed and the rest read as
a number (``number(translate(date, '-', ''))``), so a malformed date makes the comparison false.
"""

from __future__ import annotations

import math

from belegwerk.rules.engine import Element, Pattern, RuleSet
from belegwerk.rules.poacc_common import (
    FATAL,
    PatternBuilder,
    Test,
    common_patterns,
    every,
    has,
    item_identified,
    num,
    party_named_or_identified,
    profile_in,
    root_of,
    rule,
    standard_rate_positive,
    tax_rate_given,
    text,
    value,
    xnumber,
)
from belegwerk.xml.ns import UBL_CATALOGUE

NS = {"ubl": UBL_CATALOGUE}
_NO_START = 0.0
_NO_END = 99999999.0


def date_number(node: Element, path: str) -> float:
    """``number(translate(path, '-', ''))`` (NaN when absent or malformed)."""
    raw = value(node, path)
    return xnumber(None if raw is None else raw.replace("-", ""))


def _bound(node: Element, path: str, default: float) -> float:
    """``if (exists(path)) then number(translate(path, '-', '')) else default``."""
    return date_number(node, path) if has(node, path) else default


class _Periods:
    """Validity of the catalogue, of one line and of the line's price, each falling back to the
    enclosing period when not given."""

    def __init__(self, line: Element) -> None:
        root = root_of(line)
        self.cat_start = _bound(root, "cac:ValidityPeriod/cbc:StartDate", _NO_START)
        self.cat_end = _bound(root, "cac:ValidityPeriod/cbc:EndDate", _NO_END)
        self.line_start = _bound(line, "cac:LineValidityPeriod/cbc:StartDate", self.cat_start)
        self.line_end = _bound(line, "cac:LineValidityPeriod/cbc:EndDate", self.cat_end)
        #: One (start, end) per price validity period of the line; a line may have several
        #: location quantities, each with its own price.
        self.prices = [
            (_bound(p, "cbc:StartDate", self.line_start), _bound(p, "cbc:EndDate", self.line_end))
            for p in every(line, "cac:RequiredItemLocationQuantity/cac:Price/cac:ValidityPeriod")
        ]


def _catalogue_period(node: Element) -> bool:
    root = root_of(node)
    return _bound(root, "cac:ValidityPeriod/cbc:EndDate", _NO_END) >= _bound(
        root, "cac:ValidityPeriod/cbc:StartDate", _NO_START
    )


def _within(start: float, end: float, outer_start: float, outer_end: float) -> bool:
    return outer_start <= start <= outer_end and outer_start <= end <= outer_end


def _line_in_catalogue(node: Element) -> bool:
    p = _Periods(node)
    return _within(p.line_start, p.line_end, p.cat_start, p.cat_end)


def _line_period_ordered(node: Element) -> bool:
    p = _Periods(node)
    return p.line_start <= p.line_end


def _price_in_line(node: Element) -> bool:
    p = _Periods(node)
    return all(_within(start, end, p.line_start, p.line_end) for start, end in p.prices)


def _price_period_ordered(node: Element) -> bool:
    p = _Periods(node)
    return all(start <= end for start, end in p.prices)


def _not_negative_if_given(path: str) -> Test:
    def test(node: Element) -> bool:
        return not has(node, path) or num(node, path) >= 0

    return test


def _max_not_below_min(node: Element) -> bool:
    if not has(node, "cbc:MaximumOrderQuantity") or not has(node, "cbc:MinimumOrderQuantity"):
        return True
    return num(node, "cbc:MaximumOrderQuantity") >= num(node, "cbc:MinimumOrderQuantity")


def _price_not_negative(node: Element) -> bool:
    return num(node, "cbc:PriceAmount") >= 0


def catalogue_pattern() -> Pattern:
    """The transaction pattern of the Catalogue (T19), in the official context order."""
    b = PatternBuilder("PEPPOL T19", NS)
    b.add(
        "//cbc:ProfileID",
        rule(
            "PEPPOL-T19-R017",
            FATAL,
            "A catalogue uses the catalogue only or the catalogue without response profile.",
            profile_in(
                "urn:fdc:peppol.eu:poacc:bis:catalogue_only:3", "urn:fdc:peppol.eu:poacc:bis:catalogue_wo_response:3"
            ),
        ),
    )
    b.add(
        "/ubl:Catalogue/cac:ValidityPeriod",
        rule("PEPPOL-T19-R001", FATAL, "The catalogue validity period ends before it starts.", _catalogue_period),
    )
    b.add(
        "//cac:SellerSupplierParty",
        rule(
            "PEPPOL-T19-R004",
            FATAL,
            "The supplier needs a name or an identifier.",
            party_named_or_identified("cac:Party"),
        ),
    )
    b.add(
        "//cac:ContractorCustomerParty",
        rule(
            "PEPPOL-T19-R005",
            FATAL,
            "The customer needs a name or an identifier.",
            party_named_or_identified("cac:Party"),
        ),
    )
    b.add(
        "//cac:RequiredItemLocationQuantity/cac:Price",
        rule("PEPPOL-T19-R006", FATAL, "An item price is missing or negative.", _price_not_negative),
    )
    b.add(
        "//cac:CatalogueLine",
        rule(
            "PEPPOL-T19-R008",
            FATAL,
            "The maximum order quantity must not be negative.",
            _not_negative_if_given("cbc:MaximumOrderQuantity"),
        ),
        rule(
            "PEPPOL-T19-R009",
            FATAL,
            "The minimum order quantity must not be negative.",
            _not_negative_if_given("cbc:MinimumOrderQuantity"),
        ),
        rule(
            "PEPPOL-T19-R010",
            FATAL,
            "The maximum order quantity is below the minimum order quantity.",
            _max_not_below_min,
        ),
        rule(
            "PEPPOL-T19-R007",
            FATAL,
            "The line validity period lies outside the catalogue validity period.",
            _line_in_catalogue,
        ),
        rule("PEPPOL-T19-R013", FATAL, "The line validity period ends before it starts.", _line_period_ordered),
        rule(
            "PEPPOL-T19-R011",
            FATAL,
            "The price validity period lies outside the line (or catalogue) validity period.",
            _price_in_line,
        ),
        rule("PEPPOL-T19-R016", FATAL, "The price validity period ends before it starts.", _price_period_ordered),
    )
    b.add(
        "//cac:ClassifiedTaxCategory",
        rule(
            "PEPPOL-T19-R014", FATAL, "A tax category needs a rate unless it is O (not subject to VAT).", tax_rate_given
        ),
        rule("PEPPOL-T19-R015", FATAL, "The standard rate (S) must be greater than zero.", standard_rate_positive),
    )
    b.add(
        "//cac:Item",
        rule("PEPPOL-T19-R012", FATAL, "An item needs a seller's or a standard identifier.", item_identified("")),
    )
    return b.build()


# ---------------------------------------------------------------------------------------------
# Punch Out (T77)
# ---------------------------------------------------------------------------------------------


def _valid_until_after_issue(node: Element) -> bool:
    if not has(node, "cac:ValidityPeriod/cbc:EndDate"):
        return True
    end = date_number(node, "cac:ValidityPeriod/cbc:EndDate")
    issue = date_number(node, "cbc:IssueDate")
    return not (math.isnan(end) or math.isnan(issue)) and end >= issue


def _one_main_image(node: Element) -> bool:
    images = [
        r
        for r in every(node, "cac:ItemSpecificationDocumentReference")
        if any(text(c) == "PRODUCT_IMAGE" for c in every(r, "cbc:DocumentTypeCode"))
    ]
    return len(images) <= 1


def _units_match(node: Element) -> bool:
    if not has(node, "cac:Price/cbc:BaseQuantity") or not has(node, "cac:DeliveryUnit/cbc:BatchQuantity"):
        return True
    base = {q.get("unitCode") for q in every(node, "cac:Price/cbc:BaseQuantity")} - {None}
    batch = {q.get("unitCode") for q in every(node, "cac:DeliveryUnit/cbc:BatchQuantity")} - {None}
    return bool(base & batch)


def _quantities_positive(node: Element) -> bool:
    if not has(node, "cac:Price/cbc:BaseQuantity") or not has(node, "cac:DeliveryUnit/cbc:BatchQuantity"):
        return True
    return num(node, "cac:Price/cbc:BaseQuantity") > 0 and num(node, "cac:DeliveryUnit/cbc:BatchQuantity") > 0


def _service_indicator_boolean(node: Element) -> bool:
    return any(text(v) in ("true", "false") for v in every(node, "cbc:Value"))


def punch_out_pattern() -> Pattern:
    """The transaction pattern of the Punch Out (T77), in the official context order."""
    b = PatternBuilder("PEPPOL T77", NS)
    b.add(
        "/ubl:Catalogue",
        rule(
            "PEPPOL-T77-R001",
            FATAL,
            "The validity end date is missing or earlier than the issue date.",
            _valid_until_after_issue,
        ),
    )
    b.add(
        "//cac:RequiredItemLocationQuantity/cac:Price",
        rule("PEPPOL-T77-R003", FATAL, "An item price is missing or negative.", _price_not_negative),
    )
    b.add(
        "//cac:Item",
        rule("PEPPOL-T77-R004", FATAL, "An item needs a seller's or a standard identifier.", item_identified("")),
        rule("PEPPOL-T77-R005", FATAL, "At most one attachment may be the main product image.", _one_main_image),
    )
    b.add(
        "//cac:CatalogueLine/cac:RequiredItemLocationQuantity",
        rule(
            "PEPPOL-T77-R006",
            FATAL,
            "The price base quantity and the batch quantity use different units.",
            _units_match,
        ),
        rule(
            "PEPPOL-T77-R002",
            FATAL,
            "The price base quantity and the batch quantity must be greater than zero.",
            _quantities_positive,
        ),
    )
    b.add(
        "//cac:Item/cac:AdditionalItemProperty[cbc:Name = 'ServiceIndicator']",
        rule(
            "PEPPOL-T77-R007", FATAL, "The ServiceIndicator property must be true or false.", _service_indicator_boolean
        ),
    )
    b.add(
        "//cac:ClassifiedTaxCategory",
        rule(
            "PEPPOL-T77-R008", FATAL, "A tax category needs a rate unless it is O (not subject to VAT).", tax_rate_given
        ),
        rule("PEPPOL-T77-R009", FATAL, "The standard rate (S) must be greater than zero.", standard_rate_positive),
    )
    return b.build()


def catalogue_ruleset() -> RuleSet:
    return RuleSet("Peppol BIS POACC T19", [*common_patterns(), catalogue_pattern()])


def punch_out_ruleset() -> RuleSet:
    return RuleSet("Peppol BIS POACC T77", [*common_patterns(), punch_out_pattern()])
