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
from typing import cast

from lxml import etree

from belegwerk.rules.engine import AnyNode, Element, Pattern, Rule, RuleSet, Severity
from belegwerk.rules.functions import normalize_space, to_decimal, xpath_round
from belegwerk.rules.peppol_common import (
    ctx,
    decimal_of,
    empty_elements,
    first_text,
    has,
    indexed,
    nodes_at,
    per_document,
    prologue,
    string_value,
    texts,
    xb,
)
from belegwerk.rules.peppol_ubl import (
    AC_R041,
    AC_R042,
    ac_paths,
    br_de_22,
    make_period_check,
    make_r040,
    make_r120,
    r046,
    r054,
    r055,
    r121,
    r130,
)
from belegwerk.rules.xrechnung_common import (
    CEF_EAS_EXT_CODES,
    CVA_CODES,
    CVD_VEHICLE_CATEGORIES,
    EXTENSION_MIME_CODES,
    ISO_6523_ICD_EXT_CODES,
    SUPPORTED_TYPE_CODES,
    UNTDID_7143_CVD_CODES,
    VAT_CODES_NEEDING_SELLER_TAX_ID,
    XR_CVD_ID,
    XR_EXTENSION_ID,
    XR_IDS,
    email_ok,
    iban_ok,
    scheme_in,
    skonto_note_ok,
    url_ok,
    xpath_has_three_digits,
    xpath_in,
)
from belegwerk.xml.ns import NSMAP

F, W, INFO = Severity.FATAL, Severity.WARNING, Severity.INFORMATION
ROOTS = "/ubl:Invoice | /cn:CreditNote"
_INVOICE_TAG = f"{{{NSMAP['ubl']}}}Invoice"


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


_ext_id = etree.XPath(
    "boolean(/ubl:Invoice/cbc:CustomizationID[text() = $id] | /cn:CreditNote/cbc:CustomizationID[text() = $id])",
    namespaces=NSMAP,
)
_cvd_id = etree.XPath("boolean((/ubl:Invoice | /cn:CreditNote)/cbc:CustomizationID[text() = $id])", namespaces=NSMAP)


@per_document
def is_extension(root: Element) -> bool:
    """The document declares the XRechnung Extension identifier."""
    return bool(_ext_id(root, id=XR_EXTENSION_ID))


@per_document
def is_cvd(root: Element) -> bool:
    """The document declares the XRechnung CVD identifier."""
    return bool(_cvd_id(root, id=XR_CVD_ID))


def _when(flag: Callable[[Element], bool], expr: str) -> Callable[[Element], list[Element]]:
    """Context selector that applies only when a document-level flag holds."""
    select = indexed(expr)

    def nodes(root: Element) -> list[Element]:
        return select(root) if flag(root) else []

    return nodes


# --------------------------------------------------------------------------------------------
# Merged Peppol rules
# --------------------------------------------------------------------------------------------


