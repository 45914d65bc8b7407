"""Peppol BIS Billing 3.0 rules for UN/CEFACT CII (``PEPPOL-EN16931-CII``).

Same structure as the UBL pack (transaction rules with identifier checks, national rules of
Norway, Denmark, Italy, Sweden and the Netherlands, code lists and formats), translated to the
CII element paths the pack uses. The CII pack has no empty-element rule and no price-level
allowance rules. The XRechnung CII pack merges a subset of the transaction rules; it builds them
from :func:`transaction_contexts` (renaming, rewording and loosening a few, see there) instead of
keeping a copy.
"""

# Rule tables carry the official element paths and our messages verbatim; wrapping them would hurt
# reading them side by side with the pack, so long lines are accepted in this module.

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Final

from lxml import etree

from belegwerk.rules.codelists import named_codelist
from belegwerk.rules.engine import Context, Element, Pattern, Rule, Severity
from belegwerk.rules.functions import normalize_space, to_decimal, xpath_round
from belegwerk.rules.peppol_common import (
    NO_MVA,
    Index,
    PeppolRuleSet,
    RuleTable,
    build_contexts,
    codes,
    ctx,
    decimal_of,
    document_index,
    first_text,
    fixed_slack,
    has,
    identifier_rules,
    make_r040,
    make_r121,
    mod11,
    node_at,
    nodes_at,
    own_text,
    per_document,
    r120_holds,
    se_bankgiro_rules,
    se_domestic_transfer_rule,
    se_f_skatt_rule,
    se_orgnr_rules,
    se_plusgiro_rules,
    se_vat_rules,
    string_value,
    texts,
    upper_norm,
    when,
    xb,
    xpath_number,
)
from belegwerk.xml.ns import NSMAP

F, W = Severity.FATAL, Severity.WARNING
ROOT: Final = "/rsm:CrossIndustryInvoice"
_H_SETTLEMENT: Final = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
_H_AGREEMENT: Final = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
AGREEMENT: Final = f"{ROOT}/{_H_AGREEMENT}"
SETTLEMENT: Final = f"{ROOT}/{_H_SETTLEMENT}"


def _rule(rid: str, sev: Severity, msg: str, test: Callable[[Element], bool]) -> Rule:
    return Rule(rid, sev, msg, test)


# --------------------------------------------------------------------------------------------
# Document-level variables and transaction rules shared with the XRechnung pack
# --------------------------------------------------------------------------------------------


@per_document
def document_currencies(root: Element) -> list[str]:
    """Invoice currency code(s) (BT-5) as strings."""
    return texts(root, f"{_H_SETTLEMENT}/ram:InvoiceCurrencyCode")


@per_document
def tax_currencies(root: Element) -> list[str]:
    """VAT accounting currency code(s) (BT-6) as strings."""
    return texts(root, f"{_H_SETTLEMENT}/ram:TaxCurrencyCode")


_TTA: Final = "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxTotalAmount"


def _tta(node: Element) -> list[Element]:
    return nodes_at(node, _TTA)


def make_r053(*, at_most: bool) -> Callable[[Element], bool]:
    """Tax total amounts in document currency: exactly one (Peppol) or at most one (XRechnung merge)."""

    def test(node: Element) -> bool:
        docs = set(document_currencies(node))
        n = sum(1 for t in _tta(node) if t.get("currencyID") in docs)
        return n <= 1 if at_most else n == 1

    return test


def r054(node: Element) -> bool:
    docs = document_currencies(node)
    n = sum(1 for t in _tta(node) if t.get("currencyID") is not None and any(t.get("currencyID") != d for d in docs))
    return n == (1 if has(node, "ram:TaxCurrencyCode") else 0)


def r055(node: Element) -> bool:
    docs = set(document_currencies(node))
    taxes = set(tax_currencies(node))

    def values(codes: set[str]) -> list[Decimal]:
        out = []
        for t in _tta(node):
            if t.get("currencyID") in codes:
                d = to_decimal(t.text)
                if d is not None:
                    out.append(d)
        return out

    in_doc = [t for t in _tta(node) if t.get("currencyID") in docs]
    if not (taxes and in_doc):
        return True
    tv, dv = values(taxes), values(docs)
    return (any(v < 0 for v in tv) and any(v < 0 for v in dv)) or (any(v >= 0 for v in tv) and any(v >= 0 for v in dv))


_R: Final = f"{{{NSMAP['ram']}}}"
_U: Final = f"{{{NSMAP['udt']}}}"


_T_SLTS: Final = _R + "SpecifiedLineTradeSettlement"
_T_SUMMATION: Final = _R + "SpecifiedTradeSettlementLineMonetarySummation"
_T_LINE_TOTAL: Final = _R + "LineTotalAmount"
_T_DELIVERY: Final = _R + "SpecifiedLineTradeDelivery"
_T_BILLED: Final = _R + "BilledQuantity"
_T_AGREEMENT: Final = _R + "SpecifiedLineTradeAgreement"
_T_NET: Final = _R + "NetPriceProductTradePrice"
_T_GROSS: Final = _R + "GrossPriceProductTradePrice"
_T_CHARGE_AMOUNT: Final = _R + "ChargeAmount"
_T_BASIS: Final = _R + "BasisQuantity"
_T_STAC: Final = _R + "SpecifiedTradeAllowanceCharge"
_T_CHARGE_IND: Final = _R + "ChargeIndicator"
_T_INDICATOR: Final = _U + "Indicator"
_T_ACTUAL: Final = _R + "ActualAmount"
_T_REFERENCE: Final = _R + "AdditionalReferencedDocument"
_T_TYPE_CODE: Final = _R + "TypeCode"


