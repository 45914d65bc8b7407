"""XRechnung 3.0 CIUS rules for UBL Invoice and CreditNote (KoSIT pack, incl. merged Peppol rules).

The rule set mirrors the pack's patterns one to one, because schematron's *first match wins*
only applies inside a pattern:

* ``peppol-ubl-pattern-1`` / ``-2`` — the Peppol BIS rules KoSIT merges into XRechnung;
* ``ubl-pattern`` — the CIUS rules ``BR-DE-*`` and ``BR-TMP-*``;
* ``ubl-extension-pattern`` — ``BR-DEX-*``, active only for the Extension identifier;
* ``ubl-cvd-pattern`` — ``BR-DE-CVD-*``, active only for the CVD identifier.

Which scenario a document falls into and the KoSIT severity overrides are the pipeline's job.
"""

# Rule tables carry the official element paths and our messages verbatim; wrapping them would hurt
# reading them side by side with the pack, so long lines are accepted in this module.

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Final, cast

from lxml import etree

from belegwerk.rules.engine import AnyNode, Element, Pattern, Rule, Severity
from belegwerk.rules.functions import normalize_space, to_decimal, xpath_round
from belegwerk.rules.peppol_common import (
    EMPTY,
    Index,
    any_filled,
    ctx,
    decimal_of,
    empty_element_pattern,
    empty_elements,
    first_text,
    has,
    nodes_at,
    per_document,
    prologue,
    string_value,
    texts,
    when,
    xb,
)
from belegwerk.rules.peppol_ubl import br_de_22, transaction_contexts
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
ROOTS: Final = "/ubl:Invoice | /cn:CreditNote"


def _rule(rid: str, sev: Severity, msg: str, test: Callable[[Element], bool]) -> Rule:
    return Rule(rid, sev, msg, test)


def _both(path: str) -> str:
    """``/ubl:Invoice/<path> | /cn:CreditNote/<path>`` (the pack's usual context form)."""
    return f"/ubl:Invoice/{path} | /cn:CreditNote/{path}"


# --------------------------------------------------------------------------------------------
# Document-level variables
# --------------------------------------------------------------------------------------------


@per_document
def _slack_value(root: Element) -> Decimal:
    """Rounding tolerance of the Peppol line checks: 0.5 for HUF, else 0.02."""
    return Decimal("0.5") if "HUF" in texts(root, "cbc:DocumentCurrencyCode") else Decimal("0.02")


_ext_id: Final = etree.XPath(
    "boolean(/ubl:Invoice/cbc:CustomizationID[text() = $id] | /cn:CreditNote/cbc:CustomizationID[text() = $id])",
    namespaces=NSMAP,
)
_cvd_id: Final = etree.XPath(
    "boolean((/ubl:Invoice | /cn:CreditNote)/cbc:CustomizationID[text() = $id])", namespaces=NSMAP
)


@per_document
def is_extension(root: Element) -> bool:
    """The document declares the XRechnung Extension identifier."""
    return bool(_ext_id(root, id=XR_EXTENSION_ID))


@per_document
def is_cvd(root: Element) -> bool:
    """The document declares the XRechnung CVD identifier."""
    return bool(_cvd_id(root, id=XR_CVD_ID))


# --------------------------------------------------------------------------------------------
# Merged Peppol rules
# --------------------------------------------------------------------------------------------


#: The Peppol rules the KoSIT pack merges (``peppol-ubl-pattern-2``; R008 is pattern 1).
MERGED_PEPPOL_RULES: Final = frozenset(
    f"PEPPOL-EN16931-{n}"
    for n in (
        "R001", "R053", "R054", "R055", "R005", "R010", "R020", "R041", "R042", "R040", "R043",
        "R061", "R110", "R111", "R120", "R121", "R101", "R044", "R046", "R130",
    )
)  # fmt: skip


def peppol_patterns(tolerance: Callable[[Element], Decimal], r120_severity: Severity) -> list[Pattern]:
    """The Peppol rules KoSIT merged into the XRechnung UBL pack, built from the Peppol pack's table."""
    merged = transaction_contexts(
        tolerance, keep=MERGED_PEPPOL_RULES, r120_severity=r120_severity, payment_means="/*/cac:PaymentMeans"
    )
    return [empty_element_pattern(empty_elements, "peppol-ubl-pattern-1"), Pattern(merged, "peppol-ubl-pattern-2")]


