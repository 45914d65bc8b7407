"""EN 16931 CII code-list rules (pattern "EN16931-Codes"): BR-CL-*.

Each rule checks one coded value (element text or an attribute) against a code list. The lists
come from :mod:`belegwerk.rules.codelists` (extracted from the official pack), so our membership
tests use the same versions as the official validator. The official test accepts a value when,
after whitespace normalisation, it contains no blank and is one whole entry of the list; that is
set membership of the normalised value, which is what :func:`_member` does.

Contexts are listed in the official order; a node is checked by the first context selecting it
(e.g. an ``ram:ID`` with ``@schemeID`` under ``ram:OriginTradeCountry`` is checked by BR-CL-11,
not BR-CL-15).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from belegwerk.rules.codelists import EN16931_MIME_CODES, rule_codelist
from belegwerk.rules.en16931_cii_index import P, any_boolean, clark, select, string_value, up
from belegwerk.rules.engine import Context, Element, Pattern, Rule, Severity
from belegwerk.rules.functions import normalize_space

_PACK: Final = "en16931-cii"

_MIME_CODES: Final = EN16931_MIME_CODES


def _member(codes: frozenset[str], attr: str | None = None, upper: bool = False) -> Callable[[Element], bool]:
    def test(node: Element) -> bool:
        raw = node.get(attr) if attr else string_value(node)
        value = normalize_space(raw)
        if upper:
            value = normalize_space(value.upper())
        return value != "" and " " not in value and value in codes

    return test


def _has_attr(name: str) -> Callable[[Element], bool]:
    return lambda e: e.get(name) is not None


def _no_ancestor(*tags: str) -> Callable[[Element], bool]:
    clarks = [clark(t) for t in tags]
    return lambda e: next(e.iterancestors(*clarks), None) is None


_OUTSIDE_PRODUCT_AND_SHIP_TO: Final = _no_ancestor("ram:SpecifiedTradeProduct", "ram:ShipToTradeParty")
_OUTSIDE_TAX_REGISTRATION: Final = _no_ancestor("ram:SpecifiedTaxRegistration")
_INDICATOR: Final = P("ram:ChargeIndicator/udt:Indicator")


def _charge_reason(charge: bool) -> Callable[[Element], bool]:
    def where(e: Element) -> bool:
        parent = up(e)
        return parent is not None and any_boolean(_INDICATOR.values(parent), charge)

    return where


def _ctx(
    paths: tuple[str, ...],
    rule_id: str,
    what: str,
    test: Callable[[Element], bool],
    where: Callable[[Element], bool] | None = None,
) -> Context:
    message = f"{what} is not a code of the list EN 16931 prescribes for it."
    return Context(select=select(*paths, where=where), rules=[Rule(rule_id, Severity.FATAL, message, test)])


def _cl(rule_id: str, attr: str | None = None, upper: bool = False) -> Callable[[Element], bool]:
    return _member(rule_codelist(_PACK, rule_id), attr, upper)


def _pattern() -> Pattern:
    contexts = [
        _ctx(("//rsm:ExchangedDocument/ram:TypeCode",), "BR-CL-01", "The invoice type code (BT-3)", _cl("BR-CL-01")),
        _ctx(
            ("//ram:TaxTotalAmount",),
            "BR-CL-03",
            "The currency of the VAT total (BT-110/111)",
            _cl("BR-CL-03", "currencyID"),
            _has_attr("currencyID"),
        ),
        _ctx(("//ram:InvoiceCurrencyCode",), "BR-CL-04", "The invoice currency code (BT-5)", _cl("BR-CL-04")),
        _ctx(("//ram:TaxCurrencyCode",), "BR-CL-05", "The VAT accounting currency code (BT-6)", _cl("BR-CL-05")),
        _ctx(("//ram:DueDateTypeCode",), "BR-CL-06", "The VAT point date code (BT-8)", _cl("BR-CL-06")),
        _ctx(("//ram:ReferenceTypeCode",), "BR-CL-07", "The object identifier scheme (BT-18)", _cl("BR-CL-07")),
        _ctx(("//ram:SubjectCode",), "BR-CL-08", "The invoice note subject code (BT-21)", _cl("BR-CL-08")),
        _ctx(
            ("//ram:GlobalID",),
            "BR-CL-10",
            "The identifier scheme (ICD)",
            _cl("BR-CL-10", "schemeID"),
            lambda e: e.get("schemeID") is not None and _OUTSIDE_PRODUCT_AND_SHIP_TO(e),
        ),
        _ctx(
            ("//ram:ID",),
            "BR-CL-11",
            "The registration identifier scheme",
            _cl("BR-CL-11", "schemeID"),
            lambda e: e.get("schemeID") is not None and _OUTSIDE_TAX_REGISTRATION(e),
        ),
        _ctx(
            ("//ram:ClassCode",),
            "BR-CL-13",
            "The item classification scheme (BT-158-1)",
            _cl("BR-CL-13", "listID"),
            _has_attr("listID"),
        ),
        _ctx(("//ram:CountryID",), "BR-CL-14", "The country code", _cl("BR-CL-14")),
        _ctx(("//ram:OriginTradeCountry/ram:ID",), "BR-CL-15", "The item country of origin (BT-159)", _cl("BR-CL-15")),
        _ctx(
            ("//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode",),
            "BR-CL-16",
            "The payment means code (BT-81)",
            _cl("BR-CL-16"),
        ),
        _ctx(
            ("//ram:CategoryTradeTax/ram:CategoryCode",),
            "BR-CL-17",
            "The allowance/charge VAT category code",
            _cl("BR-CL-17"),
        ),
        _ctx(("//ram:ApplicableTradeTax/ram:CategoryCode",), "BR-CL-18", "The VAT category code", _cl("BR-CL-18")),
        _ctx(
            ("//ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode",),
            "BR-CL-19",
            "The allowance reason code",
            _cl("BR-CL-19"),
            _charge_reason(False),
        ),
        _ctx(
            ("//ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode",),
            "BR-CL-20",
            "The charge reason code",
            _cl("BR-CL-20"),
            _charge_reason(True),
        ),
        _ctx(
            ("//ram:SpecifiedTradeProduct/ram:GlobalID",),
            "BR-CL-21",
            "The item standard identifier scheme",
            _cl("BR-CL-21", "schemeID"),
            _has_attr("schemeID"),
        ),
        _ctx(("//ram:ExemptionReasonCode",), "BR-CL-22", "The VAT exemption reason code", _cl("BR-CL-22", upper=True)),
        _ctx(
            ("//ram:BasisQuantity", "//ram:BilledQuantity"),
            "BR-CL-23",
            "The unit of measure code",
            _cl("BR-CL-23", "unitCode"),
            _has_attr("unitCode"),
        ),
        _ctx(
            ("//ram:AttachmentBinaryObject",),
            "BR-CL-24",
            "The attachment MIME code",
            lambda e: e.get("mimeCode") in _MIME_CODES,
            _has_attr("mimeCode"),
        ),
        _ctx(
            ("//ram:URIUniversalCommunication/ram:URIID",),
            "BR-CL-25",
            "The electronic address scheme",
            _cl("BR-CL-25", "schemeID"),
            _has_attr("schemeID"),
        ),
        _ctx(
            ("//ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty/ram:GlobalID",),
            "BR-CL-26",
            "The deliver-to location identifier scheme",
            _cl("BR-CL-26", "schemeID"),
            _has_attr("schemeID"),
        ),
    ]
    return Pattern(contexts, name="EN16931-Codes")


PATTERN: Final = _pattern()