def peppol_patterns(tolerance: Callable[[Element], Decimal], r120_severity: Severity) -> list[Pattern]:
    """The Peppol rules KoSIT merged into the XRechnung UBL pack."""
    empty = Pattern(
        [
            ctx(
                empty_elements,
                [
                    _rule(
                        "PEPPOL-EN16931-R008",
                        F,
                        "The document contains an empty element; empty elements are not allowed.",
                        lambda n: False,
                    )
                ],
            )
        ],
        "peppol-ubl-pattern-1",
    )
    main = Pattern(
        [
            ctx(
                ROOTS,
                [
                    _rule(
                        "PEPPOL-EN16931-R001", F, "The business process (ProfileID) is missing.", xb("cbc:ProfileID")
                    ),
                    _rule(
                        "PEPPOL-EN16931-R053",
                        F,
                        "There must be exactly one tax total that carries tax subtotals.",
                        xb("count(cac:TaxTotal[cac:TaxSubtotal]) = 1"),
                    ),
                    _rule(
                        "PEPPOL-EN16931-R054",
                        F,
                        "A tax total without subtotals is required when, and only when, a tax currency code is given.",
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
            ctx(
                "/*/cbc:TaxCurrencyCode",
                [
                    _rule(
                        "PEPPOL-EN16931-R005",
                        F,
                        "The VAT accounting currency must differ from the invoice currency.",
                        xb("not(normalize-space(text()) = normalize-space(../cbc:DocumentCurrencyCode/text()))"),
                    )
                ],
            ),
            ctx(
                "/*/cac:AccountingCustomerParty/cac:Party",
                [
                    _rule(
                        "PEPPOL-EN16931-R010",
                        F,
                        "The buyer's electronic address (EndpointID) is missing.",
                        xb("cbc:EndpointID"),
                    )
                ],
            ),
            ctx(
                "/*/cac:AccountingSupplierParty/cac:Party",
                [
                    _rule(
                        "PEPPOL-EN16931-R020",
                        F,
                        "The seller's electronic address (EndpointID) is missing.",
                        xb("cbc:EndpointID"),
                    )
                ],
            ),
            ctx(
                ac_paths(AC_R041),
                [
                    _rule(
                        "PEPPOL-EN16931-R041",
                        F,
                        "An allowance/charge with a percentage must also give the base amount.",
                        lambda n: False,
                    )
                ],
            ),
            ctx(
                ac_paths(AC_R042),
                [
                    _rule(
                        "PEPPOL-EN16931-R042",
                        F,
                        "An allowance/charge with a base amount must also give the percentage.",
                        lambda n: False,
                    )
                ],
            ),
            ctx(
                ac_paths(""),
                [
                    _rule(
                        "PEPPOL-EN16931-R040",
                        F,
                        "Allowance/charge amount does not equal base amount x percentage / 100.",
                        make_r040(tolerance),
                    ),
                    _rule(
                        "PEPPOL-EN16931-R043",
                        F,
                        "The allowance/charge indicator must be 'true' or 'false'.",
                        xb(
                            "normalize-space(cbc:ChargeIndicator/text()) = 'true' or normalize-space(cbc:ChargeIndicator/text()) = 'false'"
                        ),
                    ),
                ],
            ),
            ctx(
                "/*/cac:PaymentMeans[normalize-space(cbc:PaymentMeansCode) = '49' or normalize-space(cbc:PaymentMeansCode) = '59']",
                [
                    _rule(
                        "PEPPOL-EN16931-R061",
                        F,
                        "Direct debit requires the mandate reference (PaymentMandate/ID).",
                        xb("cac:PaymentMandate/cbc:ID"),
                    )
                ],
            ),
            ctx(
                "/ubl:Invoice[cac:InvoicePeriod/cbc:StartDate]/cac:InvoiceLine/cac:InvoicePeriod/cbc:StartDate | /cn:CreditNote[cac:InvoicePeriod/cbc:StartDate]/cac:CreditNoteLine/cac:InvoicePeriod/cbc:StartDate",
                [
                    _rule(
                        "PEPPOL-EN16931-R110",
                        F,
                        "The line period starts before the invoice period.",
                        make_period_check("StartDate"),
                    )
                ],
            ),
            ctx(
                "/ubl:Invoice[cac:InvoicePeriod/cbc:EndDate]/cac:InvoiceLine/cac:InvoicePeriod/cbc:EndDate | /cn:CreditNote[cac:InvoicePeriod/cbc:EndDate]/cac:CreditNoteLine/cac:InvoicePeriod/cbc:EndDate",
                [
                    _rule(
                        "PEPPOL-EN16931-R111",
                        F,
                        "The line period ends after the invoice period.",
                        make_period_check("EndDate"),
                    )
                ],
            ),
            ctx(
                "//cac:InvoiceLine | //cac:CreditNoteLine",
                [
                    _rule(
                        "PEPPOL-EN16931-R120",
                        r120_severity,
                        "Line net amount does not equal quantity x (price / base quantity) + line charges - line allowances.",
                        make_r120(tolerance),
                    ),
                    _rule("PEPPOL-EN16931-R121", F, "The price base quantity must be greater than zero.", r121),
                    _rule(
                        "PEPPOL-EN16931-R101",
                        F,
                        "A line document reference may only be an invoiced object (type code 130).",
                        xb("not(cac:DocumentReference) or cac:DocumentReference/cbc:DocumentTypeCode = '130'"),
                    ),
                ],
            ),
            ctx(
                "//cac:Price/cac:AllowanceCharge",
                [
                    _rule(
                        "PEPPOL-EN16931-R044",
                        F,
                        "Charges are not allowed on price level; the indicator must be 'false'.",
                        xb("normalize-space(cbc:ChargeIndicator) = 'false'"),
                    ),
                    _rule(
                        "PEPPOL-EN16931-R046",
                        F,
                        "Net price does not equal gross price minus the price allowance.",
                        r046,
                    ),
                ],
            ),
            ctx(
                "//cac:Price/cbc:BaseQuantity[@unitCode]",
                [
                    _rule(
                        "PEPPOL-EN16931-R130",
                        F,
                        "The unit of the price base quantity differs from the invoiced quantity's unit.",
                        r130,
                    )
                ],
            ),
        ],
        "peppol-ubl-pattern-2",
    )
    return [empty, main]


# --------------------------------------------------------------------------------------------
# CIUS rules (BR-DE-*)
# --------------------------------------------------------------------------------------------


def br_de_18(root: Element) -> bool:
    """Skonto lines in the first note of each payment terms must follow the XRechnung grammar."""
    return all(skonto_note_ok(n) for n in texts(root, "cac:PaymentTerms/cbc:Note[1]"))


def _iban_rule(path: str) -> Callable[[Element], bool]:
    def test(pm: Element) -> bool:
        return iban_ok(first_text(pm, path))

    return test


def cius_pattern() -> Pattern:
    pm = "cac:PaymentMeans[normalize-space(cbc:PaymentMeansCode) = '{}']"

    def pm_or(*codes: str) -> str:
        return "cac:PaymentMeans[" + " or ".join(f"normalize-space(cbc:PaymentMeansCode) = '{c}'" for c in codes) + "]"

    return Pattern(
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
                    _rule(
                        "BR-DE-18",
                        F,
                        "A Skonto line in the payment terms (BT-20) does not follow the format #SKONTO#TAGE=n#PROZENT=n.nn#[BASISBETRAG=n.nn#] followed by a line break.",
                        br_de_18,
                    ),
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
                [
                    _rule(
                        "BR-TMP-2",
                        W,
                        "The external document location (BT-124) must be an absolute URL with a valid scheme.",
                        lambda n: url_ok(_single_text(n, "cbc:URI")),
                    )
                ],
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
                    _rule(
                        "BR-DE-27",
                        W,
                        "The seller telephone number (BT-42) should contain at least three digits.",
                        xb(xpath_has_three_digits("cbc:Telephone")),
                    ),
                    _rule(
                        "BR-DE-28",
                        W,
                        "The seller email address (BT-43) does not look like a valid address.",
                        lambda n: email_ok(_single_text(n, "cbc:ElectronicMail")),
                    ),
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
                    _rule(
                        "BR-DE-19",
                        W,
                        "For SEPA credit transfer (code 58) the payment account (BT-84) should be a valid IBAN.",
                        lambda n: (
                            normalize_space(first_text(n, "cbc:PaymentMeansCode")) != "58"
                            or iban_ok(first_text(n, "cac:PayeeFinancialAccount/cbc:ID"))
                        ),
                    ),
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
                    _rule(
                        "BR-DE-20",
                        W,
                        "For SEPA direct debit (code 59) the debited account (BT-91) should be a valid IBAN.",
                        _iban_rule("cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"),
                    ),
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
    )


def _single_text(node: Element, path: str) -> str | None:
    return first_text(node, path)


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


def _scheme_rule(rid: str, codes: frozenset[str], what: str, sepa_for_seller: bool = False) -> Rule:
    def test(node: Element) -> bool:
        scheme = node.get("schemeID")
        if scheme_in(scheme, codes):
            return True
        if sepa_for_seller and normalize_space(scheme) == "SEPA":
            return any(
                etree.QName(a).localname in ("AccountingSupplierParty", "PayeeParty")
                and cast(AnyNode, etree.QName(a)).namespace == NSMAP["cac"]  # None without namespace
                for a in node.iterancestors()
            )
        return False

    return _rule(rid, F, f"The scheme identifier of {what} is not in the allowed code list.", test)


def extension_pattern() -> Pattern:
    ext = is_extension
    return Pattern(
        [
            ctx(
                _when(ext, "//cbc:EmbeddedDocumentBinaryObject"),
                [
                    _rule(
                        "BR-DEX-01",
                        F,
                        "The attachment (BT-125) uses a MIME code that is not allowed (Extension also allows application/xml).",
                        lambda n: n.get("mimeCode") in EXTENSION_MIME_CODES,
                    )
                ],
            ),
            ctx(
                _when(ext, "/ubl:Invoice"),
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
                _when(ext, "//cac:LegalMonetaryTotal"),
                [
                    _rule(
                        "BR-DEX-09",
                        F,
                        "Amount due (BT-115) must equal total with VAT (BT-112) - paid amount (BT-113) + rounding (BT-114) + third-party payments (BT-DEX-002).",
                        br_dex_09,
                    )
                ],
            ),
            ctx(
                _when(ext, "//cac:PartyIdentification/cbc:ID[@schemeID]"),
                [_scheme_rule("BR-DEX-04", ISO_6523_ICD_EXT_CODES, "a party identifier", sepa_for_seller=True)],
            ),
            ctx(
                _when(ext, "//cac:PartyLegalEntity/cbc:CompanyID[@schemeID]"),
                [_scheme_rule("BR-DEX-05", ISO_6523_ICD_EXT_CODES, "a legal registration identifier")],
            ),
            ctx(
                _when(ext, "//cac:StandardItemIdentification/cbc:ID[@schemeID]"),
                [_scheme_rule("BR-DEX-06", ISO_6523_ICD_EXT_CODES, "an item standard identifier")],
            ),
            ctx(
                _when(ext, "//cbc:EndpointID[@schemeID]"),
                [_scheme_rule("BR-DEX-07", CEF_EAS_EXT_CODES, "an electronic address")],
            ),
            ctx(
                _when(ext, "//cac:DeliveryLocation/cbc:ID[@schemeID]"),
                [_scheme_rule("BR-DEX-08", ISO_6523_ICD_EXT_CODES, "a delivery location identifier")],
            ),
            ctx(
                _when(ext, "/ubl:Invoice/cac:PrepaidPayment"),
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

_ITEMS = "/ubl:Invoice/cac:InvoiceLine/cac:Item | /cn:CreditNote/cac:CreditNoteLine/cac:Item"


def cvd_pattern() -> Pattern:
    cvd = is_cvd
    codes = "/ubl:Invoice/cac:InvoiceLine/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode | /cn:CreditNote/cac:CreditNoteLine/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode"
    props = "/ubl:Invoice/cac:InvoiceLine/cac:Item/cac:AdditionalItemProperty[cbc:Name = 'cva'] | /cn:CreditNote/cac:CreditNoteLine/cac:Item/cac:AdditionalItemProperty[cbc:Name = 'cva']"
    return Pattern(
        [
            ctx(
                _when(cvd, ROOTS),
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
                _when(cvd, _ITEMS),
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
                _when(cvd, codes),
                [
                    _rule(
                        "BR-TMP-CVD-01",
                        F,
                        "The item classification scheme (BT-158) must be a UNTDID 7143 code or 'CVD'.",
                        lambda n: scheme_in(n.get("listID"), UNTDID_7143_CVD_CODES),
                    ),
                    _rule(
                        "BR-DE-CVD-04",
                        F,
                        "A 'CVD' item classification must be a vehicle category M1, M2, M3, N1, N2 or N3.",
                        lambda n: (
                            normalize_space(n.get("listID")) != "CVD"
                            or normalize_space(string_value(n)) in CVD_VEHICLE_CATEGORIES
                        ),
                    ),
                ],
            ),
            ctx(
                _when(cvd, props),
                [
                    _rule(
                        "BR-DE-CVD-05",
                        F,
                        "The value of the 'cva' item attribute must be clean, zero-emission or other.",
                        lambda n: any(normalize_space(v) in CVA_CODES for v in texts(n, "cbc:Value")),
                    )
                ],
            ),
        ],
        "ubl-cvd-pattern",
    )


RULESET = RuleSet(
    "XRechnung UBL",
    [prologue(), *peppol_patterns(_slack_value, W), cius_pattern(), extension_pattern(), cvd_pattern()],
)