# --------------------------------------------------------------------------------------------
# CIUS rules (BR-DE-*)
# --------------------------------------------------------------------------------------------


def cius_pattern() -> Pattern:
    pm = "cac:PaymentMeans[normalize-space(cbc:PaymentMeansCode) = '{}']"

    def pm_or(*codes: str) -> str:
        return "cac:PaymentMeans[" + " or ".join(f"normalize-space(cbc:PaymentMeansCode) = '{c}'" for c in codes) + "]"

    return NativePattern(
        [
            ctx(
                ROOTS,
                [
                    _rule("BR-DE-1", F, "Payment instructions (BG-16) are missing.", xb("cac:PaymentMeans")),
                    _rule(
                        "BR-DE-15",
                        F,
                        "The buyer reference (BT-10) is missing.",
                        xb("cbc:BuyerReference[normalize-space(.)]"),
                    ),
                    _rule(
                        "BR-DE-16",
                        F,
                        "VAT category S, Z, E, AE, K, G, L or M is used, but neither a seller VAT/tax registration id (BT-31/BT-32) nor a tax representative (BG-11) is given.",
                        xb(
                            "not((cac:AllowanceCharge[cbc:ChargeIndicator = 'true' or cbc:ChargeIndicator = 'false']/cac:TaxCategory/cbc:ID"
                            " | cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:ID | cac:CreditNoteLine/cac:Item/cac:ClassifiedTaxCategory/cbc:ID)"
                            f"[{xpath_in('.', VAT_CODES_NEEDING_SELLER_TAX_ID)}])"
                            " or cac:TaxRepresentativeParty or cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID[normalize-space(.)]"
                        ),
                    ),
                    _rule(
                        "BR-DE-17",
                        W,
                        "The invoice type code (BT-3) should be one of 326, 380, 381, 384, 389, 875, 876, 877.",
                        xb(
                            f"{xpath_in('normalize-space(cbc:InvoiceTypeCode)', SUPPORTED_TYPE_CODES)} or {xpath_in('normalize-space(cbc:CreditNoteTypeCode)', SUPPORTED_TYPE_CODES)}"
                        ),
                    ),
                    skonto_rule("cac:PaymentTerms/cbc:Note[1]"),
                    _rule(
                        "BR-DE-21",
                        W,
                        "The specification identifier (BT-24) should be an XRechnung identifier.",
                        xb(xpath_in("cbc:CustomizationID", XR_IDS)),
                    ),
                    _rule("BR-DE-22", F, "The file names of embedded attachments must be unique.", br_de_22),
                    _rule(
                        "BR-DE-26",
                        W,
                        "A corrected invoice (type code 384) should reference the preceding invoice (BG-3).",
                        xb(
                            "not(normalize-space(cbc:InvoiceTypeCode) = '384' or normalize-space(cbc:CreditNoteTypeCode) = '384') or cac:BillingReference/cac:InvoiceDocumentReference"
                        ),
                    ),
                    _rule(
                        "BR-DE-30",
                        F,
                        "Direct debit (BG-19) requires the bank assigned creditor identifier (BT-90).",
                        xb(
                            "not(cac:PaymentMeans/cac:PaymentMandate) or cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification/cbc:ID[@schemeID = 'SEPA'] or cac:PayeeParty/cac:PartyIdentification/cbc:ID[@schemeID = 'SEPA']"
                        ),
                    ),
                    _rule(
                        "BR-DE-31",
                        F,
                        "Direct debit (BG-19) requires the debited account identifier (BT-91).",
                        xb(
                            "not(cac:PaymentMeans/cac:PaymentMandate) or cac:PaymentMeans/cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"
                        ),
                    ),
                    _rule(
                        "BR-DE-TMP-32",
                        INFO,
                        "A delivery date (BT-72), an invoicing period (BG-14) or a period on every line (BG-26) should be given.",
                        xb(
                            "cac:Delivery/cbc:ActualDeliveryDate or cac:InvoicePeriod or not((cac:InvoiceLine | cac:CreditNoteLine)[not(cac:InvoicePeriod)])"
                        ),
                    ),
                ],
            ),
            ctx(
                _both("cac:AdditionalDocumentReference/cac:Attachment/cac:ExternalReference"),
                [url_rule("cbc:URI", uri_required=True)],
            ),
            ctx(
                _both("cac:AccountingSupplierParty"),
                [_rule("BR-DE-2", F, "The seller contact (BG-6) is missing.", xb("cac:Party/cac:Contact"))],
            ),
            ctx(
                _both("cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"),
                [
                    _rule("BR-DE-3", F, "The seller city (BT-37) is missing.", xb("cbc:CityName[normalize-space(.)]")),
                    _rule(
                        "BR-DE-4",
                        F,
                        "The seller post code (BT-38) is missing.",
                        xb("cbc:PostalZone[normalize-space(.)]"),
                    ),
                ],
            ),
            ctx(
                _both("cac:AccountingSupplierParty/cac:Party/cac:Contact"),
                [
                    _rule(
                        "BR-DE-5", F, "The seller contact point (BT-41) is missing.", xb("cbc:Name[normalize-space(.)]")
                    ),
                    _rule(
                        "BR-DE-6",
                        F,
                        "The seller contact telephone number (BT-42) is missing.",
                        xb("cbc:Telephone[normalize-space(.)]"),
                    ),
                    _rule(
                        "BR-DE-7",
                        F,
                        "The seller contact email address (BT-43) is missing.",
                        xb("cbc:ElectronicMail[normalize-space(.)]"),
                    ),
                    telephone_rule("cbc:Telephone"),
                    email_rule("cbc:ElectronicMail"),
                ],
            ),
            ctx(
                _both("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"),
                [
                    _rule("BR-DE-8", F, "The buyer city (BT-52) is missing.", xb("cbc:CityName[normalize-space(.)]")),
                    _rule(
                        "BR-DE-9",
                        F,
                        "The buyer post code (BT-53) is missing.",
                        xb("cbc:PostalZone[normalize-space(.)]"),
                    ),
                ],
            ),
            ctx(
                _both("cac:Delivery/cac:DeliveryLocation/cac:Address"),
                [
                    _rule(
                        "BR-DE-10", F, "The deliver-to city (BT-77) is missing.", xb("cbc:CityName[normalize-space(.)]")
                    ),
                    _rule(
                        "BR-DE-11",
                        F,
                        "The deliver-to post code (BT-78) is missing.",
                        xb("cbc:PostalZone[normalize-space(.)]"),
                    ),
                ],
            ),
            ctx(
                _both(pm_or("30", "58")),
                [
                    credit_transfer_iban_rule("cbc:PaymentMeansCode", "cac:PayeeFinancialAccount/cbc:ID"),
                    _rule(
                        "BR-DE-23-a",
                        F,
                        "Credit transfer (code 30/58) requires the credit transfer group (BG-17).",
                        xb("cac:PayeeFinancialAccount"),
                    ),
                    _rule(
                        "BR-DE-23-b",
                        F,
                        "Credit transfer (code 30/58) must not carry card (BG-18) or direct debit (BG-19) information.",
                        xb("not(cac:CardAccount) and not(cac:PaymentMandate)"),
                    ),
                ],
            ),
            ctx(
                _both(pm_or("48", "54", "55")),
                [
                    _rule(
                        "BR-DE-24-a",
                        F,
                        "Card payment (code 48/54/55) requires the payment card group (BG-18).",
                        xb("cac:CardAccount"),
                    ),
                    _rule(
                        "BR-DE-24-b",
                        F,
                        "Card payment (code 48/54/55) must not carry credit transfer (BG-17) or direct debit (BG-19) information.",
                        xb("not(cac:PayeeFinancialAccount) and not(cac:PaymentMandate)"),
                    ),
                ],
            ),
            ctx(
                _both(pm.format("59")),
                [
                    direct_debit_iban_rule("cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"),
                    _rule(
                        "BR-DE-25-a",
                        F,
                        "Direct debit (code 59) requires the direct debit group (BG-19).",
                        xb("cac:PaymentMandate"),
                    ),
                    _rule(
                        "BR-DE-25-b",
                        F,
                        "Direct debit (code 59) must not carry credit transfer (BG-17) or card (BG-18) information.",
                        xb("not(cac:PayeeFinancialAccount) and not(cac:CardAccount)"),
                    ),
                ],
            ),
            ctx(
                _both("cac:TaxTotal/cac:TaxSubtotal"),
                [
                    _rule(
                        "BR-DE-14",
                        F,
                        "The VAT category rate (BT-119) is missing.",
                        xb("cac:TaxCategory/cbc:Percent[normalize-space(.)]"),
                    )
                ],
            ),
        ],
        "ubl-pattern",
        cius_check,
    )


