"""POACC rules of the documents with an ``OrderResponse`` root: Order Response (T76), Order
Response Advanced (T116) and Order Agreement (T110).

T76 and T116 share their rules (under their own prefixes); the Order Agreement is a priced,
taxed document and has the total and VAT-breakdown rules instead.
"""

from __future__ import annotations

from decimal import Decimal

from belegwerk.rules.engine import Element, Pattern, RuleSet
from belegwerk.rules.functions import normalize_space, to_decimal, xpath_round
from belegwerk.rules.poacc_common import (
    CAC,
    CBC,
    FATAL,
    UNCL5189,
    UNCL7161,
    PatternBuilder,
    Test,
    any_number,
    common_patterns,
    customization_starts,
    dates_ordered,
    dec,
    dec_or,
    decimals_ok,
    document_currency,
    dsum,
    every,
    has,
    item_identified,
    line_id_unique,
    never,
    num,
    one_of,
    order_lines,
    party_legal_or_identified,
    reason_code_in,
    root_of,
    round2,
    rule,
    same_currency,
    slack,
    standard_rate_positive,
    tax_rate_given,
    text,
    value,
)
from belegwerk.xml.ns import UBL_ORDER_RESPONSE

ZERO = Decimal(0)
TOLERANCE = Decimal("0.02")
NS = {"ubl": UBL_ORDER_RESPONSE}

ORDER_RESPONSE_SPEC = "urn:fdc:peppol.eu:poacc:trns:order_response:3"
ORDER_RESPONSE_ADVANCED_SPEC = "urn:fdc:peppol.eu:poacc:trns:order_response_advanced:3"


def _price_in_document_currency(node: Element) -> bool:
    """``@currencyID = $documentCurrencyCode``: unlike the amount rules, a missing currency fails."""
    cid = node.get("currencyID")
    return cid is not None and cid == document_currency(node)


def _response_code_lines(code: str, *, lines_wanted: bool) -> Test:
    """For response code ``code``: order lines must be present (or absent)."""

    def test(node: Element) -> bool:
        if normalize_space(text(node)) != code:
            return True
        parent = node.getparent()
        count = 0 if parent is None else len(every(parent, "cac:OrderLine"))
        return count > 0 if lines_wanted else count == 0

    return test


def response_pattern(tid: str, spec: str) -> Pattern:
    """The transaction pattern of the Order Response (T76) or Order Response Advanced (T116).

    The official T76 and T116 packs order the response-code context before or after the line
    context; the two select disjoint nodes, so the order does not change any verdict.
    """
    b = PatternBuilder(f"PEPPOL {tid}", NS)
    b.add(
        "//cbc:CustomizationID",
        rule(
            f"PEPPOL-{tid}-R006",
            FATAL,
            f"The specification identifier must begin with {spec}.",
            customization_starts(spec),
        ),
    )
    b.add(
        "//cbc:PriceAmount",
        rule(
            f"PEPPOL-{tid}-R005", FATAL, "A price must be stated in the document currency.", _price_in_document_currency
        ),
    )
    b.add(
        "//cac:BuyerCustomerParty/cac:Party",
        rule(
            f"PEPPOL-{tid}-R001",
            FATAL,
            "The buyer needs a registration name or an identifier.",
            party_legal_or_identified,
        ),
    )
    b.add(
        "//cac:SellerSupplierParty/cac:Party",
        rule(
            f"PEPPOL-{tid}-R002",
            FATAL,
            "The seller needs a registration name or an identifier.",
            party_legal_or_identified,
        ),
    )
    b.add(
        # The official context adds ``cac:OrderLine/cac:LineItem/cac:PromisedDeliveryPeriod``,
        # which the first alternative already selects.
        "//cac:PromisedDeliveryPeriod",
        rule(f"PEPPOL-{tid}-R004", FATAL, "The promised delivery period ends before it starts.", dates_ordered),
    )
    b.add(
        order_lines(),
        rule(
            f"PEPPOL-{tid}-R003", FATAL, "The line identifier is missing or not unique in the document.", line_id_unique
        ),
    )
    b.add(
        "//cbc:OrderResponseCode",
        rule(
            f"PEPPOL-{tid}-R007",
            FATAL,
            "A conditionally accepted order (CA) must list the order lines.",
            _response_code_lines("CA", lines_wanted=True),
        ),
        rule(
            f"PEPPOL-{tid}-R008",
            FATAL,
            "An accepted order (AP) must not list order lines.",
            _response_code_lines("AP", lines_wanted=False),
        ),
        rule(
            f"PEPPOL-{tid}-R009",
            FATAL,
            "A rejected order (RE) must not list order lines.",
            _response_code_lines("RE", lines_wanted=False),
        ),
        rule(
            f"PEPPOL-{tid}-R010",
            FATAL,
            "An acknowledged order (AB) must not list order lines.",
            _response_code_lines("AB", lines_wanted=False),
        ),
    )
    return b.build()