def _dec_at(ix: Index, line: Element, default: Decimal, tags: tuple[str, ...]) -> Decimal | None:
    """``xs:decimal`` of the first element at the child path (``default`` when there is none)."""
    found = ix.below(line, tags)
    return default if not found else to_decimal(string_value(found[0]))


_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
#: ``ChargeIndicator`` value -> index of the sum it goes to (charges, allowances)
_SIDE: Final = {"true": 0, "false": 1}


def _line_ac_sums(ix: Index, line: Element) -> tuple[Decimal, Decimal]:
    """The line's charges and allowances (``ChargeIndicator`` true / false), each summed in
    document order and rounded to cents, in one pass over its allowances and charges."""
    sums = [_ZERO, _ZERO]  # charges, allowances
    for settlement in ix.kids(line, _T_SLTS):
        for ac in ix.kids(settlement, _T_STAC):
            ind = ix.kid(ac, _T_CHARGE_IND)
            value = None if ind is None else ix.kid(ind, _T_INDICATOR)
            which = _SIDE.get(normalize_space(string_value(value))) if value is not None else None
            if which is None:
                continue
            for c in ix.kids(ac, _T_ACTUAL):
                sums[which] += to_decimal(string_value(c)) or _ZERO
    return _cents(sums[0]), _cents(sums[1])


def _cents(total: Decimal) -> Decimal:
    return xpath_round(total, 2) if total else _ZERO


_EXT_PATH: Final = (_T_SLTS, _T_SUMMATION, _T_LINE_TOTAL)
_QTY_PATH: Final = (_T_DELIVERY, _T_BILLED)
_PRICE_PATH: Final = (_T_AGREEMENT, _T_NET, _T_CHARGE_AMOUNT)
_NET_BASE_PATH: Final = (_T_AGREEMENT, _T_NET, _T_BASIS)
_GROSS_BASE_PATH: Final = (_T_AGREEMENT, _T_GROSS, _T_BASIS)
_REFERENCES_PATH: Final = (_T_SLTS, _T_REFERENCE)


def make_r120(tolerance: Callable[[Element], Decimal], *, gross_fallback: bool) -> Callable[[Element], bool]:
    """Line net amount check; the XRechnung merge also takes the gross price base quantity as fallback.

    Hot path (runs for every line): reads the line through the evaluation's :class:`Index`
    (children by parent from the tag index), so no child's tag is ever read.
    """
    bases = [_NET_BASE_PATH] + ([_GROSS_BASE_PATH] if gross_fallback else [])

    def test(line: Element) -> bool:
        ix = document_index(line)
        ext = _dec_at(ix, line, _ZERO, _EXT_PATH)
        qty = _dec_at(ix, line, _ONE, _QTY_PATH)
        price = _dec_at(ix, line, _ZERO, _PRICE_PATH)
        base = _ONE
        for path in bases:
            bq = _dec_at(ix, line, _ZERO, path)
            if bq:
                base = bq
                break
        charges, allowances = _line_ac_sums(ix, line)
        return r120_holds(line, tolerance, ext, qty, price, base, charges, allowances)

    return test


def _invoiced_object(ix: Index, reference: Element) -> bool:
    """``ram:TypeCode = '130'`` on a referenced document (any of its type codes)."""
    for code in ix.kids(reference, _T_TYPE_CODE):  # noqa: SIM110 - a plain loop compiles to direct calls
        if string_value(code) == "130":
            return True
    return False


def r100(line: Element) -> bool:
    """``count(ram:SpecifiedLineTradeSettlement/ram:AdditionalReferencedDocument[ram:TypeCode = '130']) <= 1``."""
    ix = document_index(line)
    return sum(1 for r in ix.below(line, _REFERENCES_PATH) if _invoiced_object(ix, r)) <= 1


def r101(line: Element) -> bool:
    """``not(…/ram:AdditionalReferencedDocument) or …/ram:AdditionalReferencedDocument/ram:TypeCode = '130'``."""
    ix = document_index(line)
    references = ix.below(line, _REFERENCES_PATH)
    return not references or any(_invoiced_object(ix, r) for r in references)


def r046(gross: Element) -> bool:
    if not has(gross, "ram:ChargeAmount"):
        return True
    parent = gross.getparent()
    net = decimal_of(parent, "ram:NetPriceProductTradePrice/ram:ChargeAmount") if parent is not None else None
    amount = decimal_of(gross, "ram:ChargeAmount")
    allowances = [node_at(aa, "ram:ActualAmount") for aa in nodes_at(gross, "ram:AppliedTradeAllowanceCharge")]
    present = [a for a in allowances if a is not None]
    allowance = to_decimal(present[0].text) if present else Decimal(0)
    if net is None or amount is None or allowance is None:
        return False
    return net == amount - allowance


def make_period_check(which: str) -> Callable[[Element], bool]:
    """Compare the line period's date string with the header period's (string comparison, as the pack)."""

    def test(node: Element) -> bool:
        sctt = next(node.iterancestors(f"{{{NSMAP['rsm']}}}SupplyChainTradeTransaction"), None)
        if sctt is None:
            return False
        mine = texts(node, "udt:DateTimeString")
        doc = texts(
            sctt, f"ram:ApplicableHeaderTradeSettlement/ram:BillingSpecifiedPeriod/ram:{which}/udt:DateTimeString"
        )
        if which == "StartDateTime":
            return any(m >= d for m in mine for d in doc)
        return any(m <= d for m in mine for d in doc)

    return test