# --------------------------------------------------------------------------------------------
# The CIUS pattern, natively (same failures as its contexts above, see NativePattern)
# --------------------------------------------------------------------------------------------

_T_INVOICE: Final = clark_path("ubl:Invoice")[0]
_T_CREDIT_NOTE: Final = clark_path("cn:CreditNote")[0]
_T_PAYMENT_MEANS, _T_PAYMENT_MANDATE, _T_CARD, _T_PAYEE_ACCOUNT = clark_path(
    "cac:PaymentMeans", "cac:PaymentMandate", "cac:CardAccount", "cac:PayeeFinancialAccount"
)
_T_MEANS_CODE, _T_CITY, _T_ZONE, _T_NAME, _T_PHONE, _T_MAIL, _T_URI = clark_path(
    "cbc:PaymentMeansCode",
    "cbc:CityName",
    "cbc:PostalZone",
    "cbc:Name",
    "cbc:Telephone",
    "cbc:ElectronicMail",
    "cbc:URI",
)
_T_ALLOWANCE_CHARGE, _T_INDICATOR, _T_TAX_REPRESENTATIVE = clark_path(
    "cac:AllowanceCharge", "cbc:ChargeIndicator", "cac:TaxRepresentativeParty"
)
_T_INVOICE_TYPE, _T_CREDIT_NOTE_TYPE, _T_CUSTOMIZATION, _T_BUYER_REFERENCE = clark_path(
    "cbc:InvoiceTypeCode", "cbc:CreditNoteTypeCode", "cbc:CustomizationID", "cbc:BuyerReference"
)
_T_INVOICE_LINE, _T_CREDIT_NOTE_LINE, _T_PERIOD, _T_ADR = clark_path(
    "cac:InvoiceLine", "cac:CreditNoteLine", "cac:InvoicePeriod", "cac:AdditionalDocumentReference"
)
_R_AC_CATEGORY: Final = clark_path("cac:TaxCategory", "cbc:ID")
_R_LINE_CATEGORY: Final = clark_path("cac:Item", "cac:ClassifiedTaxCategory", "cbc:ID")
_R_SELLER_TAX_ID: Final = clark_path("cac:AccountingSupplierParty", "cac:Party", "cac:PartyTaxScheme", "cbc:CompanyID")
_R_NOTES: Final = clark_path("cac:PaymentTerms", "cbc:Note")
_R_PRECEDING: Final = clark_path("cac:BillingReference", "cac:InvoiceDocumentReference")
_R_SELLER_PARTY_ID: Final = clark_path("cac:AccountingSupplierParty", "cac:Party", "cac:PartyIdentification", "cbc:ID")
_R_PAYEE_PARTY_ID: Final = clark_path("cac:PayeeParty", "cac:PartyIdentification", "cbc:ID")
_R_PAYER_ACCOUNT_ID: Final = clark_path("cac:PaymentMandate", "cac:PayerFinancialAccount", "cbc:ID")
_R_PAYEE_ACCOUNT_ID: Final = clark_path("cac:PayeeFinancialAccount", "cbc:ID")
_R_DELIVERY_DATE: Final = clark_path("cac:Delivery", "cbc:ActualDeliveryDate")
_R_ATTACHMENT: Final = clark_path("cac:Attachment", "cbc:EmbeddedDocumentBinaryObject")
_P_EXTERNAL: Final = clark_path("cac:AdditionalDocumentReference", "cac:Attachment", "cac:ExternalReference")
_P_SUPPLIER: Final = clark_path("cac:AccountingSupplierParty")
_P_SELLER_ADDRESS: Final = clark_path("cac:AccountingSupplierParty", "cac:Party", "cac:PostalAddress")
_P_SELLER_CONTACT: Final = clark_path("cac:AccountingSupplierParty", "cac:Party", "cac:Contact")
_P_BUYER_ADDRESS: Final = clark_path("cac:AccountingCustomerParty", "cac:Party", "cac:PostalAddress")
_P_DELIVERY_ADDRESS: Final = clark_path("cac:Delivery", "cac:DeliveryLocation", "cac:Address")
_P_MEANS: Final = clark_path("cac:PaymentMeans")
_P_SUBTOTALS: Final = clark_path("cac:TaxTotal", "cac:TaxSubtotal")
_R_SUPPLIER_CONTACT: Final = clark_path("cac:Party", "cac:Contact")
_R_PERCENT: Final = clark_path("cac:TaxCategory", "cbc:Percent")
_CREDIT_TRANSFER: Final = frozenset({"30", "58"})
_CARD_PAYMENT: Final = frozenset({"48", "54", "55"})
_INDICATORS: Final = frozenset({"true", "false"})