# ---------------------------------------------------------------------------------------------
# Order Agreement (T110)
# ---------------------------------------------------------------------------------------------


def _cat_key(cat: Element) -> tuple[str, Decimal | None]:
    """``u:cat2str``: category code plus the rate scaled to millionths and rounded, so that
    ``25`` and ``25.000`` are the same category."""
    rate = dec(cat, "cbc:Percent")
    scaled = None if rate is None else xpath_round(rate * 1000000, 0)
    return normalize_space(value(cat, "cbc:ID")), scaled


def _document_categories(node: Element) -> list[Element]:
    return every(root_of(node), "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory")


def _r026(node: Element) -> bool:
    """A document without a tax total has no breakdown to match (the unit tests allow this)."""
    if not has(root_of(node), "cac:TaxTotal"):
        return True
    key = _cat_key(node)
    return any(_cat_key(c) == key for c in _document_categories(node))


def _r027(node: Element) -> bool:
    if not has(root_of(node), "cac:TaxTotal"):
        return True
    ids = {text(i) for i in every(node, "cbc:ID")}
    return any(normalize_space(value(c, "cbc:ID")) in ids for c in _document_categories(node))


def _rounded(x: Decimal | None) -> Decimal | None:
    return None if x is None else xpath_round(x, 0)


def _r024(node: Element) -> bool:
    """Subtotal tax = taxable amount * rate / 100 rounded to cents; a zero (or no) rate needs a
    tax amount that rounds to zero."""
    rates = [to_decimal(text(p)) for p in every(node, "cac:TaxCategory/cbc:Percent")]
    rate = rates[0] if rates else None
    tax = dec(node, "cbc:TaxAmount")
    taxable = dec(node, "cbc:TaxableAmount")
    if rate is not None and _rounded(rate) == 0 and _rounded(tax) == 0:
        return True
    if (
        rate is not None
        and _rounded(rate) != 0
        and tax is not None
        and taxable is not None
        and tax == round2(taxable * (rate / 100))
    ):
        return True
    return not rates and _rounded(tax) == 0


def _r025(node: Element) -> bool:
    subtotal_amounts = every(node, "cac:TaxSubtotal/cbc:TaxAmount")
    total = dsum(subtotal_amounts)
    tax = dec(node, "cbc:TaxAmount")
    return tax is not None and total is not None and tax == round2(total)


def _exemption_pair(codes: str) -> Test:
    """``contains(' <codes> ', concat(' ', normalize-space(cbc:ID), ' '))``."""

    def test(node: Element) -> bool:
        return f" {normalize_space(value(node, 'cbc:ID'))} " in f" {codes} "

    return test


