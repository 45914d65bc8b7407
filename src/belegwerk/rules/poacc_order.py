"""POACC rules of the Order (T01) and the Order Change (T114).

The Order Change carries the same business content as the Order and its rules are the Order's
rules under the T114 prefix, so one builder makes both. What differs is parametrised: the root
element, the allowed profiles and the specification identifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from belegwerk.rules.engine import Element, Pattern, RuleSet
from belegwerk.rules.functions import normalize_space
from belegwerk.rules.poacc_common import (
    FATAL,
    UNCL5189,
    UNCL7161,
    WARNING,
    PatternBuilder,
    any_number,
    common_patterns,
    customization_starts,
    dec,
    dec_or,
    decimals_ok,
    document_currency,
    dsum,
    every,
    first,
    has,
    line_id_unique,
    never,
    num,
    one_of,
    order_lines,
    party_named_or_identified,
    profile_in,
    reason_code_in,
    root_customization_starts,
    root_of,
    round2,
    rule,
    same_currency,
    slack,
    standard_rate_positive,
    tax_rate_given,
    text,
    vat_prefix_known,
)
from belegwerk.xml.ns import UBL_ORDER, UBL_ORDER_CHANGE

ZERO = Decimal(0)
ONE = Decimal(1)
TOLERANCE = Decimal("0.02")


@dataclass(frozen=True)
class OrderKind:
    """What distinguishes the Order from the Order Change."""

    tid: str  # transaction id, e.g. "T01"
    root: str  # local name of the document element
    namespace: str
    profiles: tuple[str, ...]
    customization: str
    customization_on_root: bool  # T01 tests the identifier from the root, T114 on the element


def _charge_indicator(ac: Element) -> str:
    return normalize_space(first_text(ac, "cbc:ChargeIndicator"))


def first_text(node: Element, path: str) -> str | None:
    found = first(node, path)
    return None if found is None else text(found)


def _rounded_sum(acs: list[Element], indicator: str) -> Decimal | None:
    """``if (AC[ChargeIndicator = x]) then round(sum(AC[...]/cbc:Amount) * 100) div 100 else 0``."""
    chosen = [ac for ac in acs if _charge_indicator(ac) == indicator]
    if not chosen:
        return ZERO
    total = dsum(a for ac in chosen for a in every(ac, "cbc:Amount"))
    return None if total is None else round2(total)


def _eq(a: Decimal | None, b: Decimal | None) -> bool:
    return a is not None and b is not None and a == b


@dataclass(frozen=True)
class _Totals:
    payable: Decimal | None
    line_extension: Decimal | None
    prepaid: Decimal | None
    rounding: Decimal | None
    tax_inclusive: Decimal | None
    allowances: Decimal | None
    charges: Decimal | None
    tax_exclusive: Decimal | None

    @classmethod
    def of(cls, node: Element) -> _Totals:
        line = dec(node, "cbc:LineExtensionAmount")
        allowances = dec_or(node, "cbc:AllowanceTotalAmount", ZERO)
        charges = dec_or(node, "cbc:ChargeTotalAmount", ZERO)
        if has(node, "cbc:TaxExclusiveAmount"):
            exclusive = dec(node, "cbc:TaxExclusiveAmount")
        elif line is None or allowances is None or charges is None:
            exclusive = None
        else:
            exclusive = line - allowances + charges
        return cls(
            payable=dec(node, "cbc:PayableAmount"),
            line_extension=line,
            prepaid=dec_or(node, "cbc:PrepaidAmount", ZERO),
            rounding=dec_or(node, "cbc:PayableRoundingAmount", ZERO),
            tax_inclusive=dec(node, "cbc:TaxInclusiveAmount"),
            allowances=allowances,
            charges=charges,
            tax_exclusive=exclusive,
        )


def _document_acs(node: Element) -> list[Element]:
    return every(root_of(node), "cac:AllowanceCharge")


def _sum_lines(node: Element) -> Decimal | None:
    amounts = every(root_of(node), "cac:OrderLine/cac:LineItem/cbc:LineExtensionAmount")
    if not amounts:
        return ZERO
    total = dsum(amounts)
    return None if total is None else round2(total)


def _r006(node: Element) -> bool:
    t = _Totals.of(node)
    return t.payable is not None and t.payable >= 0


def _r007(node: Element) -> bool:
    t = _Totals.of(node)
    return t.line_extension is not None and t.line_extension >= 0


def _r008(node: Element) -> bool:
    return _eq(_Totals.of(node).line_extension, _sum_lines(node))


def _r009(node: Element) -> bool:
    return _eq(_Totals.of(node).allowances, _rounded_sum(_document_acs(node), "false"))


def _r010(node: Element) -> bool:
    return _eq(_Totals.of(node).charges, _rounded_sum(_document_acs(node), "true"))


def _r011(node: Element) -> bool:
    t = _Totals.of(node)
    if t.line_extension is None or t.allowances is None or t.charges is None:
        return False
    return _eq(t.tax_exclusive, t.line_extension - t.allowances + t.charges)


def _r016(node: Element) -> bool:
    t = _Totals.of(node)
    # ``if ($taxinclusiveAmount)``: an absent or zero amount switches the check off.
    if not t.tax_inclusive:
        return True
    if t.prepaid is None or t.rounding is None:
        return False
    return _eq(t.payable, t.tax_inclusive - t.prepaid + t.rounding)


def _r017(node: Element) -> bool:
    t = _Totals.of(node)
    root = root_of(node)
    if not t.tax_inclusive or not has(root, "cac:TaxTotal"):
        return True
    tax = dec_or(root, "cac:TaxTotal/cbc:TaxAmount", ZERO)
    if t.tax_exclusive is None or tax is None:
        return False
    return t.tax_inclusive == t.tax_exclusive + tax


def _r022(node: Element) -> bool:
    if not (has(node, "cbc:MultiplierFactorNumeric") and has(node, "cbc:BaseAmount")):
        return True
    amount = dec_or(node, "cbc:Amount", ZERO)
    base = dec(node, "cbc:BaseAmount")
    factor = dec(node, "cbc:MultiplierFactorNumeric")
    if base is None or factor is None:
        return False
    return slack(amount, base * factor / 100, TOLERANCE)


def _reason_given(node: Element) -> bool:
    return has(node, "cbc:AllowanceChargeReason") or has(node, "cbc:AllowanceChargeReasonCode")


def _amount_not_negative(node: Element) -> bool:
    return num(node, "cbc:Amount") >= 0


def _r024(node: Element) -> bool:
    line = dec_or(node, "cbc:LineExtensionAmount", ZERO)
    quantity = dec_or(node, "cbc:Quantity", ONE)
    price = dec_or(node, "cac:Price/cbc:PriceAmount", ZERO)
    base = ONE
    if has(node, "cac:Price/cbc:BaseQuantity"):
        given = dec(node, "cac:Price/cbc:BaseQuantity")
        if given is None:
            return False
        if given != 0:
            base = given
    acs = every(node, "cac:AllowanceCharge")
    allowances = _rounded_sum(acs, "false")
    charges = _rounded_sum(acs, "true")
    if line is None or quantity is None or price is None or allowances is None or charges is None:
        return False
    return slack(line, quantity * (price / base) + charges - allowances, TOLERANCE)


def _r025(node: Element) -> bool:
    if not has(node, "cac:Price/cbc:BaseQuantity"):
        return True
    base = dec(node, "cac:Price/cbc:BaseQuantity")
    return base is not None and base > 0


def _quantity_not_negative(node: Element) -> bool:
    return num(node, "cbc:Quantity") >= 0


def _r019(node: Element) -> bool:
    if not has(node, "cbc:BaseAmount"):
        return True
    parent = node.getparent()
    net = None if parent is None else dec(parent, "cbc:PriceAmount")
    base = dec(node, "cbc:BaseAmount")
    amount = dec(node, "cbc:Amount")
    if net is None or base is None or amount is None:
        return False
    return net == base - amount


def _price_not_negative(node: Element) -> bool:
    return num(node, "cbc:PriceAmount") >= 0


def _gross_not_negative(node: Element) -> bool:
    bases = every(node, "cac:AllowanceCharge/cbc:BaseAmount")
    return not bases or any_number(bases, lambda v: v >= 0)


def _price_allowance_not_negative(node: Element) -> bool:
    amounts = every(node, "cac:AllowanceCharge/cbc:Amount")
    return not amounts or num(node, "cac:AllowanceCharge/cbc:Amount") >= 0


def _has_validity_end(node: Element) -> bool:
    return has(node, "cac:ValidityPeriod/cbc:EndDate")


def order_pattern(kind: OrderKind) -> Pattern:
    """The transaction pattern of an Order or Order Change, in the official context order."""
    t = kind.tid
    doc = "order" if t == "T01" else "order change"
    b = PatternBuilder(f"PEPPOL {t}", {"ubl": kind.namespace})
    b.add(
        "//cbc:ProfileID",
        rule(
            f"PEPPOL-{t}-R031",
            FATAL,
            f"The {doc} uses a profile that does not carry this transaction.",
            profile_in(*kind.profiles),
        ),
    )
    if not kind.customization_on_root:
        b.add(
            "//cbc:CustomizationID",
            rule(
                f"PEPPOL-{t}-R034",
                FATAL,
                f"The specification identifier must begin with {kind.customization}.",
                customization_starts(kind.customization),
            ),
        )
    b.add(
        one_of(
            "cbc",
            "Amount",
            "TaxAmount",
            "LineExtensionAmount",
            "PriceAmount",
            "BaseAmount",
            extra="parent::cac:AnticipatedMonetaryTotal",
        ),
        rule(
            f"PEPPOL-{t}-R003",
            FATAL,
            "An amount is in a currency other than the document currency.",
            same_currency(document_currency),
        ),
        rule(f"PEPPOL-{t}-R028", FATAL, "An amount other than a unit price has more than two decimals.", decimals_ok),
    )
    root_rules = [
        rule(
            f"PEPPOL-{t}-R002",
            WARNING,
            f"The {doc} should state the end date of its validity period.",
            _has_validity_end,
        )
    ]
    if kind.customization_on_root:
        root_rules.append(
            rule(
                f"PEPPOL-{t}-R034",
                FATAL,
                f"The specification identifier must begin with {kind.customization}.",
                root_customization_starts(kind.customization),
            )
        )
    b.add(f"/ubl:{kind.root}", *root_rules)
    b.add(
        "//cac:OriginatorCustomerParty",
        rule(
            f"PEPPOL-{t}-R014",
            FATAL,
            "The originator party needs a name or an identifier.",
            party_named_or_identified("cac:Party"),
        ),
    )
    b.add(
        "//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT']",
        rule(
            f"PEPPOL-{t}-R026",
            FATAL,
            "A VAT identifier must begin with an ISO 3166-1 alpha-2 country code (EL for Greece).",
            vat_prefix_known,
        ),
    )
    b.add(
        "//cac:AnticipatedMonetaryTotal",
        rule(f"PEPPOL-{t}-R006", FATAL, "The expected amount for payment is missing or negative.", _r006),
        rule(f"PEPPOL-{t}-R007", FATAL, "The expected sum of line amounts is missing or negative.", _r007),
        rule(
            f"PEPPOL-{t}-R008",
            FATAL,
            "The expected sum of line amounts differs from the sum of the line net amounts.",
            _r008,
        ),
        rule(
            f"PEPPOL-{t}-R009",
            FATAL,
            "The allowance total differs from the sum of the document-level allowances.",
            _r009,
        ),
        rule(f"PEPPOL-{t}-R010", FATAL, "The charge total differs from the sum of the document-level charges.", _r010),
        rule(
            f"PEPPOL-{t}-R011", FATAL, "The amount without tax is not line total minus allowances plus charges.", _r011
        ),
        rule(
            f"PEPPOL-{t}-R016",
            FATAL,
            "The amount for payment is not amount with tax minus prepaid plus rounding.",
            _r016,
        ),
        rule(f"PEPPOL-{t}-R017", FATAL, "The amount with tax is not the amount without tax plus the tax total.", _r017),
    )
    r = kind.root
    percent_only = "cbc:MultiplierFactorNumeric and not(cbc:BaseAmount)"
    base_only = "not(cbc:MultiplierFactorNumeric) and cbc:BaseAmount"
    line_acs = f"/ubl:{r}/cac:OrderLine/cac:LineItem/cac:AllowanceCharge"
    b.add(
        f"//cac:AllowanceCharge[{percent_only}] | {line_acs}[{percent_only}]",
        rule(f"PEPPOL-{t}-R020", FATAL, "An allowance or charge with a percentage needs its base amount.", never),
    )
    b.add(
        f"/ubl:{r}/cac:AllowanceCharge[{base_only}] | {line_acs}[{base_only}]",
        rule(f"PEPPOL-{t}-R021", FATAL, "An allowance or charge with a base amount needs its percentage.", never),
    )
    b.add(
        f"/ubl:{r}/cac:AllowanceCharge | /ubl:{r}/cac:OrderLine/cac:LineItem/cac:AllowanceCharge",
        rule(
            f"PEPPOL-{t}-R022",
            FATAL,
            "The allowance or charge amount is not base amount times percentage / 100 (tolerance 0.02).",
            _r022,
        ),
        rule(f"PEPPOL-{t}-R023", FATAL, "An allowance or charge needs a reason text or a reason code.", _reason_given),
        rule(f"PEPPOL-{t}-R032", FATAL, "An allowance or charge amount is missing or negative.", _amount_not_negative),
    )
    b.add(
        one_of("cac", "TaxCategory", "ClassifiedTaxCategory"),
        rule(
            f"PEPPOL-{t}-R029",
            FATAL,
            "A tax category needs a rate unless it is O (not subject to VAT).",
            tax_rate_given,
        ),
        rule(f"PEPPOL-{t}-R030", FATAL, "The standard rate (S) must be greater than zero.", standard_rate_positive),
    )
    b.add(
        order_lines(),
        rule(
            f"PEPPOL-{t}-R024",
            FATAL,
            "The line net amount is not quantity * (price / base quantity) + charges - allowances (tolerance 0.02).",
            _r024,
        ),
        rule(f"PEPPOL-{t}-R025", FATAL, "The price base quantity must be greater than zero.", _r025),
        rule(
            f"PEPPOL-{t}-R001", FATAL, "The line identifier is missing or not unique in the document.", line_id_unique
        ),
        rule(f"PEPPOL-{t}-R004", FATAL, "The ordered quantity is missing or negative.", _quantity_not_negative),
        rule(
            f"PEPPOL-{t}-R013", WARNING, "A line should state the ordered quantity.", lambda n: has(n, "cbc:Quantity")
        ),
    )
    b.add(
        "//cac:Price/cac:AllowanceCharge",
        rule(f"PEPPOL-{t}-R019", FATAL, "The net price is not the gross price minus the price discount.", _r019),
    )
    b.add(
        "//cac:Price",
        rule(f"PEPPOL-{t}-R005", FATAL, "The net price is missing or negative.", _price_not_negative),
        rule(f"PEPPOL-{t}-R027", FATAL, "The gross price must not be negative.", _gross_not_negative),
        rule(f"PEPPOL-{t}-R033", FATAL, "The price discount must not be negative.", _price_allowance_not_negative),
    )
    b.add(
        "//cac:AllowanceCharge[cbc:ChargeIndicator = 'false']/cbc:AllowanceChargeReasonCode",
        rule(
            f"PEPPOL-{t}-CL001",
            FATAL,
            "The allowance reason code is not in the Peppol subset of UNCL 5189.",
            reason_code_in(UNCL5189),
        ),
    )
    b.add(
        "//cac:AllowanceCharge[cbc:ChargeIndicator = 'true']/cbc:AllowanceChargeReasonCode",
        rule(f"PEPPOL-{t}-CL002", FATAL, "The charge reason code is not in UNCL 7161.", reason_code_in(UNCL7161)),
    )
    return b.build()


ORDER = OrderKind(
    tid="T01",
    root="Order",
    namespace=UBL_ORDER,
    profiles=(
        "urn:fdc:peppol.eu:poacc:bis:order_only:3",
        "urn:fdc:peppol.eu:poacc:bis:ordering:3",
        "urn:fdc:peppol.eu:poacc:bis:advanced_ordering:3",
    ),
    customization="urn:fdc:peppol.eu:poacc:trns:order:3",
    customization_on_root=True,
)

ORDER_CHANGE = OrderKind(
    tid="T114",
    root="OrderChange",
    namespace=UBL_ORDER_CHANGE,
    profiles=("urn:fdc:peppol.eu:poacc:bis:advanced_ordering:3",),
    customization="urn:fdc:peppol.eu:poacc:trns:order_change:3",
    customization_on_root=False,
)


def order_ruleset(kind: OrderKind) -> RuleSet:
    """Common patterns plus the transaction pattern."""
    return RuleSet(f"Peppol BIS POACC {kind.tid}", [*common_patterns(), order_pattern(kind)])