def _values(nodes: list[Element]) -> list[str]:
    return [string_value(e) for e in nodes]


def _ns_first(nodes: list[Element]) -> str:
    """``normalize-space(path)``: the first selected element's value, normalised."""
    return normalize_space(string_value(nodes[0])) if nodes else ""


def _br_de_16(ix: Index, root: Element) -> bool:
    ids = [
        i
        for ac in ix.kids(root, _T_ALLOWANCE_CHARGE)
        if any(v in _INDICATORS for v in _values(ix.kids(ac, _T_INDICATOR)))
        for i in ix.below(ac, _R_AC_CATEGORY)
    ]
    ids += [i for ln in ix.kids(root, _T_INVOICE_LINE) for i in ix.below(ln, _R_LINE_CATEGORY)]
    ids += [i for ln in ix.kids(root, _T_CREDIT_NOTE_LINE) for i in ix.below(ln, _R_LINE_CATEGORY)]
    if not any(v in VAT_CODES_NEEDING_SELLER_TAX_ID for v in _values(ids)):
        return True
    return bool(ix.kids(root, _T_TAX_REPRESENTATIVE)) or ix.filled(root, _R_SELLER_TAX_ID)


def _br_de_22(ix: Index, root: Element) -> bool:
    seen: set[str] = set()
    for adr in ix.kids(root, _T_ADR):
        names = {v for e in ix.below(adr, _R_ATTACHMENT) if (v := e.get("filename")) is not None}
        if names & seen:
            return False
        seen |= names
    return True