class _Totals:
    """The amounts of ``cac:LegalMonetaryTotal`` (absent ones are zero) and the sums they are
    checked against."""

    def __init__(self, node: Element) -> None:
        self.node = node
        self.line = dec_or(node, "cbc:LineExtensionAmount", ZERO)
        self.allowances = dec_or(node, "cbc:AllowanceTotalAmount", ZERO)
        self.charges = dec_or(node, "cbc:ChargeTotalAmount", ZERO)
        self.exclusive = dec_or(node, "cbc:TaxExclusiveAmount", ZERO)
        self.inclusive = dec_or(node, "cbc:TaxInclusiveAmount", ZERO)
        self.rounding = dec_or(node, "cbc:PayableRoundingAmount", ZERO)
        self.payable = dec_or(node, "cbc:PayableAmount", ZERO)
        self.prepaid = dec_or(node, "cbc:PrepaidAmount", ZERO)
        root = root_of(node)
        self.tax_total = dec_or(root, "cac:TaxTotal/cbc:TaxAmount", ZERO)
        self.root = root

    def doc_sum(self, indicator: str) -> Decimal | None:
        acs = [ac for ac in every(self.root, "cac:AllowanceCharge") if value(ac, "cbc:ChargeIndicator") == indicator]
        total = dsum(a for ac in acs for a in every(ac, "cbc:Amount"))
        return None if total is None else round2(total)

    def line_sum(self) -> Decimal | None:
        amounts = [
            a
            for item in self.root.iter(f"{{{CAC}}}LineItem")
            if (parent := item.getparent()) is not None and parent.tag == f"{{{CAC}}}OrderLine"
            for a in item.iterfind(f"{{{CBC}}}LineExtensionAmount")
        ]
        total = dsum(amounts)
        return None if total is None else round2(total)


def _eq(a: Decimal | None, b: Decimal | None) -> bool:
    return a is not None and b is not None and a == b


def _r014(node: Element) -> bool:
    root = root_of(node)
    lines = list(root.iter(f"{{{CAC}}}OrderLine"))
    amounts = [a for item in root.iter(f"{{{CAC}}}LineItem") for a in item.iterfind(f"{{{CBC}}}LineExtensionAmount")]
    return len(lines) == len(amounts)


def _r005(node: Element) -> bool:
    return not has(node, "cbc:PayableAmount") or any_number(every(node, "cbc:PayableAmount"), lambda v: v >= 0)


def _r006(node: Element) -> bool:
    line = _Totals(node).line
    return line is not None and line >= 0


def _r007(node: Element) -> bool:
    t = _Totals(node)
    return not has(node, "cbc:LineExtensionAmount") or _eq(t.line, t.line_sum())


def _r008(node: Element) -> bool:
    t = _Totals(node)
    return not has(node, "cbc:ChargeTotalAmount") or _eq(t.charges, t.doc_sum("true"))


def _r009(node: Element) -> bool:
    t = _Totals(node)
    return not has(node, "cbc:AllowanceTotalAmount") or _eq(t.allowances, t.doc_sum("false"))


def _r010(node: Element) -> bool:
    t = _Totals(node)
    if not has(node, "cbc:TaxExclusiveAmount"):
        return True
    if t.line is None or t.charges is None or t.allowances is None:
        return False
    return _eq(t.exclusive, t.line + t.charges - t.allowances)


def _r011(node: Element) -> bool:
    t = _Totals(node)
    if t.exclusive is None or t.tax_total is None:
        return False
    return _eq(t.inclusive, t.exclusive + t.tax_total)


def _r012(node: Element) -> bool:
    t = _Totals(node)
    if not has(node, "cbc:PayableAmount"):
        return True
    if t.inclusive is None or t.prepaid is None or t.rounding is None:
        return False
    return _eq(t.payable, t.inclusive - t.prepaid + t.rounding)


def _r017(node: Element) -> bool:
    if not (has(node, "cbc:MultiplierFactorNumeric") and has(node, "cbc:BaseAmount")):
        return True
    base = dec(node, "cbc:BaseAmount")
    factor = dec(node, "cbc:MultiplierFactorNumeric")
    if base is None or factor is None:
        return False
    return slack(dec_or(node, "cbc:Amount", ZERO), base * factor / 100, TOLERANCE)


