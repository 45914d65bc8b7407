"""XRechnung 3.0 CIUS rules for UN/CEFACT CII (KoSIT pack, incl. merged Peppol rules).

Patterns mirror the pack (``peppol-cii-pattern-1``, ``-0-a``, ``-0-b``, ``cii-pattern``,
``cii-extension-pattern``, ``cii-cvd-pattern``) so *first match wins* behaves the same. CII has
no dedicated element for the direct-debit group BG-19; like the pack we treat it as present when
any of its three mandatory terms (BT-89, BT-90, BT-91) is present.
"""

# Rule tables carry the official element paths and our messages verbatim; wrapping them would hurt
# reading them side by side with the pack, so long lines are accepted in this module.

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Final, cast

from lxml import etree

from belegwerk.rules.engine import AnyNode, Element, Pattern, Rule, Severity
from belegwerk.rules.functions import normalize_space
from belegwerk.rules.peppol_cii import document_currencies, r046, transaction_contexts
from belegwerk.rules.peppol_common import (
    EMPTY,
    Index,
    any_filled,
    ctx,
    empty_element_pattern,
    empty_elements,
    has,
    node_at,
    nodes_at,
    per_document,
    prologue,
    string_value,
    when,
    xb,
    xs,
)
from belegwerk.rules.xrechnung_common import (
    SUPPORTED_TYPE_CODES,
    VAT_CODES_NEEDING_SELLER_TAX_ID,
    XR_CVD_ID,
    XR_EXTENSION_ID,
    XR_IDS,
    Failures,
    NativePattern,
    XRechnungRuleSet,
    attachment_mime_rule,
    clark_path,
    classification_rules,
    credit_transfer_iban_rule,
    cva_rule,
    direct_debit_iban_rule,
    email_ok,
    email_rule,
    gated,
    iban_ok,
    scheme_contexts,
    skonto_note_ok,
    skonto_rule,
    telephone_ok,
    telephone_rule,
    url_ok,
    url_rule,
    xpath_in,
)
from belegwerk.xml.ns import NSMAP

F, W, INFO = Severity.FATAL, Severity.WARNING, Severity.INFORMATION
ROOT: Final = "/rsm:CrossIndustryInvoice"
SCTT: Final = f"{ROOT}/rsm:SupplyChainTradeTransaction"
AGREEMENT: Final = f"{SCTT}/ram:ApplicableHeaderTradeAgreement"
SETTLEMENT: Final = f"{SCTT}/ram:ApplicableHeaderTradeSettlement"
_H_SETTLEMENT: Final = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"


def _rule(rid: str, sev: Severity, msg: str, test: Callable[[Element], bool]) -> Rule:
    return Rule(rid, sev, msg, test)


# --------------------------------------------------------------------------------------------
# Document-level variables
# --------------------------------------------------------------------------------------------


@per_document
def _slack_value(root: Element) -> Decimal:
    return Decimal("0.5") if "HUF" in document_currencies(root) else Decimal("0.02")


_guideline: Final = etree.XPath(
    "boolean(/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID[text() = $id])",
    namespaces=NSMAP,
)


@per_document
def is_extension(root: Element) -> bool:
    """The document declares the XRechnung Extension identifier."""
    return bool(_guideline(root, id=XR_EXTENSION_ID))


@per_document
def is_cvd(root: Element) -> bool:
    """The document declares the XRechnung CVD identifier."""
    return bool(_guideline(root, id=XR_CVD_ID))


# --------------------------------------------------------------------------------------------
# Merged Peppol rules
# --------------------------------------------------------------------------------------------


def _empty_except_delivery(root: Element) -> list[Element]:
    """Empty elements except ``ram:ApplicableHeaderTradeDelivery`` (compared by prefixed name, as the pack)."""
    return [
        e
        for e in empty_elements(root)
        # the prefix is None for a default namespace (the lxml stubs say str): read it untyped
        if not (cast(AnyNode, e).prefix == "ram" and etree.QName(e).localname == "ApplicableHeaderTradeDelivery")
    ]


#: The Peppol rules the KoSIT pack merges into ``peppol-cii-pattern-1`` (R008 is pattern 0-a,
#: R044/R046 on the gross price, which the Peppol CII pack does not have, pattern 0-b).
MERGED_PEPPOL_RULES: Final = frozenset(
    f"PEPPOL-EN16931-{n}"
    for n in (
        "R001", "R005", "R053", "R054", "R055", "R010", "R020", "R041", "R042", "R040", "R043-1", "R043-2",
        "R061", "R110", "R111", "R120", "R101", "R121", "R130",
    )
)  # fmt: skip
#: Where our messages for the merged copy say more than the Peppol pack's.
_MERGED_MESSAGES: Final = {
    "PEPPOL-EN16931-R001": "The business process (BusinessProcessSpecifiedDocumentContextParameter/ID) is missing.",
    "PEPPOL-EN16931-R043-2": "The price allowance/charge indicator must be 'true' or 'false'.",
}