def _sepa(ids: list[Element]) -> bool:
    return any(i.get("schemeID") == "SEPA" for i in ids)


def _root_failures(ix: Index, root: Element, out: Failures) -> None:
    means = ix.kids(root, _T_PAYMENT_MEANS)
    if not means:
        out.append((root, "BR-DE-1"))
    if not ix.filled(root, (_T_BUYER_REFERENCE,)):
        out.append((root, "BR-DE-15"))
    if not _br_de_16(ix, root):
        out.append((root, "BR-DE-16"))
    invoice_type = _ns_first(ix.kids(root, _T_INVOICE_TYPE))
    credit_type = _ns_first(ix.kids(root, _T_CREDIT_NOTE_TYPE))
    if invoice_type not in SUPPORTED_TYPE_CODES and credit_type not in SUPPORTED_TYPE_CODES:
        out.append((root, "BR-DE-17"))
    notes = [n for t in ix.kids(root, _R_NOTES[0]) for n in ix.kids(t, _R_NOTES[1])[:1]]
    if not all(skonto_note_ok(string_value(n)) for n in notes):
        out.append((root, "BR-DE-18"))
    if not any(v in XR_IDS for v in _values(ix.kids(root, _T_CUSTOMIZATION))):
        out.append((root, "BR-DE-21"))
    if not _br_de_22(ix, root):
        out.append((root, "BR-DE-22"))
    if (invoice_type == "384" or credit_type == "384") and not ix.has(root, _R_PRECEDING):
        out.append((root, "BR-DE-26"))
    mandates = [m for pm in means for m in ix.kids(pm, _T_PAYMENT_MANDATE)]
    if mandates and not (_sepa(ix.below(root, _R_SELLER_PARTY_ID)) or _sepa(ix.below(root, _R_PAYEE_PARTY_ID))):
        out.append((root, "BR-DE-30"))
    if mandates and not any(ix.has(pm, _R_PAYER_ACCOUNT_ID) for pm in means):
        out.append((root, "BR-DE-31"))
    lines = ix.kids(root, _T_INVOICE_LINE) + ix.kids(root, _T_CREDIT_NOTE_LINE)
    if not (ix.has(root, _R_DELIVERY_DATE) or ix.kids(root, _T_PERIOD) or all(ix.kids(ln, _T_PERIOD) for ln in lines)):
        out.append((root, "BR-DE-TMP-32"))


def _address_failures(ix: Index, root: Element, path: tuple[str, ...], city: str, zone: str, out: Failures) -> None:
    for address in ix.at((cast(AnyNode, root).tag, *path)):
        if not any_filled(ix.kids(address, _T_CITY)):
            out.append((address, city))
        if not any_filled(ix.kids(address, _T_ZONE)):
            out.append((address, zone))