_PROFILE: Final = re.compile(r"urn:fdc:peppol\.eu:2017:poacc:billing:([0-9]{2}):1\.0")


@per_document
def profile(root: Element) -> str:
    """The process number from the business process id (``01`` …), or ``Unknown``."""
    path = "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter"
    if not has(root, path):
        return "Unknown"
    value = normalize_space(first_text(root, f"{path}/ram:ID"))
    if not _PROFILE.search(value):
        return "Unknown"
    parts = value.split(":")
    return parts[6] if len(parts) > 6 else ""


def _vat_prefix(party: Element | None) -> str:
    if party is None:
        return ""
    for reg in nodes_at(party, "ram:SpecifiedTaxRegistration"):
        if any(i.get("schemeID") == "VAT" for i in nodes_at(reg, "ram:ID")):
            return (first_text(reg, "ram:ID") or "")[:2]
    return ""


@per_document
def supplier_country(root: Element) -> str:
    """Seller country: VAT id prefix, else tax representative's VAT prefix, else address, else XX."""
    for party in (
        node_at(root, f"{_H_AGREEMENT}/ram:SellerTradeParty"),
        node_at(root, f"{_H_AGREEMENT}/ram:SellerTaxRepresentativeTradeParty"),
    ):
        prefix = _vat_prefix(party)
        if prefix:
            return upper_norm(prefix)
    country = node_at(root, f"{_H_AGREEMENT}/ram:SellerTradeParty/ram:PostalTradeAddress/ram:CountryID")
    return "XX" if country is None else upper_norm(string_value(country))


def _countries(root: Element, party: str) -> list[str]:
    return texts(root, f"{_H_AGREEMENT}/{party}/ram:PostalTradeAddress/ram:CountryID")


@per_document
def dk_parties(root: Element) -> tuple[bool, bool]:
    return "DK" in _countries(root, "ram:SellerTradeParty"), "DK" in _countries(root, "ram:BuyerTradeParty")


@per_document
def nl_parties(root: Element) -> tuple[bool, bool, bool]:
    def nl(party: str) -> bool:
        return upper_norm(first_text(root, f"{_H_AGREEMENT}/{party}/ram:PostalTradeAddress/ram:CountryID")) == "NL"

    return nl("ram:SellerTradeParty"), nl("ram:BuyerTradeParty"), nl("ram:SellerTaxRepresentativeTradeParty")


# --------------------------------------------------------------------------------------------
# Transaction rules
# --------------------------------------------------------------------------------------------

_RAM: Final = NSMAP["ram"]


@per_document
def _identifiers_by_scheme(root: Element) -> dict[str, list[Element]]:
    """URIID, ID and GlobalID elements grouped by their exact schemeID."""
    out: dict[str, list[Element]] = {}
    for e in root.iter(f"{{{_RAM}}}URIID", f"{{{_RAM}}}ID", f"{{{_RAM}}}GlobalID"):
        scheme = e.get("schemeID")
        if scheme is not None:
            out.setdefault(scheme, []).append(e)
    return out


def _icd(scheme: str, uri_only: bool = False) -> Callable[[Element], list[Element]]:
    def nodes(root: Element) -> list[Element]:
        found = _identifiers_by_scheme(root).get(scheme, [])
        return [e for e in found if etree.QName(e).localname == "URIID"] if uri_only else found

    return nodes