def peppol_patterns(tolerance: Callable[[Element], Decimal], r120_severity: Severity) -> list[Pattern]:
    """The Peppol rules KoSIT merged into the XRechnung CII pack, built from the Peppol pack's table."""
    merged = transaction_contexts(
        tolerance,
        keep=MERGED_PEPPOL_RULES,
        r120_severity=r120_severity,
        r120_gross_fallback=True,
        r053_at_most=True,
        r043_ids=("PEPPOL-EN16931-R043-1", "PEPPOL-EN16931-R043-2"),
        transaction="/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction",
        messages=_MERGED_MESSAGES,
    )
    main = Pattern(merged, "peppol-cii-pattern-1")
    empty = empty_element_pattern(_empty_except_delivery, "peppol-cii-pattern-0-a")
    gross = Pattern(
        [
            ctx(
                "//rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeAgreement/ram:GrossPriceProductTradePrice",
                [
                    _rule(
                        "PEPPOL-EN16931-R044",
                        F,
                        "Charges are not allowed on price level; the indicator must be 'false'.",
                        xb(
                            "not(ram:AppliedTradeAllowanceCharge/ram:ActualAmount) or ram:AppliedTradeAllowanceCharge/ram:ChargeIndicator/udt:Indicator = 'false'"
                        ),
                    ),
                    _rule(
                        "PEPPOL-EN16931-R046",
                        F,
                        "Net price does not equal gross price minus the price allowance.",
                        r046,
                    ),
                ],
            )
        ],
        "peppol-cii-pattern-0-b",
    )
    return [main, empty, gross]


# --------------------------------------------------------------------------------------------
# CIUS rules
# --------------------------------------------------------------------------------------------

_BT89: Final = f"{_H_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID"
_BT90: Final = f"{_H_SETTLEMENT}/ram:CreditorReferenceID"
_BT91: Final = (
    f"{_H_SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans/ram:PayerPartyDebtorFinancialAccount/ram:IBANID"
)


def _direct_debit_terms(root: Element) -> tuple[bool, bool, bool]:
    return (
        has(root, _BT89),
        has(root, _BT90),
        has(root, _BT91),
    )


def br_de_30(root: Element) -> bool:
    b89, b90, b91 = _direct_debit_terms(root)
    return ((b89 or b91) and b90) or not (b89 or b90 or b91)


def br_de_31(root: Element) -> bool:
    b89, b90, b91 = _direct_debit_terms(root)
    return ((b89 or b90) and b91) or not (b89 or b90 or b91)


_ARD: Final = xs("//ram:AdditionalReferencedDocument")


def br_de_22(root: Element) -> bool:
    """File names of attachments must be unique among sibling referenced documents."""
    seen: dict[object, set[str]] = {}
    for ard in _ARD(root):
        names = {
            e.get("filename", "") for e in nodes_at(ard, "ram:AttachmentBinaryObject") if e.get("filename") is not None
        }
        bucket = seen.setdefault(ard.getparent(), set())
        if names & bucket:
            return False
        bucket |= names
    return True


def br_tmp_3(line: Element) -> bool:
    """Base quantities of gross and net price must agree (value and unit)."""
    agreement = node_at(line, "ram:SpecifiedLineTradeAgreement")
    if agreement is None:
        return True
    gross = nodes_at(agreement, "ram:GrossPriceProductTradePrice/ram:BasisQuantity")
    net = nodes_at(agreement, "ram:NetPriceProductTradePrice/ram:BasisQuantity")
    if not (gross and net):
        return True
    same_value = any(string_value(g) == string_value(n) for g in gross for n in net)
    gu = [g.get("unitCode") for g in gross if g.get("unitCode") is not None]
    nu = [n.get("unitCode") for n in net if n.get("unitCode") is not None]
    same_unit = not (nu and gu) or any(a == b for a in gu for b in nu)
    return same_value and same_unit