def _means_failures(ix: Index, root: Element, out: Failures) -> None:
    coded = [(m, _ns_first(ix.kids(m, _T_MEANS_CODE))) for m in ix.kids(root, _T_PAYMENT_MEANS)]
    for m, code in coded:
        if code in _CREDIT_TRANSFER:
            if code == "58" and not iban_ok(ix.first_value(m, _R_PAYEE_ACCOUNT_ID)):
                out.append((m, "BR-DE-19"))
            if not ix.kids(m, _T_PAYEE_ACCOUNT):
                out.append((m, "BR-DE-23-a"))
            if ix.kids(m, _T_CARD) or ix.kids(m, _T_PAYMENT_MANDATE):
                out.append((m, "BR-DE-23-b"))
    for m, code in coded:
        if code in _CARD_PAYMENT:
            if not ix.kids(m, _T_CARD):
                out.append((m, "BR-DE-24-a"))
            if ix.kids(m, _T_PAYEE_ACCOUNT) or ix.kids(m, _T_PAYMENT_MANDATE):
                out.append((m, "BR-DE-24-b"))
    for m, code in coded:
        if code == "59":
            if not iban_ok(ix.first_value(m, _R_PAYER_ACCOUNT_ID)):
                out.append((m, "BR-DE-20"))
            if not ix.kids(m, _T_PAYMENT_MANDATE):
                out.append((m, "BR-DE-25-a"))
            if ix.kids(m, _T_PAYEE_ACCOUNT) or ix.kids(m, _T_CARD):
                out.append((m, "BR-DE-25-b"))


def _customization_ids(ix: Index) -> list[Element]:
    """The specification identifier elements (BT-24) :func:`is_extension` and :func:`is_cvd` read."""
    root = ix.root
    tag = cast(AnyNode, root).tag
    return ix.kids(root, _T_CUSTOMIZATION) if tag in (_T_INVOICE, _T_CREDIT_NOTE) else EMPTY


def cius_check(root: Element, ix: Index) -> Failures:
    """The failures of :func:`cius_pattern` (``ubl-pattern``), computed from the index."""
    out: Failures = []
    tag = cast(AnyNode, root).tag
    if tag != _T_INVOICE and tag != _T_CREDIT_NOTE:
        return out  # every context is anchored at the Invoice or CreditNote root
    _root_failures(ix, root, out)
    for reference in ix.at((tag, *_P_EXTERNAL)):
        uris = ix.kids(reference, _T_URI)
        if not url_ok(string_value(uris[0]) if uris else None):
            out.append((reference, "BR-TMP-2"))
    for supplier in ix.at((tag, *_P_SUPPLIER)):
        if not ix.has(supplier, _R_SUPPLIER_CONTACT):
            out.append((supplier, "BR-DE-2"))
    _address_failures(ix, root, _P_SELLER_ADDRESS, "BR-DE-3", "BR-DE-4", out)
    for contact in ix.at((tag, *_P_SELLER_CONTACT)):
        phones = ix.kids(contact, _T_PHONE)
        mails = ix.kids(contact, _T_MAIL)
        if not any_filled(ix.kids(contact, _T_NAME)):
            out.append((contact, "BR-DE-5"))
        if not any_filled(phones):
            out.append((contact, "BR-DE-6"))
        if not any_filled(mails):
            out.append((contact, "BR-DE-7"))
        if not telephone_ok(string_value(phones[0]) if phones else None):
            out.append((contact, "BR-DE-27"))
        if not email_ok(string_value(mails[0]) if mails else None):
            out.append((contact, "BR-DE-28"))
    _address_failures(ix, root, _P_BUYER_ADDRESS, "BR-DE-8", "BR-DE-9", out)
    _address_failures(ix, root, _P_DELIVERY_ADDRESS, "BR-DE-10", "BR-DE-11", out)
    _means_failures(ix, root, out)
    for subtotal in ix.at((tag, *_P_SUBTOTALS)):
        if not ix.filled(subtotal, _R_PERCENT):
            out.append((subtotal, "BR-DE-14"))
    return out


# --------------------------------------------------------------------------------------------
# Extension rules (BR-DEX-*)
# --------------------------------------------------------------------------------------------