def transaction_contexts(
    tolerance: Callable[[Element], Decimal],
    *,
    keep: frozenset[str] | None = None,
    r120_severity: Severity = F,
    r120_gross_fallback: bool = False,
    r053_at_most: bool = False,
    r043_ids: tuple[str, str] = ("PEPPOL-EN16931-R043", "PEPPOL-EN16931-R043"),
    transaction: str = "//rsm:SupplyChainTradeTransaction",
    messages: Mapping[str, str] | None = None,
) -> list[Context]:
    """The transaction rules (``PEPPOL-EN16931-R0xx/R1xx``, ``PEPPOL-COMMON-R040…``) in pack order.

    The Peppol pack runs all of them with its fixed tolerance. The XRechnung pack merges the
    rules in ``keep``, and its copy differs on purpose: its own ``tolerance`` (0.5 for HUF), R120
    as a warning that falls back to the gross price's base quantity, R053 allowing *at most* one
    tax total in the invoice currency, the two indicator checks numbered ``R043-1``/``R043-2``
    (``r043_ids``, header then price allowances), and some ``messages`` worded differently. It
    also selects the line periods under ``/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction``
    (``transaction``; the official packs match them anywhere, as the Peppol pack does here).
    """
    indicator_ok = xb(
        "normalize-space(ram:ChargeIndicator/udt:Indicator/text()) = 'true' or normalize-space(ram:ChargeIndicator/udt:Indicator/text()) = 'false'"
    )
    line_period = (
        transaction
        + "[ram:ApplicableHeaderTradeSettlement/ram:BillingSpecifiedPeriod/ram:{0}]/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement/ram:BillingSpecifiedPeriod/ram:{0}"
    )
    table: RuleTable = [
        (
            "//rsm:ExchangedDocumentContext",
            [
                _rule(
                    "PEPPOL-EN16931-R001",
                    F,
                    "The business process id is missing.",
                    xb("ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"),
                ),
                _rule(
                    "PEPPOL-EN16931-R007",
                    F,
                    "The business process must have the form urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0.",
                    lambda n: profile(n) != "Unknown",
                ),
                _rule(
                    "PEPPOL-EN16931-R004",
                    F,
                    "The specification identifier must start with the Peppol BIS Billing 3.0 identifier.",
                    lambda n: normalize_space(
                        (lambda e: e.text if e is not None else "")(
                            node_at(n, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
                        )
                    ).startswith("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"),
                ),
            ],
        ),
        (
            "//ram:ApplicableHeaderTradeAgreement",
            [
                _rule(
                    "PEPPOL-EN16931-R003",
                    F,
                    "A buyer reference or a purchase order reference is required.",
                    xb("ram:BuyerReference or ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
                ),
                _rule(
                    "PEPPOL-EN16931-R006",
                    F,
                    "Only one invoiced object (type 130) is allowed on document level.",
                    xb("count(ram:AdditionalReferencedDocument[ram:TypeCode = '130']) <= 1"),
                ),
                _rule(
                    "PEPPOL-EN16931-R080",
                    F,
                    "Only one project reference (type 50) is allowed on document level.",
                    xb("count(ram:AdditionalReferencedDocument[ram:TypeCode = '50']) <= 1"),
                ),
            ],
        ),
        (
            "//ram:ApplicableHeaderTradeSettlement",
            [
                _rule(
                    "PEPPOL-EN16931-R005",
                    F,
                    "The VAT accounting currency must differ from the invoice currency.",
                    xb(
                        "not(ram:TaxCurrencyCode) or normalize-space(ram:TaxCurrencyCode/text()) != normalize-space(ram:InvoiceCurrencyCode/text())"
                    ),
                ),
                _rule(
                    "PEPPOL-EN16931-R053",
                    F,
                    "At most one tax total amount may be given in the invoice currency."
                    if r053_at_most
                    else "Exactly one tax total amount must be given in the invoice currency.",
                    make_r053(at_most=r053_at_most),
                ),
                _rule(
                    "PEPPOL-EN16931-R054",
                    F,
                    "A tax total amount in the tax currency is required when, and only when, a tax currency code is given.",
                    r054,
                ),
                _rule(
                    "PEPPOL-EN16931-R055",
                    F,
                    "The total VAT in invoice currency and in accounting currency must have the same sign.",
                    r055,
                ),
            ],
        ),
        (
            "//rsm:ExchangedDocument",
            [
                _rule(
                    "PEPPOL-EN16931-R002",
                    F,
                    "At most one document-level note is allowed, and it must not have a subject code.",
                    xb("count(ram:IncludedNote) <= 1 and not(ram:IncludedNote/ram:SubjectCode)"),
                )
            ],
        ),
        (
            "//ram:BuyerTradeParty",
            [
                _rule(
                    "PEPPOL-EN16931-R010",
                    F,
                    "The buyer's electronic address (URIUniversalCommunication/URIID) is missing.",
                    xb("ram:URIUniversalCommunication/ram:URIID"),
                )
            ],
        ),
        (
            "//ram:SellerTradeParty",
            [
                _rule(
                    "PEPPOL-EN16931-R020",
                    F,
                    "The seller's electronic address (URIUniversalCommunication/URIID) is missing.",
                    xb("ram:URIUniversalCommunication/ram:URIID"),
                )
            ],
        ),
        (
            "//ram:SpecifiedTradeAllowanceCharge[ram:CalculationPercent and not(ram:BasisAmount)]",
            [
                _rule(
                    "PEPPOL-EN16931-R041",
                    F,
                    "An allowance/charge with a percentage must also give the base amount.",
                    lambda n: False,
                )
            ],
        ),
        (
            "//ram:SpecifiedTradeAllowanceCharge[not(ram:CalculationPercent) and ram:BasisAmount]",
            [
                _rule(
                    "PEPPOL-EN16931-R042",
                    F,
                    "An allowance/charge with a base amount must also give the percentage.",
                    lambda n: False,
                )
            ],
        ),
        (
            "//ram:SpecifiedTradeAllowanceCharge",
            [
                _rule(
                    "PEPPOL-EN16931-R040",
                    F,
                    "Allowance/charge amount does not equal base amount x percentage / 100.",
                    make_r040(
                        tolerance, amount="ram:ActualAmount", base="ram:BasisAmount", percent="ram:CalculationPercent"
                    ),
                ),
                _rule(r043_ids[0], F, "The allowance/charge indicator must be 'true' or 'false'.", indicator_ok),
            ],
        ),
        (
            "//ram:AppliedTradeAllowanceCharge",
            [_rule(r043_ids[1], F, "The allowance/charge indicator must be 'true' or 'false'.", indicator_ok)],
        ),
        (
            "//ram:SpecifiedTradeSettlementPaymentMeans[normalize-space(ram:TypeCode) = '49' or normalize-space(ram:TypeCode) = '59']",
            [
                _rule(
                    "PEPPOL-EN16931-R061",
                    F,
                    "Direct debit requires the mandate reference (DirectDebitMandateID).",
                    xb("../ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID"),
                )
            ],
        ),
        (
            line_period.format("StartDateTime"),
            [
                _rule(
                    "PEPPOL-EN16931-R110",
                    F,
                    "The line period starts before the invoice period.",
                    make_period_check("StartDateTime"),
                )
            ],
        ),
        (
            line_period.format("EndDateTime"),
            [
                _rule(
                    "PEPPOL-EN16931-R111",
                    F,
                    "The line period ends after the invoice period.",
                    make_period_check("EndDateTime"),
                )
            ],
        ),
        (
            "//ram:IncludedSupplyChainTradeLineItem",
            [
                _rule(
                    "PEPPOL-EN16931-R120",
                    r120_severity,
                    "Line net amount does not equal quantity x (price / base quantity) + line charges - line allowances.",
                    make_r120(tolerance, gross_fallback=r120_gross_fallback),
                ),
                _rule(
                    "PEPPOL-EN16931-R100",
                    F,
                    "A line may reference at most one invoiced object.",
                    r100,
                ),
                _rule(
                    "PEPPOL-EN16931-R101",
                    F,
                    "A line referenced document may only be an invoiced object (type code 130).",
                    r101,
                ),
            ],
        ),
        (
            "//ram:NetPriceProductTradePrice | //ram:GrossPriceProductTradePrice",
            [
                _rule(
                    "PEPPOL-EN16931-R121",
                    F,
                    "The price base quantity must be greater than zero.",
                    make_r121("ram:BasisQuantity"),
                )
            ],
        ),
        (
            "//ram:NetPriceProductTradePrice/ram:BasisQuantity[@unitCode] | //ram:GrossPriceProductTradePrice/ram:BasisQuantity[@unitCode]",
            [
                _rule(
                    "PEPPOL-EN16931-R130",
                    F,
                    "The unit of the price base quantity differs from the billed quantity's unit.",
                    xb("@unitCode = ../../../ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode"),
                )
            ],
        ),
    ]
    table += [
        (_icd(scheme, uri_only), [rule])
        for scheme, uri_only, rule in identifier_rules(italian_vat_endpoint=True, abn_eleven_digits=False)
    ]
    return build_contexts(table, keep, messages)


def transaction_pattern() -> Pattern:
    return Pattern(transaction_contexts(fixed_slack), "transaction")


# --------------------------------------------------------------------------------------------
# National rules
# --------------------------------------------------------------------------------------------


def _vat_ids(party: Element) -> list[str]:
    """String values of the first ID of each tax registration that has a VAT-scheme ID."""
    out = []
    for reg in nodes_at(party, "ram:SpecifiedTaxRegistration"):
        if any(i.get("schemeID") == "VAT" for i in nodes_at(reg, "ram:ID")):
            out.append(first_text(reg, "ram:ID") or "")
    return out


def no_r001(party: Element) -> bool:
    ids = _vat_ids(party)
    if not any(v[:2] == "NO" for v in ids):
        return True
    v = ids[0]
    return v[:2] == "NO" and NO_MVA.search(v[2:]) is not None and mod11(v[2:11])


def norway_pattern() -> Pattern:
    return Pattern(
        [
            ctx(
                when(lambda r: supplier_country(r) == "NO", "//ram:SellerTradeParty"),
                [
                    _rule(
                        "NO-R-002",
                        W,
                        "Norwegian suppliers registered in Foretaksregisteret should state it as tax registration (scheme FC).",
                        xb(
                            "ram:SpecifiedTaxRegistration/ram:ID[@schemeID = 'FC'][normalize-space(text()) = 'Foretaksregisteret']"
                        ),
                    ),
                    _rule(
                        "NO-R-001",
                        F,
                        "A Norwegian VAT number must be NO, nine digits of a valid organisation number and MVA.",
                        no_r001,
                    ),
                ],
            )
        ],
        "norway",
    )


def dk_r004(root: Element) -> bool:
    if not dk_parties(root)[1]:
        return True
    acs = nodes_at(root, f"{_H_SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge")
    if "ZZZ" not in [t for ac in acs for t in texts(ac, "ram:ReasonCode")]:
        return True
    reasons = [r for ac in acs for r in nodes_at(ac, "ram:Reason")]
    if not reasons:
        return False
    first = reasons[0]
    values = [string_value(r) for r in reasons]
    num = xpath_number(values[0])
    four = len(normalize_space(first.text)) == 4 and num >= 0 and any(xpath_number(v) <= 9999 for v in values)
    v = values[0]
    hashed = "#" in v and not v.startswith("#") and not v.endswith("#")
    return four or hashed


def dk_r016(root: Element) -> bool:
    if not (dk_parties(root)[1] and normalize_space(first_text(root, "rsm:ExchangedDocument/ram:TypeCode")) == "381"):
        return True
    e = node_at(root, f"{_H_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount")
    return not (e is not None and xpath_number(e.text) < 0)


def denmark_pattern() -> Pattern:
    dk = lambda r: dk_parties(r)[0]  # noqa: E731
    both = lambda r: all(dk_parties(r))  # noqa: E731
    ref = "substring(../ram:PaymentReference, 0, 4)"
    seller, buyer = f"{_H_AGREEMENT}/ram:SellerTradeParty", f"{_H_AGREEMENT}/ram:BuyerTradeParty"
    return Pattern(
        [
            ctx(
                when(dk, ROOT),
                [
                    _rule(
                        "DK-R-002",
                        F,
                        "Danish suppliers must give their legal entity id.",
                        xb(f"normalize-space({seller}/ram:SpecifiedLegalOrganization/ram:ID/text()) != ''"),
                    ),
                    _rule(
                        "DK-R-004",
                        F,
                        "Non-VAT taxes (reason code ZZZ) must give a 4-digit tax category or a text with an inner '#' as reason.",
                        dk_r004,
                    ),
                    _rule(
                        "DK-R-013",
                        F,
                        "Danish suppliers must give a scheme for the seller's and buyer's global ids.",
                        lambda n: (
                            not (
                                dk_parties(n)[1]
                                and xb(
                                    f"({seller}/ram:GlobalID and normalize-space({seller}/ram:GlobalID/@schemeID) = '') or ({buyer}/ram:GlobalID and normalize-space({buyer}/ram:GlobalID/@schemeID) = '')"
                                )(n)
                            )
                        ),
                    ),
                    _rule(
                        "DK-R-014",
                        F,
                        "Danish suppliers must use scheme 0184 (CVR) for their legal organisation id.",
                        xb(
                            f"not({seller}/ram:SpecifiedLegalOrganization/ram:ID and normalize-space({seller}/ram:SpecifiedLegalOrganization/ram:ID/@schemeID) != '0184')"
                        ),
                    ),
                    _rule(
                        "DK-R-016",
                        F,
                        "A Danish credit note to a Danish buyer must not have a negative amount due.",
                        dk_r016,
                    ),
                ],
            ),
            ctx(
                when(both, f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"),
                [
                    _rule(
                        "DK-R-005",
                        F,
                        "Danish suppliers may only use payment means codes 1, 10, 31, 42, 48, 49, 50, 58, 59, 93 and 97.",
                        xb("contains(' 1 10 31 42 48 49 50 58 59 93 97 ', concat(' ', ram:TypeCode, ' '))"),
                    ),
                    _rule(
                        "DK-R-006",
                        F,
                        "Payment means 31/42 requires account (IBAN) and bank (BIC).",
                        xb(
                            "not((ram:TypeCode = '31' or ram:TypeCode = '42') and not(normalize-space(ram:PayeePartyCreditorFinancialAccount/ram:IBANID/text()) != '' and normalize-space(ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID/text()) != ''))"
                        ),
                    ),
                    _rule(
                        "DK-R-007",
                        F,
                        "Payment means 49 requires creditor reference and mandate id.",
                        xb(
                            "not(ram:TypeCode = '49' and not(normalize-space(../ram:CreditorReferenceID/text()) != '' and normalize-space(ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID/text()) != ''))"
                        ),
                    ),
                    _rule(
                        "DK-R-008",
                        F,
                        "Giro payment (50) requires a payment reference starting with 01#, 04# or 15# and a 7 character giro account.",
                        xb(
                            f"not(ram:TypeCode = '50' and not(({ref} = '01#' or {ref} = '04#' or {ref} = '15#') and string-length(ram:PayeePartyCreditorFinancialAccount/ram:IBANID/text()) = 7))"
                        ),
                    ),
                    _rule(
                        "DK-R-009",
                        F,
                        "Giro payment references starting with 04# or 15# must carry a 16 digit instruction id.",
                        xb(
                            f"not(ram:TypeCode = '50' and ({ref} = '04#' or {ref} = '15#') and not(string-length(../ram:PaymentReference) = 19))"
                        ),
                    ),
                    _rule(
                        "DK-R-010",
                        F,
                        "FIK payment (93) requires a payment reference starting with 71#, 73# or 75# and an 8 character creditor number.",
                        xb(
                            f"not(ram:TypeCode = '93' and not(({ref} = '71#' or {ref} = '73#' or {ref} = '75#') and string-length(ram:PayeePartyCreditorFinancialAccount/ram:IBANID/text()) = 8))"
                        ),
                    ),
                    _rule(
                        "DK-R-011",
                        F,
                        "FIK payment references starting with 71# or 75# must carry a 15-16 digit instruction id.",
                        xb(
                            f"not(ram:TypeCode = '93' and ({ref} = '71#' or {ref} = '75#') and not(string-length(../ram:PaymentReference) = 18 or string-length(../ram:PaymentReference) = 19))"
                        ),
                    ),
                ],
            ),
            ctx(
                when(both, f"{ROOT}/rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem"),
                [
                    _rule(
                        "DK-R-003",
                        W,
                        "Danish suppliers should use UNSPSC version 19.05.01 or 26.08.01 for item classification.",
                        xb(
                            "not(ram:SpecifiedTradeProduct/ram:DesignatedProductClassification/ram:ClassCode/@listID = 'TST' and not(ram:SpecifiedTradeProduct/ram:DesignatedProductClassification/ram:ClassCode/@listVersionID = '19.05.01' or ram:SpecifiedTradeProduct/ram:DesignatedProductClassification/ram:ClassCode/@listVersionID = '19.0501' or ram:SpecifiedTradeProduct/ram:DesignatedProductClassification/ram:ClassCode/@listVersionID = '26.08.01' or ram:SpecifiedTradeProduct/ram:DesignatedProductClassification/ram:ClassCode/@listVersionID = '26.0801'))"
                        ),
                    )
                ],
            ),
        ],
        "denmark",
    )


def italy_pattern() -> Pattern:
    it = lambda r: supplier_country(r) == "IT"  # noqa: E731
    return Pattern(
        [
            ctx(
                when(it, "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration"),
                [
                    _rule(
                        "IT-R-001",
                        F,
                        "[IT-R-001] Italian suppliers: the tax registration id (BT-32) must be 11 to 16 capital letters or digits.",
                        xb(
                            "ram:ID[normalize-space(@schemeID) != 'FC'] or bw:re(normalize-space(ram:ID[normalize-space(@schemeID) = 'FC']), '^[A-Z0-9]{11,16}\\Z')"
                        ),
                    )
                ],
            ),
            ctx(
                when(it, "//ram:SellerTradeParty"),
                [
                    _rule(
                        "IT-R-002",
                        F,
                        "[IT-R-002] Italian suppliers must give the address line 1 (BT-35).",
                        xb("ram:PostalTradeAddress/ram:LineOne"),
                    ),
                    _rule(
                        "IT-R-003",
                        F,
                        "[IT-R-003] Italian suppliers must give the city (BT-37).",
                        xb("ram:PostalTradeAddress/ram:CityName"),
                    ),
                    _rule(
                        "IT-R-004",
                        F,
                        "[IT-R-004] Italian suppliers must give the post code (BT-38).",
                        xb("ram:PostalTradeAddress/ram:PostcodeCode"),
                    ),
                ],
            ),
        ],
        "italy",
    )


def _se_vat(party: Element) -> str:
    for i in nodes_at(party, "ram:SpecifiedTaxRegistration/ram:ID"):
        if i.get("schemeID") == "VAT":
            return string_value(i)
    return ""


def sweden_pattern() -> Pattern:
    seller = f"{AGREEMENT}/ram:SellerTradeParty"
    se_vat = "ram:SpecifiedTaxRegistration[substring(ram:ID[@schemeID = 'VAT'], 1, 2) = 'SE']"
    tax_cond_abs = f"{seller}[ram:PostalTradeAddress/ram:CountryID = 'SE']/{se_vat}"
    sctt_se = f"{ROOT}/rsm:SupplyChainTradeTransaction[ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty[ram:PostalTradeAddress/ram:CountryID = 'SE']"
    pm = "ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementPaymentMeans"

    return Pattern(
        [
            ctx(
                f"{seller}[ram:PostalTradeAddress/ram:CountryID = 'SE' and {se_vat}]",
                se_vat_rules(_se_vat),
            ),
            ctx(
                f"{seller}/ram:SpecifiedLegalOrganization[../ram:PostalTradeAddress/ram:CountryID = 'SE' and ram:ID]",
                se_orgnr_rules("ram:ID"),
            ),
            ctx(
                f"{seller}[ram:PostalTradeAddress/ram:CountryID = 'SE' and ram:SpecifiedLegalOrganization/ram:ID]/ram:SpecifiedTaxRegistration/ram:ID[@schemeID = 'FC']",
                [se_f_skatt_rule()],
            ),
            ctx(
                when(lambda r: has(r, tax_cond_abs), "//ram:ApplicableTradeTax | //ram:CategoryTradeTax"),
                [
                    _rule(
                        "SE-R-006",
                        F,
                        "Swedish suppliers may only use the standard VAT rates 25, 12 or 6.",
                        xb(
                            "number(ram:RateApplicablePercent) = 25 or number(ram:RateApplicablePercent) = 12 or number(ram:RateApplicablePercent) = 6"
                        ),
                    )
                ],
            ),
            ctx(
                f"{sctt_se}]/{pm}[normalize-space(ram:TypeCode) = '30' and normalize-space(ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID) = 'SE:PLUSGIRO']/ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID",
                se_plusgiro_rules(),
            ),
            ctx(
                f"{sctt_se}]/{pm}[normalize-space(ram:TypeCode) = '30' and normalize-space(ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID) = 'SE:BANKGIRO']/ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID",
                se_bankgiro_rules(),
            ),
            ctx(
                f"{sctt_se}]/{pm}[normalize-space(ram:TypeCode) = '50' or normalize-space(ram:TypeCode) = '56']",
                [
                    _rule(
                        "SE-R-011",
                        W,
                        "Swedish Bankgiro/Plusgiro should be given as payment means 30 with SE:BANKGIRO or SE:PLUSGIRO.",
                        lambda n: False,
                    )
                ],
            ),
            ctx(
                f"{sctt_se} and ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty[ram:PostalTradeAddress/ram:CountryID = 'SE']]/{pm}[normalize-space(ram:TypeCode) = '31']",
                [se_domestic_transfer_rule()],
            ),
        ],
        "sweden",
    )


_KVK_OIN: Final = "(contains(concat(' ', @schemeID, ' '), ' 0106 ') or contains(concat(' ', @schemeID, ' '), ' 0190 ')) and normalize-space(.) != ''"


def nl_r007(summation: Element) -> bool:
    root = summation.getroottree().getroot()
    credit = normalize_space(first_text(root, "rsm:ExchangedDocument/ram:TypeCode")) == "381"
    due = decimal_of(summation, "ram:DuePayableAmount")
    if due is not None and ((not credit and due <= 0) or (credit and due >= 0)):
        return True
    return has(root, f"{_H_SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans")


def netherlands_pattern() -> Pattern:
    s = lambda r: nl_parties(r)[0]  # noqa: E731
    sc = lambda r: nl_parties(r)[0] and nl_parties(r)[1]  # noqa: E731
    st = lambda r: nl_parties(r)[0] and nl_parties(r)[2]  # noqa: E731
    address = "ram:LineOne and ram:CityName and ram:PostcodeCode"
    credit_types = " or ".join(f"normalize-space(ram:TypeCode) = '{c}'" for c in ("81", "83", "381", "396", "532"))
    return Pattern(
        [
            ctx(
                when(s, f"{ROOT}/rsm:ExchangedDocument[{credit_types}]"),
                [
                    _rule(
                        "NL-R-001",
                        F,
                        "[NL-R-001] Dutch suppliers: a credit note must reference the invoice it corrects.",
                        xb("//ram:ApplicableHeaderTradeSettlement/ram:InvoiceReferencedDocument/ram:IssuerAssignedID"),
                    )
                ],
            ),
            ctx(
                when(s, f"{AGREEMENT}/ram:SellerTradeParty/ram:PostalTradeAddress"),
                [_rule("NL-R-002", F, "[NL-R-002] Dutch suppliers must give street, city and post code.", xb(address))],
            ),
            ctx(
                when(s, f"{AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID"),
                [
                    _rule(
                        "NL-R-003",
                        F,
                        "[NL-R-003] Dutch suppliers' legal id must be a KVK or OIN number (scheme 0106 or 0190).",
                        xb(_KVK_OIN),
                    )
                ],
            ),
            ctx(
                when(sc, f"{AGREEMENT}/ram:BuyerTradeParty/ram:PostalTradeAddress"),
                [
                    _rule(
                        "NL-R-004",
                        F,
                        "[NL-R-004] Dutch buyers' address must have street, city and post code.",
                        xb(address),
                    )
                ],
            ),
            ctx(
                when(sc, f"{AGREEMENT}/ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID"),
                [
                    _rule(
                        "NL-R-005",
                        F,
                        "[NL-R-005] Dutch buyers' legal id must be a KVK or OIN number (scheme 0106 or 0190).",
                        xb(_KVK_OIN),
                    )
                ],
            ),
            ctx(
                when(st, f"{AGREEMENT}/ram:SellerTaxRepresentativeTradeParty/ram:PostalTradeAddress"),
                [
                    _rule(
                        "NL-R-006",
                        F,
                        "[NL-R-006] A Dutch tax representative's address must have street, city and post code.",
                        xb(address),
                    )
                ],
            ),
            ctx(
                when(s, f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"),
                [
                    _rule(
                        "NL-R-007",
                        F,
                        "[NL-R-007] Dutch suppliers must give payment means when the buyer has to pay.",
                        nl_r007,
                    )
                ],
            ),
            ctx(
                when(sc, f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"),
                [
                    _rule(
                        "NL-R-008",
                        F,
                        "[NL-R-008] Between Dutch parties only payment means 30, 48, 49, 57, 58 or 59 are allowed.",
                        lambda n: (
                            normalize_space(first_text(n, "ram:TypeCode")) in ("30", "48", "49", "57", "58", "59")
                        ),
                    )
                ],
            ),
            ctx(
                when(
                    s,
                    f"{ROOT}/rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeAgreement/ram:BuyerOrderReferencedDocument/ram:LineID",
                ),
                [
                    _rule(
                        "NL-R-009",
                        F,
                        "[NL-R-009] An order line reference requires an order reference on document level.",
                        xb(f"{AGREEMENT}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
                    )
                ],
            ),
        ],
        "netherlands",
    )


# --------------------------------------------------------------------------------------------
# Code lists and formats
# --------------------------------------------------------------------------------------------

P0100_CODES: Final = codes(
    "71 102 218 219 326 331 382 553 817 870 875 876 877 380 383 384 386 388 393 82 80 84 395 575 623 780 381 396 81 83 532"
)
_F001: Final = re.compile(r"20[0-9]{6}")


def _in_list(name: str, value: Callable[[Element], str | None]) -> Callable[[Element], bool]:
    codes = named_codelist("peppol-cii", name)

    def test(node: Element) -> bool:
        return value(node) in codes

    return test


def codelist_pattern() -> Pattern:
    return Pattern(
        [
            ctx(
                "//ram:AttachmentBinaryObject[@mimeCode]",
                [
                    _rule(
                        "PEPPOL-EN16931-CL001",
                        F,
                        "The attachment MIME code is not in the allowed subset.",
                        _in_list("MIMECODE", lambda n: n.get("mimeCode")),
                    )
                ],
            ),
            ctx(
                "//ram:SpecifiedTradeAllowanceCharge[normalize-space(ram:ChargeIndicator/udt:Indicator) = 'false']/ram:ReasonCode",
                [
                    _rule(
                        "PEPPOL-EN16931-CL002",
                        F,
                        "The allowance reason code is not in the UNCL 5189 subset.",
                        _in_list("UNCL5189", own_text),
                    )
                ],
            ),
            ctx(
                "//ram:SpecifiedTradeAllowanceCharge[normalize-space(ram:ChargeIndicator/udt:Indicator) = 'true']/ram:ReasonCode",
                [
                    _rule(
                        "PEPPOL-EN16931-CL003",
                        F,
                        "The charge reason code is not in UNCL 7161.",
                        _in_list("UNCL7161", own_text),
                    )
                ],
            ),
            ctx(
                "//ram:TaxTotalAmount[@currencyID]",
                [
                    _rule(
                        "PEPPOL-EN16931-CL007",
                        F,
                        "The currency code is not an ISO 4217 code.",
                        _in_list("ISO4217", lambda n: n.get("currencyID")),
                    )
                ],
            ),
            ctx(
                "//ram:ExchangedDocument/ram:TypeCode",
                [
                    _rule(
                        "PEPPOL-EN16931-P0100",
                        F,
                        "The document type code is not allowed for billing profile 01.",
                        lambda n: profile(n) != "01" or own_text(n) in P0100_CODES,
                    )
                ],
            ),
            ctx(
                "//udt:DateTimeString",
                [
                    _rule(
                        "PEPPOL-EN16931-F001",
                        F,
                        "A date must be written YYYYMMDD (format 102).",
                        lambda n: (
                            normalize_space(n.get("format")) == "102"
                            and len(n.text or "") == 8
                            and _F001.search(normalize_space(n.text)) is not None
                        ),
                    )
                ],
            ),
            ctx(
                "//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID | //ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID",
                [
                    _rule(
                        "PEPPOL-EN16931-CL008",
                        F,
                        "The electronic address scheme is not in the EAS code list.",
                        _in_list("eaid", lambda n: n.get("schemeID")),
                    )
                ],
            ),
        ],
        "codelists",
    )


RULESET: Final = PeppolRuleSet(
    "Peppol BIS Billing 3.0 CII",
    [
        transaction_pattern(),
        norway_pattern(),
        denmark_pattern(),
        italy_pattern(),
        sweden_pattern(),
        netherlands_pattern(),
        codelist_pattern(),
    ],
)
