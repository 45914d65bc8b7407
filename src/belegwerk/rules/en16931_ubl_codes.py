"""EN 16931 code list rules for UBL (BR-CL-*).

Membership follows the official test idiom: the value is whitespace-normalised, must not contain
a space, and must be one of the list's codes. The lists themselves come from
:func:`belegwerk.rules.codelists.rule_codelist`, generated from the official pack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from belegwerk.rules.codelists import EN16931_MIME_CODES, rule_codelist
from belegwerk.rules.en16931_ubl_model import is_allowance, is_charge
from belegwerk.rules.en16931_ubl_support import CBC, path_selector, rule, string_value, texts
from belegwerk.rules.engine import Context, Element, Pattern
from belegwerk.rules.functions import normalize_space

PACK: Final = "en16931-ubl"


def _codes(rule_id: str, index: int = 0) -> frozenset[str]:
    return rule_codelist(PACK, rule_id, index)


def _member(value: str | None, codes: frozenset[str]) -> bool:
    v = normalize_space(value)
    return v != "" and " " not in v and v in codes


def _text_in(rule_id: str) -> Callable[[Element], bool]:
    codes = _codes(rule_id)
    return lambda n: _member(string_value(n), codes)


def _upper_text_in(rule_id: str) -> Callable[[Element], bool]:
    """BR-CL-22 compares the upper-cased value (VATEX codes are case-insensitive)."""
    codes = _codes(rule_id)

    def test(n: Element) -> bool:
        value = normalize_space(string_value(n))
        return value != "" and " " not in value and value.upper() in codes

    return test


def _attr_in(rule_id: str, attr: str) -> Callable[[Element], bool]:
    codes = _codes(rule_id)
    return lambda n: _member(n.get(attr), codes)


# keep the two lists the right way round whatever the extraction order
_SWAP_TYPES: Final = "380" not in _codes("BR-CL-01", 0)
_INVOICE_TYPES: Final = _codes("BR-CL-01", 1 if _SWAP_TYPES else 0)
_CREDIT_TYPES: Final = _codes("BR-CL-01", 0 if _SWAP_TYPES else 1)


def _type_code(n: Element) -> bool:
    value = string_value(n)
    if n.tag == f"{CBC}InvoiceTypeCode":
        return _member(value, _INVOICE_TYPES)
    return _member(value, _CREDIT_TYPES)


_ICD: Final = _codes("BR-CL-10")


def _party_identifier_scheme(n: Element) -> bool:
    scheme = n.get("schemeID")
    if _member(scheme, _ICD):
        return True
    if normalize_space(scheme) != "SEPA":
        return False
    return any(a.tag in (f"{{{_CAC}}}AccountingSupplierParty", f"{{{_CAC}}}PayeeParty") for a in n.iterancestors())


_CAC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
_MIME_CODES: Final = EN16931_MIME_CODES


def _with(attr: str) -> Callable[[Element], bool]:
    """``[@attr]``."""
    return lambda el: el.get(attr) is not None


def _parent(test: Callable[[Element], bool]) -> Callable[[Element], bool]:
    def check(el: Element) -> bool:
        parent = el.getparent()
        return parent is not None and test(parent)

    return check


def _object_identifier(el: Element) -> bool:
    """``cac:(Additional)DocumentReference[cbc:DocumentTypeCode = '130']/cbc:ID[@schemeID]``."""
    parent = el.getparent()
    return el.get("schemeID") is not None and parent is not None and "130" in texts(parent, "cbc:DocumentTypeCode")


_AMOUNTS: Final = [
    *("Amount", "BaseAmount", "PriceAmount", "TaxAmount", "TaxableAmount", "LineExtensionAmount"),
    *("TaxExclusiveAmount", "TaxInclusiveAmount", "AllowanceTotalAmount", "ChargeTotalAmount"),
    *("PrepaidAmount", "PayableRoundingAmount", "PayableAmount"),
]

PATTERN: Final = Pattern(
    [
        Context(
            path_selector("cbc:InvoiceTypeCode|cbc:CreditNoteTypeCode"),
            [
                rule(
                    "BR-CL-01",
                    "The document type code must be from UNTDID 1001 (invoice or credit note subset).",
                    _type_code,
                )
            ],
        ),
        Context(
            path_selector("|".join(f"cbc:{a}" for a in _AMOUNTS)),
            [
                rule(
                    "BR-CL-03",
                    "The currency of an amount must be an ISO 4217 code.",
                    _attr_in("BR-CL-03", "currencyID"),
                )
            ],
        ),
        Context(
            path_selector("cbc:DocumentCurrencyCode"),
            [rule("BR-CL-04", "The invoice currency code must be an ISO 4217 code.", _text_in("BR-CL-04"))],
        ),
        Context(
            path_selector("cbc:TaxCurrencyCode"),
            [rule("BR-CL-05", "The VAT accounting currency code must be an ISO 4217 code.", _text_in("BR-CL-05"))],
        ),
        Context(
            path_selector("cac:InvoicePeriod/cbc:DescriptionCode"),
            [
                rule(
                    "BR-CL-06", "The VAT point date code must be from UNTDID 2005 (3, 35 or 432).", _text_in("BR-CL-06")
                )
            ],
        ),
        Context(
            path_selector("cac:AdditionalDocumentReference|cac:DocumentReference/cbc:ID", _object_identifier),
            [
                rule(
                    "BR-CL-07",
                    "The object identifier scheme must be from UNTDID 1153.",
                    _attr_in("BR-CL-07", "schemeID"),
                )
            ],
        ),
        Context(
            path_selector("cac:PartyIdentification/cbc:ID", _with("schemeID")),
            [
                rule(
                    "BR-CL-10",
                    "A party identifier scheme must be from ISO 6523 ICD (or SEPA for seller and payee).",
                    _party_identifier_scheme,
                )
            ],
        ),
        Context(
            path_selector("cac:PartyLegalEntity/cbc:CompanyID", _with("schemeID")),
            [
                rule(
                    "BR-CL-11",
                    "A legal registration identifier scheme must be from ISO 6523 ICD.",
                    _attr_in("BR-CL-11", "schemeID"),
                )
            ],
        ),
        Context(
            path_selector("cac:CommodityClassification/cbc:ItemClassificationCode", _with("listID")),
            [
                rule(
                    "BR-CL-13",
                    "The item classification scheme must be from UNTDID 7143.",
                    _attr_in("BR-CL-13", "listID"),
                )
            ],
        ),
        Context(
            path_selector("cac:Country/cbc:IdentificationCode"),
            [rule("BR-CL-14", "Country codes must be ISO 3166-1 alpha-2.", _text_in("BR-CL-14"))],
        ),
        Context(
            path_selector("cac:OriginCountry/cbc:IdentificationCode"),
            [rule("BR-CL-15", "The item country of origin must be an ISO 3166-1 alpha-2 code.", _text_in("BR-CL-15"))],
        ),
        Context(
            path_selector("cac:PaymentMeans/cbc:PaymentMeansCode"),
            [rule("BR-CL-16", "The payment means code must be from UNTDID 4461.", _text_in("BR-CL-16"))],
        ),
        Context(
            path_selector("cac:TaxCategory/cbc:ID"),
            [
                rule(
                    "BR-CL-17",
                    "The VAT category code must be from UNTDID 5305 (EN 16931 subset).",
                    _text_in("BR-CL-17"),
                )
            ],
        ),
        Context(
            path_selector("cac:ClassifiedTaxCategory/cbc:ID"),
            [
                rule(
                    "BR-CL-18",
                    "The line VAT category code must be from UNTDID 5305 (EN 16931 subset).",
                    _text_in("BR-CL-18"),
                )
            ],
        ),
        Context(
            path_selector("cac:AllowanceCharge/cbc:AllowanceChargeReasonCode", _parent(is_allowance)),
            [rule("BR-CL-19", "The allowance reason code must be from UNTDID 5189.", _text_in("BR-CL-19"))],
        ),
        Context(
            path_selector("cac:AllowanceCharge/cbc:AllowanceChargeReasonCode", _parent(is_charge)),
            [rule("BR-CL-20", "The charge reason code must be from UNTDID 7161.", _text_in("BR-CL-20"))],
        ),
        Context(
            path_selector("cac:StandardItemIdentification/cbc:ID", _with("schemeID")),
            [
                rule(
                    "BR-CL-21",
                    "The item standard identifier scheme must be from ISO 6523 ICD.",
                    _attr_in("BR-CL-21", "schemeID"),
                )
            ],
        ),
        Context(
            path_selector("cbc:TaxExemptionReasonCode"),
            [
                rule(
                    "BR-CL-22",
                    "The VAT exemption reason code must be from the CEF VATEX list.",
                    _upper_text_in("BR-CL-22"),
                )
            ],
        ),
        Context(
            path_selector("cbc:InvoicedQuantity|cbc:BaseQuantity|cbc:CreditedQuantity", _with("unitCode")),
            [
                rule(
                    "BR-CL-23",
                    "The unit of measure must be from UN/ECE Recommendations 20 and 21.",
                    _attr_in("BR-CL-23", "unitCode"),
                )
            ],
        ),
        Context(
            path_selector("cbc:EmbeddedDocumentBinaryObject", _with("mimeCode")),
            [
                rule(
                    "BR-CL-24",
                    "The attachment MIME code must be one EN 16931 allows.",
                    lambda n: n.get("mimeCode") in _MIME_CODES,
                )
            ],
        ),
        Context(
            path_selector("cbc:EndpointID", _with("schemeID")),
            [
                rule(
                    "BR-CL-25",
                    "The electronic address scheme must be from the CEF EAS list.",
                    _attr_in("BR-CL-25", "schemeID"),
                )
            ],
        ),
        Context(
            path_selector("cac:DeliveryLocation/cbc:ID", _with("schemeID")),
            [
                rule(
                    "BR-CL-26",
                    "The delivery location identifier scheme must be from ISO 6523 ICD.",
                    _attr_in("BR-CL-26", "schemeID"),
                )
            ],
        ),
    ],
    name="EN 16931 code lists (UBL)",
)