def br_dex_02(root: Element) -> bool:
    """A line's net amount equals the sum of its direct sub invoice lines' net amounts."""

    def ok(line: Element) -> bool:
        own = decimal_of(line, "cbc:LineExtensionAmount")
        subs = [decimal_of(s, "cbc:LineExtensionAmount") for s in nodes_at(line, "cac:SubInvoiceLine")]
        total = sum((s for s in subs if s is not None), Decimal(0))
        return own is not None and own == total

    lines = [ln for ln in nodes_at(root, "cac:InvoiceLine") if has(ln, "cac:SubInvoiceLine")]
    subs = [s for s in nodes_at(root, ".//cac:SubInvoiceLine") if has(s, "cac:SubInvoiceLine")]
    return all(ok(ln) for ln in lines) and all(ok(s) for s in subs)


def br_dex_09(lmt: Element) -> bool:
    """Amount due = total with VAT - paid amount + rounding + sum of third-party payments."""
    prepaid = decimal_of(lmt, "cbc:PrepaidAmount") if has(lmt, "cbc:PrepaidAmount") else Decimal(0)
    rounding = decimal_of(lmt, "cbc:PayableRoundingAmount") if has(lmt, "cbc:PayableRoundingAmount") else Decimal(0)
    parent = lmt.getparent()
    third = Decimal(0)
    if parent is not None:
        paid = texts(parent, "cac:PrepaidPayment/cbc:PaidAmount")
        if any(normalize_space(p) for p in paid):
            values = [to_decimal(p) for p in paid]
            if any(v is None for v in values):
                return False
            third = sum((v for v in values if v is not None), Decimal(0))
    payable = decimal_of(lmt, "cbc:PayableAmount")
    inclusive = decimal_of(lmt, "cbc:TaxInclusiveAmount")
    if payable is None or inclusive is None or prepaid is None or rounding is None:
        return False
    return xpath_round(payable - rounding, 2) == xpath_round(inclusive - prepaid + third, 2)


def _sepa_for_seller(node: Element) -> bool:
    """BR-DEX-04 in UBL also accepts the scheme ``SEPA`` on an identifier of the seller or payee."""
    return normalize_space(node.get("schemeID")) == "SEPA" and any(
        etree.QName(a).localname in ("AccountingSupplierParty", "PayeeParty")
        and cast(AnyNode, etree.QName(a)).namespace == NSMAP["cac"]  # None without namespace
        for a in node.iterancestors()
    )


def extension_pattern() -> Pattern:
    ext = is_extension
    return Pattern(
        [
            ctx(
                when(ext, "//cbc:EmbeddedDocumentBinaryObject"),
                [attachment_mime_rule()],
            ),
            ctx(
                when(ext, "/ubl:Invoice"),
                [
                    _rule(
                        "BR-DEX-02",
                        W,
                        "A line's net amount (BT-131) should equal the sum of the net amounts of its direct sub invoice lines.",
                        br_dex_02,
                    ),
                    _rule(
                        "BR-DEX-03",
                        F,
                        "Every sub invoice line needs exactly one VAT information group (BG-DEX-06).",
                        xb("not(//cac:SubInvoiceLine/cac:Item[count(cac:ClassifiedTaxCategory) != 1])"),
                    ),
                ],
            ),
            ctx(
                when(ext, "//cac:LegalMonetaryTotal"),
                [
                    _rule(
                        "BR-DEX-09",
                        F,
                        "Amount due (BT-115) must equal total with VAT (BT-112) - paid amount (BT-113) + rounding (BT-114) + third-party payments (BT-DEX-002).",
                        br_dex_09,
                    )
                ],
            ),
            *scheme_contexts(
                ext,
                party="//cac:PartyIdentification/cbc:ID[@schemeID]",
                legal="//cac:PartyLegalEntity/cbc:CompanyID[@schemeID]",
                item="//cac:StandardItemIdentification/cbc:ID[@schemeID]",
                endpoint="//cbc:EndpointID[@schemeID]",
                delivery="//cac:DeliveryLocation/cbc:ID[@schemeID]",
                party_also=_sepa_for_seller,
            ),
            ctx(
                when(ext, "/ubl:Invoice/cac:PrepaidPayment"),
                [
                    _rule(
                        "BR-DEX-10",
                        F,
                        "A third-party payment (BG-DEX-09) needs its type (BT-DEX-001).",
                        xb("cbc:ID[normalize-space(string(.))]"),
                    ),
                    _rule(
                        "BR-DEX-11",
                        F,
                        "A third-party payment (BG-DEX-09) needs its amount (BT-DEX-002).",
                        xb("cbc:PaidAmount[normalize-space(string(.))]"),
                    ),
                    _rule(
                        "BR-DEX-12",
                        F,
                        "A third-party payment (BG-DEX-09) needs its description (BT-DEX-003).",
                        xb("cbc:InstructionID[normalize-space(string(.))]"),
                    ),
                    _rule(
                        "BR-DEX-13",
                        F,
                        "The third-party payment amount (BT-DEX-002) may have at most two decimals.",
                        lambda n: len((first_text(n, "cbc:PaidAmount") or "").partition(".")[2]) <= 2,
                    ),
                    _rule(
                        "BR-DEX-14",
                        F,
                        "The currency of the third-party payment amount must be the invoice currency (BT-5).",
                        xb("cbc:PaidAmount/@currencyID = ../cbc:DocumentCurrencyCode"),
                    ),
                ],
            ),
        ],
        "ubl-extension-pattern",
    )