def agreement_pattern() -> Pattern:
    """The transaction pattern of the Order Agreement (T110), in the official context order."""
    b = PatternBuilder("PEPPOL T110", NS)
    b.add(
        "//cac:Item",
        rule("PEPPOL-T110-R002", FATAL, "An item needs a seller's or a standard identifier.", item_identified("")),
    )
    b.add(
        one_of(
            "cbc",
            "Amount",
            "TaxAmount",
            "TaxableAmount",
            "LineExtensionAmount",
            "PriceAmount",
            "BaseAmount",
            extra="parent::cac:LegalMonetaryTotal",
        ),
        rule(
            "PEPPOL-T110-R004",
            FATAL,
            "An amount is in a currency other than the document currency.",
            same_currency(document_currency),
        ),
        rule("PEPPOL-T110-R013", FATAL, "An amount other than a unit price has more than two decimals.", decimals_ok),
    )
    b.add(
        "//cac:TaxTotal/cac:TaxSubtotal",
        rule(
            "PEPPOL-T110-R024",
            FATAL,
            "The subtotal tax is not taxable amount * rate / 100, rounded to two decimals.",
            _r024,
        ),
    )
    b.add(
        "/ubl:OrderResponse/cac:TaxTotal[cac:TaxSubtotal]",
        rule("PEPPOL-T110-R025", FATAL, "The tax total is not the sum of the subtotal tax amounts.", _r025),
    )
    b.add(
        "//cac:TaxSubtotal/cac:TaxCategory[not(cbc:TaxExemptionReason)]",
        rule(
            "PEPPOL-T110-R028",
            FATAL,
            "A VAT breakdown in category E, AE, K, G or O needs an exemption reason.",
            _exemption_pair("S Z L M"),
        ),
    )
    b.add(
        "//cac:TaxSubtotal/cac:TaxCategory[cbc:TaxExemptionReason]",
        rule(
            "PEPPOL-T110-R029",
            FATAL,
            "A VAT breakdown in category S, Z, L or M must not have an exemption reason.",
            _exemption_pair("E AE O K G"),
        ),
    )
    b.add(
        "//cac:AllowanceCharge/cac:TaxCategory[cbc:Percent] | //cac:Item/cac:ClassifiedTaxCategory[cbc:Percent]",
        rule(
            "PEPPOL-T110-R026", FATAL, "The tax category and rate do not appear in the document's VAT breakdown.", _r026
        ),
    )
    b.add(
        "//cac:AllowanceCharge/cac:TaxCategory | //cac:Item/cac:ClassifiedTaxCategory",
        rule("PEPPOL-T110-R027", FATAL, "The tax category does not appear in the document's VAT breakdown.", _r027),
        rule(
            "PEPPOL-T110-R019",
            FATAL,
            "A tax category needs a rate unless it is O (not subject to VAT).",
            tax_rate_given,
        ),
        rule("PEPPOL-T110-R020", FATAL, "The standard rate (S) must be greater than zero.", standard_rate_positive),
    )
    b.add(
        "//cac:LegalMonetaryTotal",
        rule("PEPPOL-T110-R014", FATAL, "With document totals, every line needs a line amount.", _r014),
        rule("PEPPOL-T110-R005", FATAL, "The amount for payment must not be negative.", _r005),
        rule("PEPPOL-T110-R006", FATAL, "The sum of line amounts must not be negative.", _r006),
        rule("PEPPOL-T110-R007", FATAL, "The sum of line amounts differs from the lines.", _r007),
        rule("PEPPOL-T110-R008", FATAL, "The charge total differs from the document-level charges.", _r008),
        rule("PEPPOL-T110-R009", FATAL, "The allowance total differs from the document-level allowances.", _r009),
        rule(
            "PEPPOL-T110-R010", FATAL, "The amount without tax is not line total plus charges minus allowances.", _r010
        ),
        rule("PEPPOL-T110-R011", FATAL, "The amount with tax is not the amount without tax plus the tax total.", _r011),
        rule(
            "PEPPOL-T110-R012",
            FATAL,
            "The amount for payment is not amount with tax minus prepaid plus rounding.",
            _r012,
        ),
    )
    b.add(
        "/ubl:OrderResponse/cac:AllowanceCharge[cbc:MultiplierFactorNumeric and not(cbc:BaseAmount)]",
        rule("PEPPOL-T110-R015", FATAL, "An allowance or charge with a percentage needs its base amount.", never),
    )
    b.add(
        "/ubl:OrderResponse/cac:AllowanceCharge[not(cbc:MultiplierFactorNumeric) and cbc:BaseAmount]",
        rule("PEPPOL-T110-R016", FATAL, "An allowance or charge with a base amount needs its percentage.", never),
    )
    b.add(
        "/ubl:OrderResponse/cac:AllowanceCharge",
        rule(
            "PEPPOL-T110-R017",
            FATAL,
            "The allowance or charge amount is not base amount times percentage / 100 (tolerance 0.02).",
            _r017,
        ),
        rule(
            "PEPPOL-T110-R018",
            FATAL,
            "An allowance or charge needs a reason text or a reason code.",
            lambda n: has(n, "cbc:AllowanceChargeReason") or has(n, "cbc:AllowanceChargeReasonCode"),
        ),
        rule(
            "PEPPOL-T110-R021",
            FATAL,
            "A document-level allowance or charge amount is missing or negative.",
            lambda n: num(n, "cbc:Amount") >= 0,
        ),
    )
    b.add(
        "//cac:Price",
        rule(
            "PEPPOL-T110-R001", FATAL, "The net price is missing or negative.", lambda n: num(n, "cbc:PriceAmount") >= 0
        ),
        rule(
            "PEPPOL-T110-R022",
            FATAL,
            "The gross price must not be negative.",
            lambda n: (
                not has(n, "cac:AllowanceCharge/cbc:BaseAmount")
                or any_number(every(n, "cac:AllowanceCharge/cbc:BaseAmount"), lambda v: v >= 0)
            ),
        ),
        rule(
            "PEPPOL-T110-R023",
            FATAL,
            "The price discount must not be negative.",
            lambda n: not has(n, "cac:AllowanceCharge/cbc:Amount") or num(n, "cac:AllowanceCharge/cbc:Amount") >= 0,
        ),
    )
    b.add(
        "//cac:AllowanceCharge[cbc:ChargeIndicator = 'false']/cbc:AllowanceChargeReasonCode",
        rule(
            "PEPPOL-T110-CL001",
            FATAL,
            "The allowance reason code is not in the Peppol subset of UNCL 5189.",
            reason_code_in(UNCL5189),
        ),
    )
    b.add(
        "//cac:AllowanceCharge[cbc:ChargeIndicator = 'true']/cbc:AllowanceChargeReasonCode",
        rule("PEPPOL-T110-CL002", FATAL, "The charge reason code is not in UNCL 7161.", reason_code_in(UNCL7161)),
    )
    return b.build()


def order_response_ruleset() -> RuleSet:
    return RuleSet("Peppol BIS POACC T76", [*common_patterns(), response_pattern("T76", ORDER_RESPONSE_SPEC)])


def order_response_advanced_ruleset() -> RuleSet:
    return RuleSet(
        "Peppol BIS POACC T116", [*common_patterns(), response_pattern("T116", ORDER_RESPONSE_ADVANCED_SPEC)]
    )


def order_agreement_ruleset() -> RuleSet:
    return RuleSet("Peppol BIS POACC T110", [*common_patterns(), agreement_pattern()])