def cius_pattern() -> Pattern:
    pm = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"

    def codes(*cs: str) -> str:
        return pm + "[" + " or ".join(f"normalize-space(ram:TypeCode) = '{c}'" for c in cs) + "]"

    dd_present = f"/rsm:CrossIndustryInvoice/{_BT89} or /rsm:CrossIndustryInvoice/{_BT90} or ram:PayerPartyDebtorFinancialAccount/ram:IBANID"
    return NativePattern(
        [
            ctx(
                ROOT,
                [
                    _rule(
                        "BR-DE-30",
                        F,
                        "Direct debit (BG-19) requires the bank assigned creditor identifier (BT-90).",
                        br_de_30,
                    ),
                    _rule(
                        "BR-DE-31", F, "Direct debit (BG-19) requires the debited account identifier (BT-91).", br_de_31
                    ),
                    _rule(
                        "BR-DE-1",
                        F,
                        "Payment instructions (BG-16) are missing.",
                        xb(f"{_H_SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"),
                    ),
                    _rule(
                        "BR-DE-15",
                        F,
                        "The buyer reference (BT-10) is missing.",
                        xb(
                            "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerReference[normalize-space(.)]"
                        ),
                    ),
                    _rule(
                        "BR-DE-16",
                        F,
                        "VAT category S, Z, E, AE, K, G, L or M is used, but neither a seller VAT/tax registration id (BT-31/BT-32) nor a tax representative (BG-11) is given.",
                        xb(
                            f"not((rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:TypeCode = 'VAT' and {xpath_in('rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode', VAT_CODES_NEEDING_SELLER_TAX_ID)})"
                            f" or (rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeAllowanceCharge/ram:CategoryTradeTax = 'VAT' and {xpath_in('rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeAllowanceCharge/ram:CategoryTradeTax/ram:CategoryCode', VAT_CODES_NEEDING_SELLER_TAX_ID)}))"
                            " or rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[normalize-space(@schemeID) = 'VA' or normalize-space(@schemeID) = 'FC'][normalize-space(.)]"
                            " or rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTaxRepresentativeTradeParty"
                        ),
                    ),
                    _rule(
                        "BR-DE-17",
                        W,
                        "The invoice type code (BT-3) should be one of 326, 380, 381, 384, 389, 875, 876, 877.",
                        xb(xpath_in("normalize-space(rsm:ExchangedDocument/ram:TypeCode)", SUPPORTED_TYPE_CODES)),
                    ),
                    skonto_rule(f"{_H_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:Description[1]"),
                    _rule("BR-DE-22", F, "The file names of attachments must be unique.", br_de_22),
                    _rule(
                        "BR-DE-26",
                        W,
                        "A corrected invoice (type code 384) should reference the preceding invoice (BG-3).",
                        xb(
                            f"not(normalize-space(rsm:ExchangedDocument/ram:TypeCode) = '384') or {_H_SETTLEMENT}/ram:InvoiceReferencedDocument"
                        ),
                    ),
                ],
            ),
            ctx(
                f"{ROOT}/rsm:ExchangedDocumentContext",
                [
                    _rule(
                        "BR-DE-21",
                        W,
                        "The specification identifier (BT-24) should be an XRechnung identifier.",
                        xb(xpath_in("ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", XR_IDS)),
                    )
                ],
            ),
            ctx(
                f"{AGREEMENT}/ram:SellerTradeParty",
                [_rule("BR-DE-2", F, "The seller contact (BG-6) is missing.", xb("ram:DefinedTradeContact"))],
            ),
            ctx(
                f"{AGREEMENT}/ram:SellerTradeParty/ram:PostalTradeAddress",
                [
                    _rule("BR-DE-3", F, "The seller city (BT-37) is missing.", xb("ram:CityName[normalize-space(.)]")),
                    _rule(
                        "BR-DE-4",
                        F,
                        "The seller post code (BT-38) is missing.",
                        xb("ram:PostcodeCode[normalize-space(.)]"),
                    ),
                ],
            ),
            ctx(
                f"{AGREEMENT}/ram:SellerTradeParty/ram:DefinedTradeContact",
                [
                    _rule(
                        "BR-DE-5",
                        F,
                        "The seller contact point (BT-41) is missing.",
                        xb("(ram:PersonName | ram:DepartmentName)[normalize-space(.)]"),
                    ),
                    _rule(
                        "BR-DE-6",
                        F,
                        "The seller contact telephone number (BT-42) is missing.",
                        xb("ram:TelephoneUniversalCommunication/ram:CompleteNumber[normalize-space(.)]"),
                    ),
                    _rule(
                        "BR-DE-7",
                        F,
                        "The seller contact email address (BT-43) is missing.",
                        xb("ram:EmailURIUniversalCommunication/ram:URIID[normalize-space(.)]"),
                    ),
                    telephone_rule("ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
                    email_rule("ram:EmailURIUniversalCommunication/ram:URIID"),
                ],
            ),
            ctx(
                f"{AGREEMENT}/ram:BuyerTradeParty/ram:PostalTradeAddress",
                [
                    _rule("BR-DE-8", F, "The buyer city (BT-52) is missing.", xb("ram:CityName[normalize-space(.)]")),
                    _rule(
                        "BR-DE-9",
                        F,
                        "The buyer post code (BT-53) is missing.",
                        xb("ram:PostcodeCode[normalize-space(.)]"),
                    ),
                ],
            ),
            ctx(
                f"{AGREEMENT}/ram:AdditionalReferencedDocument[ram:TypeCode = '916']",
                [url_rule("ram:URIID", uri_required=False)],
            ),
            ctx(
                f"{SCTT}/ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty/ram:PostalTradeAddress",
                [
                    _rule(
                        "BR-DE-10", F, "The deliver-to city (BT-77) is missing.", xb("ram:CityName[normalize-space(.)]")
                    ),
                    _rule(
                        "BR-DE-11",
                        F,
                        "The deliver-to post code (BT-78) is missing.",
                        xb("ram:PostcodeCode[normalize-space(.)]"),
                    ),
                ],
            ),
            ctx(
                codes("30", "58"),
                [
                    credit_transfer_iban_rule("ram:TypeCode", "ram:PayeePartyCreditorFinancialAccount/ram:IBANID"),
                    _rule(
                        "BR-DE-23-a",
                        F,
                        "Credit transfer (code 30/58) requires the credit transfer group (BG-17).",
                        xb("ram:PayeePartyCreditorFinancialAccount"),
                    ),
                    _rule(
                        "BR-DE-23-b",
                        F,
                        "Credit transfer (code 30/58) must not carry card (BG-18) or direct debit (BG-19) information.",
                        xb(f"not(ram:ApplicableTradeSettlementFinancialCard) and not({dd_present})"),
                    ),
                ],
            ),
            ctx(
                codes("48", "54", "55"),
                [
                    _rule(
                        "BR-DE-24-a",
                        F,
                        "Card payment (code 48/54/55) requires the payment card group (BG-18).",
                        xb("ram:ApplicableTradeSettlementFinancialCard"),
                    ),
                    _rule(
                        "BR-DE-24-b",
                        F,
                        "Card payment (code 48/54/55) must not carry credit transfer (BG-17) or direct debit (BG-19) information.",
                        xb(f"not(ram:PayeePartyCreditorFinancialAccount) and not({dd_present})"),
                    ),
                ],
            ),
            ctx(
                codes("59"),
                [
                    direct_debit_iban_rule("ram:PayerPartyDebtorFinancialAccount/ram:IBANID"),
                    _rule(
                        "BR-DE-25-a",
                        F,
                        "Direct debit (code 59) requires the direct debit group (BG-19).",
                        xb(dd_present),
                    ),
                    _rule(
                        "BR-DE-25-b",
                        F,
                        "Direct debit (code 59) must not carry credit transfer (BG-17) or card (BG-18) information.",
                        xb(
                            "not(ram:PayeePartyCreditorFinancialAccount) and not(ram:PayeeSpecifiedCreditorFinancialInstitution) and not(ram:PayerSpecifiedDebtorFinancialInstitution) and not(ram:ApplicableTradeSettlementFinancialCard)"
                        ),
                    ),
                ],
            ),
            ctx(
                f"{SETTLEMENT}/ram:ApplicableTradeTax",
                [
                    _rule(
                        "BR-DE-14",
                        F,
                        "The VAT category rate (BT-119) is missing.",
                        xb("ram:RateApplicablePercent[normalize-space(.)]"),
                    )
                ],
            ),
            ctx(
                SCTT,
                [
                    _rule(
                        "BR-DE-TMP-32",
                        INFO,
                        "A delivery date (BT-72), an invoicing period (BG-14) or a period on every line (BG-26) should be given.",
                        xb(
                            "ram:ApplicableHeaderTradeDelivery/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime or ram:ApplicableHeaderTradeSettlement/ram:BillingSpecifiedPeriod or not(ram:IncludedSupplyChainTradeLineItem[not(ram:SpecifiedLineTradeSettlement/ram:BillingSpecifiedPeriod)])"
                        ),
                    )
                ],
            ),
            ctx(
                f"{SCTT}/ram:IncludedSupplyChainTradeLineItem",
                [
                    _rule(
                        "BR-TMP-3",
                        F,
                        "Gross and net price base quantities (BT-149) and their units (BT-150) must be identical when both are given.",
                        br_tmp_3,
                    )
                ],
            ),
        ],
        "cii-pattern",
        cius_check,
    )


# --------------------------------------------------------------------------------------------
# The CIUS pattern, natively (same failures as its contexts above, see NativePattern)
# --------------------------------------------------------------------------------------------

_P_ROOT: Final = clark_path("rsm:CrossIndustryInvoice")
_P_CONTEXT: Final = (*_P_ROOT, *clark_path("rsm:ExchangedDocumentContext"))
_P_DOCUMENT: Final = (*_P_ROOT, *clark_path("rsm:ExchangedDocument"))
_P_SCTT: Final = (*_P_ROOT, *clark_path("rsm:SupplyChainTradeTransaction"))
_P_GUIDELINE_ID: Final = (*_P_CONTEXT, *clark_path("ram:GuidelineSpecifiedDocumentContextParameter", "ram:ID"))
_P_AGREEMENT: Final = (*_P_SCTT, *clark_path("ram:ApplicableHeaderTradeAgreement"))
_P_DELIVERY: Final = (*_P_SCTT, *clark_path("ram:ApplicableHeaderTradeDelivery"))
_P_SETTLEMENT: Final = (*_P_SCTT, *clark_path("ram:ApplicableHeaderTradeSettlement"))
_P_SELLER: Final = (*_P_AGREEMENT, *clark_path("ram:SellerTradeParty"))
_P_SELLER_ADDRESS: Final = (*_P_SELLER, *clark_path("ram:PostalTradeAddress"))
_P_SELLER_CONTACT: Final = (*_P_SELLER, *clark_path("ram:DefinedTradeContact"))
_P_BUYER_ADDRESS: Final = (*_P_AGREEMENT, *clark_path("ram:BuyerTradeParty", "ram:PostalTradeAddress"))
_P_AGREEMENT_DOCS: Final = (*_P_AGREEMENT, *clark_path("ram:AdditionalReferencedDocument"))
_P_SHIP_TO_ADDRESS: Final = (*_P_DELIVERY, *clark_path("ram:ShipToTradeParty", "ram:PostalTradeAddress"))
_P_MEANS: Final = (*_P_SETTLEMENT, *clark_path("ram:SpecifiedTradeSettlementPaymentMeans"))
_P_HEADER_TAX: Final = (*_P_SETTLEMENT, *clark_path("ram:ApplicableTradeTax"))
_P_LINES: Final = (*_P_SCTT, *clark_path("ram:IncludedSupplyChainTradeLineItem"))
_P_BT89: Final = (*_P_SETTLEMENT, *clark_path("ram:SpecifiedTradePaymentTerms", "ram:DirectDebitMandateID"))
_P_BT90: Final = (*_P_SETTLEMENT, *clark_path("ram:CreditorReferenceID"))
_P_BT91: Final = (
    *_P_MEANS,
    *clark_path("ram:PayerPartyDebtorFinancialAccount", "ram:IBANID"),
)

_T_ARD: Final = clark_path("ram:AdditionalReferencedDocument")[0]
_T_ATTACHMENT: Final = clark_path("ram:AttachmentBinaryObject")[0]
_T_TYPE_CODE: Final = clark_path("ram:TypeCode")[0]
_T_CATEGORY_CODE: Final = clark_path("ram:CategoryCode")[0]
_T_CITY: Final = clark_path("ram:CityName")[0]
_T_POSTCODE: Final = clark_path("ram:PostcodeCode")[0]
_T_ID: Final = clark_path("ram:ID")[0]
_T_CONTACT: Final = _P_SELLER_CONTACT[-1]
_T_PAYEE_ACCOUNT: Final = clark_path("ram:PayeePartyCreditorFinancialAccount")[0]
_T_PAYER_ACCOUNT: Final = clark_path("ram:PayerPartyDebtorFinancialAccount")[0]
_T_CARD: Final = clark_path("ram:ApplicableTradeSettlementFinancialCard")[0]
_T_IBAN: Final = clark_path("ram:IBANID")[0]
_T_RATE: Final = clark_path("ram:RateApplicablePercent")[0]
_T_PERIOD: Final = clark_path("ram:BillingSpecifiedPeriod")[0]
_T_LINE_SETTLEMENT: Final = clark_path("ram:SpecifiedLineTradeSettlement")[0]
_T_LINE_AGREEMENT: Final = clark_path("ram:SpecifiedLineTradeAgreement")[0]
_T_BASIS_QUANTITY: Final = clark_path("ram:BasisQuantity")[0]
_R_BUYER_REFERENCE: Final = clark_path("ram:BuyerReference")
_R_LINE_TAX: Final = clark_path("ram:SpecifiedLineTradeSettlement", "ram:ApplicableTradeTax")
_R_HEADER_AC_TAX: Final = clark_path("ram:SpecifiedTradeAllowanceCharge", "ram:CategoryTradeTax")
_R_SELLER_TAX_ID: Final = clark_path("ram:SellerTradeParty", "ram:SpecifiedTaxRegistration", "ram:ID")
_R_TAX_REPRESENTATIVE: Final = clark_path("ram:SellerTaxRepresentativeTradeParty")
_R_NOTES: Final = clark_path("ram:SpecifiedTradePaymentTerms")
_T_DESCRIPTION: Final = clark_path("ram:Description")[0]
_R_PRECEDING: Final = clark_path("ram:InvoiceReferencedDocument")
_R_GUIDELINE_ID: Final = clark_path("ram:GuidelineSpecifiedDocumentContextParameter", "ram:ID")
_R_PHONE: Final = clark_path("ram:TelephoneUniversalCommunication", "ram:CompleteNumber")
_R_EMAIL: Final = clark_path("ram:EmailURIUniversalCommunication", "ram:URIID")
_T_PERSON: Final = clark_path("ram:PersonName")[0]
_T_DEPARTMENT: Final = clark_path("ram:DepartmentName")[0]
_R_URI: Final = clark_path("ram:URIID")
_R_PAYEE_IBAN: Final = clark_path("ram:PayeePartyCreditorFinancialAccount", "ram:IBANID")
_R_PAYER_IBAN: Final = clark_path("ram:PayerPartyDebtorFinancialAccount", "ram:IBANID")
_T_PAYEE_INSTITUTION: Final = clark_path("ram:PayeeSpecifiedCreditorFinancialInstitution")[0]
_T_PAYER_INSTITUTION: Final = clark_path("ram:PayerSpecifiedDebtorFinancialInstitution")[0]
_R_DELIVERY_DATE: Final = clark_path(
    "ram:ApplicableHeaderTradeDelivery", "ram:ActualDeliverySupplyChainEvent", "ram:OccurrenceDateTime"
)
_R_HEADER_PERIOD: Final = clark_path("ram:ApplicableHeaderTradeSettlement", "ram:BillingSpecifiedPeriod")
_R_LINE_PERIOD: Final = clark_path("ram:SpecifiedLineTradeSettlement", "ram:BillingSpecifiedPeriod")
_R_GROSS_BQ: Final = clark_path("ram:GrossPriceProductTradePrice", "ram:BasisQuantity")
_R_NET_BQ: Final = clark_path("ram:NetPriceProductTradePrice", "ram:BasisQuantity")
_CREDIT_TRANSFER: Final = frozenset({"30", "58"})
_CARD_PAYMENT: Final = frozenset({"48", "54", "55"})


def _any_value_in(nodes: list[Element], codes: frozenset[str]) -> bool:
    """XPath ``path = 'a' or path = 'b' ...``: some string value is one of ``codes``."""
    return any(string_value(e) in codes for e in nodes)


def _ns_first(nodes: list[Element]) -> str:
    """``normalize-space(path)``: the first selected element's value, normalised."""
    return normalize_space(string_value(nodes[0])) if nodes else ""


def _br_de_16(ix: Index, root: Element, sctt: list[Element]) -> bool:
    line_tax = [t for s in sctt for ln in ix.kids(s, _P_LINES[-1]) for t in ix.below(ln, _R_LINE_TAX)]
    by_lines = _any_value_in([c for t in line_tax for c in ix.kids(t, _T_TYPE_CODE)], frozenset({"VAT"})) and (
        _any_value_in([c for t in line_tax for c in ix.kids(t, _T_CATEGORY_CODE)], VAT_CODES_NEEDING_SELLER_TAX_ID)
    )
    if not by_lines:
        header = [t for s in sctt for st in ix.kids(s, _P_SETTLEMENT[-1]) for t in ix.below(st, _R_HEADER_AC_TAX)]
        by_header = _any_value_in(header, frozenset({"VAT"})) and _any_value_in(
            [c for t in header for c in ix.kids(t, _T_CATEGORY_CODE)], VAT_CODES_NEEDING_SELLER_TAX_ID
        )
        if not by_header:
            return True
    agreements = [a for s in sctt for a in ix.kids(s, _P_AGREEMENT[-1])]
    for a in agreements:
        for tax_id in ix.below(a, _R_SELLER_TAX_ID):
            if normalize_space(tax_id.get("schemeID")) in ("VA", "FC") and normalize_space(string_value(tax_id)):
                return True
    return any(ix.has(a, _R_TAX_REPRESENTATIVE) for a in agreements)


def _br_de_22(ix: Index) -> bool:
    seen: dict[Element | None, set[str]] = {}
    for ard in ix.by_tag.get(_T_ARD, EMPTY):
        names = {v for e in ix.kids(ard, _T_ATTACHMENT) if (v := e.get("filename")) is not None}
        bucket = seen.setdefault(ard.getparent(), set())
        if names & bucket:
            return False
        bucket |= names
    return True


def _root_failures(ix: Index, root: Element, out: Failures) -> None:
    sctt = ix.kids(root, _P_SCTT[-1])
    settlements = [st for s in sctt for st in ix.kids(s, _P_SETTLEMENT[-1])]
    b89, b90, b91 = bool(ix.at(_P_BT89)), bool(ix.at(_P_BT90)), bool(ix.at(_P_BT91))
    if not (((b89 or b91) and b90) or not (b89 or b90 or b91)):
        out.append((root, "BR-DE-30"))
    if not (((b89 or b90) and b91) or not (b89 or b90 or b91)):
        out.append((root, "BR-DE-31"))
    if not any(ix.kids(st, _P_MEANS[-1]) for st in settlements):
        out.append((root, "BR-DE-1"))
    if not any(ix.filled(a, _R_BUYER_REFERENCE) for s in sctt for a in ix.kids(s, _P_AGREEMENT[-1])):
        out.append((root, "BR-DE-15"))
    if not _br_de_16(ix, root, sctt):
        out.append((root, "BR-DE-16"))
    type_code = _ns_first([c for d in ix.kids(root, _P_DOCUMENT[-1]) for c in ix.kids(d, _T_TYPE_CODE)])
    if type_code not in SUPPORTED_TYPE_CODES:
        out.append((root, "BR-DE-17"))
    notes = [n for st in settlements for t in ix.below(st, _R_NOTES) for n in ix.kids(t, _T_DESCRIPTION)[:1]]
    if not all(skonto_note_ok(string_value(n)) for n in notes):
        out.append((root, "BR-DE-18"))
    if not _br_de_22(ix):
        out.append((root, "BR-DE-22"))
    if type_code == "384" and not any(ix.has(st, _R_PRECEDING) for st in settlements):
        out.append((root, "BR-DE-26"))


def _address_failures(ix: Index, path: tuple[str, ...], city: str, postcode: str, out: Failures) -> None:
    for address in ix.at(path):
        if not any_filled(ix.kids(address, _T_CITY)):
            out.append((address, city))
        if not any_filled(ix.kids(address, _T_POSTCODE)):
            out.append((address, postcode))


def _means_failures(ix: Index, root: Element, out: Failures) -> None:
    means = ix.at(_P_MEANS)
    if not means:
        return
    header_dd = bool(ix.at(_P_BT89)) or bool(ix.at(_P_BT90))
    coded = [(m, _ns_first(ix.kids(m, _T_TYPE_CODE))) for m in means]
    for m, code in coded:
        if code in _CREDIT_TRANSFER:
            if code == "58" and not iban_ok(ix.first_value(m, _R_PAYEE_IBAN)):
                out.append((m, "BR-DE-19"))
            if not ix.kids(m, _T_PAYEE_ACCOUNT):
                out.append((m, "BR-DE-23-a"))
            if ix.kids(m, _T_CARD) or header_dd or ix.has(m, _R_PAYER_IBAN):
                out.append((m, "BR-DE-23-b"))
    for m, code in coded:
        if code in _CARD_PAYMENT:
            if not ix.kids(m, _T_CARD):
                out.append((m, "BR-DE-24-a"))
            if ix.kids(m, _T_PAYEE_ACCOUNT) or header_dd or ix.has(m, _R_PAYER_IBAN):
                out.append((m, "BR-DE-24-b"))
    for m, code in coded:
        if code == "59":
            if not iban_ok(ix.first_value(m, _R_PAYER_IBAN)):
                out.append((m, "BR-DE-20"))
            if not (header_dd or ix.has(m, _R_PAYER_IBAN)):
                out.append((m, "BR-DE-25-a"))
            if (
                ix.kids(m, _T_PAYEE_ACCOUNT)
                or ix.kids(m, _T_PAYEE_INSTITUTION)
                or ix.kids(m, _T_PAYER_INSTITUTION)
                or ix.kids(m, _T_CARD)
            ):
                out.append((m, "BR-DE-25-b"))


def _br_tmp_3(ix: Index, line: Element) -> bool:
    agreement = ix.kid(line, _T_LINE_AGREEMENT)
    if agreement is None:
        return True
    gross = ix.below(agreement, _R_GROSS_BQ)
    net = ix.below(agreement, _R_NET_BQ)
    if not (gross and net):
        return True
    same_value = any(string_value(g) == string_value(n) for g in gross for n in net)
    gu = [u for g in gross if (u := g.get("unitCode")) is not None]
    nu = [u for n in net if (u := n.get("unitCode")) is not None]
    same_unit = not (nu and gu) or any(a == b for a in gu for b in nu)
    return same_value and same_unit


def _guideline_ids(ix: Index) -> list[Element]:
    """The specification identifier elements (BT-24) :func:`is_extension` and :func:`is_cvd` read."""
    return ix.at(_P_GUIDELINE_ID)


def cius_check(root: Element, ix: Index) -> Failures:
    """The failures of :func:`cius_pattern` (``cii-pattern``), computed from the index."""
    out: Failures = []
    if not ix.at(_P_ROOT):
        return out  # every context is anchored at /rsm:CrossIndustryInvoice
    _root_failures(ix, root, out)
    for context in ix.at(_P_CONTEXT):
        if not _any_value_in(ix.below(context, _R_GUIDELINE_ID), XR_IDS):
            out.append((context, "BR-DE-21"))
    for seller in ix.at(_P_SELLER):
        if not ix.kids(seller, _T_CONTACT):
            out.append((seller, "BR-DE-2"))
    _address_failures(ix, _P_SELLER_ADDRESS, "BR-DE-3", "BR-DE-4", out)
    for contact in ix.at(_P_SELLER_CONTACT):
        if not (any_filled(ix.kids(contact, _T_PERSON)) or any_filled(ix.kids(contact, _T_DEPARTMENT))):
            out.append((contact, "BR-DE-5"))
        phones = ix.below(contact, _R_PHONE)
        mails = ix.below(contact, _R_EMAIL)
        if not any_filled(phones):
            out.append((contact, "BR-DE-6"))
        if not any_filled(mails):
            out.append((contact, "BR-DE-7"))
        if not telephone_ok(string_value(phones[0]) if phones else None):
            out.append((contact, "BR-DE-27"))
        if not email_ok(string_value(mails[0]) if mails else None):
            out.append((contact, "BR-DE-28"))
    _address_failures(ix, _P_BUYER_ADDRESS, "BR-DE-8", "BR-DE-9", out)
    for ard in ix.at(_P_AGREEMENT_DOCS):
        if _any_value_in(ix.kids(ard, _T_TYPE_CODE), frozenset({"916"})):
            uris = ix.below(ard, _R_URI)
            if uris and not url_ok(string_value(uris[0])):
                out.append((ard, "BR-TMP-2"))
    _address_failures(ix, _P_SHIP_TO_ADDRESS, "BR-DE-10", "BR-DE-11", out)
    _means_failures(ix, root, out)
    for tax in ix.at(_P_HEADER_TAX):
        if not any_filled(ix.kids(tax, _T_RATE)):
            out.append((tax, "BR-DE-14"))
    for sctt in ix.at(_P_SCTT):
        if not (
            ix.has(sctt, _R_DELIVERY_DATE)
            or ix.has(sctt, _R_HEADER_PERIOD)
            or all(ix.has(ln, _R_LINE_PERIOD) for ln in ix.kids(sctt, _P_LINES[-1]))
        ):
            out.append((sctt, "BR-DE-TMP-32"))
    for line in ix.at(_P_LINES):
        if not _br_tmp_3(ix, line):
            out.append((line, "BR-TMP-3"))
    return out


# --------------------------------------------------------------------------------------------
# Extension and CVD
# --------------------------------------------------------------------------------------------


def extension_pattern() -> Pattern:
    ext = is_extension
    return Pattern(
        [
            ctx(
                when(ext, f"{SCTT}/ram:IncludedSupplyChainTradeLineItem/ram:AssociatedDocumentLineDocument"),
                [
                    _rule(
                        "BR-DEX-15",
                        W,
                        "The document uses parent line ids (sub invoice lines), which XRechnung CII does not support.",
                        xb("not(//ram:ParentLineID)"),
                    )
                ],
            ),
            *scheme_contexts(
                ext,
                party="//ram:GlobalID[@schemeID][not(ancestor::ram:SpecifiedTradeProduct) and not(ancestor::ram:ShipToTradeParty)]",
                legal="//ram:ID[@schemeID][not(ancestor::ram:SpecifiedTaxRegistration)]",
                item="//ram:SpecifiedTradeProduct/ram:GlobalID[@schemeID]",
                endpoint="//ram:URIUniversalCommunication/ram:URIID[@schemeID]",
                delivery="//ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty/ram:GlobalID[@schemeID]",
            ),
            ctx(
                when(ext, "//ram:AttachmentBinaryObject"),
                [attachment_mime_rule()],
            ),
        ],
        "cii-extension-pattern",
    )


def cvd_pattern() -> Pattern:
    cvd = is_cvd
    product = f"{SCTT}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct"
    return Pattern(
        [
            ctx(
                when(cvd, SCTT),
                [
                    _rule(
                        "BR-DE-CVD-03",
                        F,
                        "At least one line must classify the item with scheme 'CVD' and carry the item attribute 'cva'.",
                        xb(
                            "ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct[ram:DesignatedProductClassification/ram:ClassCode/@listID = 'CVD' and ram:ApplicableProductCharacteristic/ram:Description = 'cva']"
                        ),
                    )
                ],
            ),
            ctx(
                when(cvd, product),
                [
                    _rule(
                        "BR-DE-CVD-06-b",
                        F,
                        "A line with the item attribute 'cva' needs exactly one 'CVD' classification.",
                        xb(
                            "not(ram:ApplicableProductCharacteristic/ram:Description = 'cva') or count(ram:DesignatedProductClassification/ram:ClassCode[@listID = 'CVD']) = 1"
                        ),
                    ),
                    _rule(
                        "BR-DE-CVD-06-a",
                        F,
                        "A line with a 'CVD' classification needs exactly one item attribute 'cva'.",
                        xb(
                            "not(ram:DesignatedProductClassification/ram:ClassCode/@listID = 'CVD') or count(ram:ApplicableProductCharacteristic[ram:Description = 'cva']) = 1"
                        ),
                    ),
                ],
            ),
            ctx(
                when(cvd, f"{product}/ram:DesignatedProductClassification/ram:ClassCode"),
                classification_rules(),
            ),
            ctx(
                when(cvd, f"{product}/ram:ApplicableProductCharacteristic[ram:Description = 'cva']"),
                [cva_rule("ram:Value")],
            ),
            ctx(
                when(cvd, AGREEMENT),
                [
                    _rule(
                        "BR-DE-CVD-01",
                        F,
                        "The contract reference (BT-12) is missing.",
                        xb("ram:ContractReferencedDocument/ram:IssuerAssignedID[normalize-space(.)]"),
                    ),
                    _rule(
                        "BR-DE-CVD-02",
                        F,
                        "The tender or lot reference (BT-17) is missing.",
                        xb(
                            "ram:AdditionalReferencedDocument[normalize-space(ram:TypeCode) = '50' and normalize-space(ram:IssuerAssignedID)]"
                        ),
                    ),
                ],
            ),
        ],
        "cii-cvd-pattern",
    )


RULESET: Final = XRechnungRuleSet(
    "XRechnung CII",
    [
        prologue(),
        *peppol_patterns(_slack_value, W),
        cius_pattern(),
        gated(is_extension, XR_EXTENSION_ID, _guideline_ids, extension_pattern()),
        gated(is_cvd, XR_CVD_ID, _guideline_ids, cvd_pattern()),
    ],
)