# --------------------------------------------------------------------------------------------
# Clean Vehicles Directive rules (BR-DE-CVD-*)
# --------------------------------------------------------------------------------------------

_ITEMS: Final = "/ubl:Invoice/cac:InvoiceLine/cac:Item | /cn:CreditNote/cac:CreditNoteLine/cac:Item"


def cvd_pattern() -> Pattern:
    cvd = is_cvd
    codes = "/ubl:Invoice/cac:InvoiceLine/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode | /cn:CreditNote/cac:CreditNoteLine/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode"
    props = "/ubl:Invoice/cac:InvoiceLine/cac:Item/cac:AdditionalItemProperty[cbc:Name = 'cva'] | /cn:CreditNote/cac:CreditNoteLine/cac:Item/cac:AdditionalItemProperty[cbc:Name = 'cva']"
    return Pattern(
        [
            ctx(
                when(cvd, ROOTS),
                [
                    _rule(
                        "BR-DE-CVD-02",
                        F,
                        "The tender or lot reference (BT-17) is missing.",
                        xb("cac:OriginatorDocumentReference/cbc:ID[normalize-space(.)]"),
                    ),
                    _rule(
                        "BR-DE-CVD-01",
                        F,
                        "The contract reference (BT-12) is missing.",
                        xb("cac:ContractDocumentReference/cbc:ID[normalize-space(.)]"),
                    ),
                    _rule(
                        "BR-DE-CVD-03",
                        F,
                        "At least one line must classify the item with scheme 'CVD' and carry the item attribute 'cva'.",
                        xb(
                            "(cac:InvoiceLine/cac:Item | cac:CreditNoteLine/cac:Item)[cac:CommodityClassification/cbc:ItemClassificationCode/@listID = 'CVD' and cac:AdditionalItemProperty/cbc:Name = 'cva']"
                        ),
                    ),
                ],
            ),
            ctx(
                when(cvd, _ITEMS),
                [
                    _rule(
                        "BR-DE-CVD-06-a",
                        F,
                        "A line with a 'CVD' classification needs exactly one item attribute 'cva'.",
                        xb(
                            "not(cac:CommodityClassification/cbc:ItemClassificationCode[@listID = 'CVD']) or count(cac:AdditionalItemProperty[cbc:Name = 'cva']) = 1"
                        ),
                    ),
                    _rule(
                        "BR-DE-CVD-06-b",
                        F,
                        "A line with the item attribute 'cva' needs exactly one 'CVD' classification.",
                        xb(
                            "not(cac:AdditionalItemProperty[cbc:Name = 'cva']) or count(cac:CommodityClassification/cbc:ItemClassificationCode[@listID = 'CVD']) = 1"
                        ),
                    ),
                ],
            ),
            ctx(
                when(cvd, codes),
                classification_rules(),
            ),
            ctx(
                when(cvd, props),
                [cva_rule("cbc:Value")],
            ),
        ],
        "ubl-cvd-pattern",
    )


RULESET: Final = XRechnungRuleSet(
    "XRechnung UBL",
    [
        prologue(),
        *peppol_patterns(_slack_value, W),
        cius_pattern(),
        gated(is_extension, XR_EXTENSION_ID, _customization_ids, extension_pattern()),
        gated(is_cvd, XR_CVD_ID, _customization_ids, cvd_pattern()),
    ],
)
