"""Peppol BIS Billing 3.0 rules for UBL Invoice and CreditNote (``PEPPOL-EN16931-UBL``).

The pack has one pattern per topic and *first match wins* inside each, so the rule set keeps
that grouping: empty elements, credit-note project reference, the transaction rules
(``PEPPOL-EN16931-R…``, ``PEPPOL-COMMON-R…`` identifier checks), the national rules of
Norway, Denmark, Italy, Sweden, Greece, Iceland, the Netherlands and Germany, and finally the
code-list and format rules (``PEPPOL-EN16931-CL…``, ``-P…``, ``-F001``).

National rules switch on by the supplier's (and sometimes the customer's) country, computed
once per document the way the pack's variables do: VAT-number prefix first, then tax
representative, then postal address.

The XRechnung pack merges a subset of the transaction rules; it builds them from
:func:`transaction_contexts` (with its own tolerance, severity and root anchoring) instead of
keeping a copy.
"""

# Rule tables carry the official element paths and our messages verbatim; wrapping them would hurt
# reading them side by side with the pack, so long lines are accepted in this module.

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Final

from belegwerk.rules.codelists import named_codelist
from belegwerk.rules.engine import Context, Element, Pattern, Rule, Severity
from belegwerk.rules.functions import normalize_space, to_decimal, xpath_round
from belegwerk.rules.peppol_common import (
    NO_MVA,
    Index,
    PeppolRuleSet,
    RuleTable,
    build_contexts,
    castable_date,
    codes,
    ctx,
    date_key,
    decimal_of,
    document_index,
    element_index,
    empty_element_pattern,
    empty_elements,
    first_text,
    fixed_slack,
    greek_tin,
    has,
    identifier_rules,
    is_nan_number,
    make_r040,
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
from belegwerk.rules.scan import canonical, tag_of
from belegwerk.rules.xrechnung_common import VAT_CODES_NEEDING_SELLER_TAX_ID, iban_ok, skonto_note_ok, telephone_ok
from belegwerk.xml.ns import NSMAP

F, W = Severity.FATAL, Severity.WARNING
ROOTS: Final = "/ubl:Invoice | /cn:CreditNote"
_INVOICE_TAG: Final = f"{{{NSMAP['ubl']}}}Invoice"


def _rule(rid: str, sev: Severity, msg: str, test: Callable[[Element], bool]) -> Rule:
    return Rule(rid, sev, msg, test)


# --------------------------------------------------------------------------------------------
# Transaction rules shared with the XRechnung pack
# --------------------------------------------------------------------------------------------


def _tax_amounts(node: Element, currency_of: str) -> list[Decimal]:
    cur = normalize_space(first_text(node, currency_of))
    out = []
    for e in nodes_at(node, "cac:TaxTotal/cbc:TaxAmount"):
        if e.get("currencyID") == cur:
            d = to_decimal(e.text)
            if d is not None:
                out.append(d)
    return out


def r055(node: Element) -> bool:
    """Tax total in document and accounting currency must have the same sign."""
    if not has(node, "cbc:TaxCurrencyCode"):
        return True
    tax = _tax_amounts(node, "cbc:TaxCurrencyCode")
    doc = _tax_amounts(node, "cbc:DocumentCurrencyCode")
    neg = any(v <= 0 for v in tax) and any(v <= 0 for v in doc)
    pos = any(v >= 0 for v in tax) and any(v >= 0 for v in doc)
    return neg or pos


def _tax_totals(node: Element, with_subtotals: bool) -> int:
    """``count(cac:TaxTotal[cac:TaxSubtotal])`` (or ``[not(cac:TaxSubtotal)]``) without an XPath
    call: every Peppol document asks both once."""
    n = 0
    for total in nodes_at(node, "cac:TaxTotal"):
        if has(total, "cac:TaxSubtotal") is with_subtotals:
            n += 1
    return n


def r053(node: Element) -> bool:
    """``count(cac:TaxTotal[cac:TaxSubtotal]) = 1``."""
    return _tax_totals(node, True) == 1


def r054(node: Element) -> bool:
    want = 1 if has(node, "cbc:TaxCurrencyCode") else 0
    return _tax_totals(node, False) == want


_CBC, _CAC_NS = f"{{{NSMAP['cbc']}}}", f"{{{NSMAP['cac']}}}"
_T_LEA, _T_INVQ, _T_CREDQ = _CBC + "LineExtensionAmount", _CBC + "InvoicedQuantity", _CBC + "CreditedQuantity"
_T_PRICE, _T_AC = _CAC_NS + "Price", _CAC_NS + "AllowanceCharge"
_T_PA, _T_BQ, _T_IND, _T_AMOUNT = _CBC + "PriceAmount", _CBC + "BaseQuantity", _CBC + "ChargeIndicator", _CBC + "Amount"
_ZERO, _ONE = Decimal(0), Decimal(1)


_T_DOC_REF, _T_DOC_TYPE = _CAC_NS + "DocumentReference", _CBC + "DocumentTypeCode"


def _first_child(ix: Index, parents: list[Element], tag: str) -> Element | None:
    for p in parents:
        found = ix.kid(p, tag)
        if found is not None:
            return found
    return None


def _rounded_sum(ix: Index, acs: list[Element], indicator: str) -> Decimal:
    total = _ZERO
    for ac in acs:
        ind = ix.kid(ac, _T_IND)
        if ind is not None and normalize_space(string_value(ind)) == indicator:
            for c in ix.kids(ac, _T_AMOUNT):
                total += to_decimal(string_value(c)) or _ZERO
    return xpath_round(total, 2) if total else _ZERO


def _dec_or(el: Element | None, default: Decimal) -> Decimal | None:
    return default if el is None else to_decimal(string_value(el))


def _is_invoice(ix: Index) -> bool:
    """Whether the document is an Invoice (not a CreditNote): the root is the first element of
    its tag in document order, so the tag index answers without reading the root's tag."""
    invoices = ix.by_tag.get(_INVOICE_TAG)
    return invoices is not None and invoices[0] is ix.root


def make_r120(tolerance: Callable[[Element], Decimal]) -> Callable[[Element], bool]:
    """Line net amount = quantity x (price / base quantity) + charges - allowances (within tolerance).

    Hot path (runs for every line): reads the line through the evaluation's :class:`Index`
    (children by parent from the tag index), so no child's tag is ever read.
    """

    def test(line: Element) -> bool:
        ix = document_index(line)
        # the quantity element depends on the document type
        qty_tag = _T_INVQ if _is_invoice(ix) else _T_CREDQ
        prices = ix.kids(line, _T_PRICE)
        acs = ix.kids(line, _T_AC)
        ext = _dec_or(ix.kid(line, _T_LEA), _ZERO)
        qty = _dec_or(ix.kid(line, qty_tag), _ONE)
        price = _dec_or(_first_child(ix, prices, _T_PA), _ZERO)
        bq = _dec_or(_first_child(ix, prices, _T_BQ), _ONE)
        base = bq if bq else _ONE
        return r120_holds(
            line, tolerance, ext, qty, price, base, _rounded_sum(ix, acs, "true"), _rounded_sum(ix, acs, "false")
        )

    return test


def r121(line: Element) -> bool:
    """R121 on a line: its price base quantity, where given, is a number greater than zero."""
    ix = document_index(line)
    bq = _first_child(ix, ix.kids(line, _T_PRICE), _T_BQ)
    if bq is None:
        return True
    value = to_decimal(string_value(bq))
    return value is not None and value > 0


def r100(line: Element) -> bool:
    """``count(cac:DocumentReference) <= 1``."""
    return len(document_index(line).kids(line, _T_DOC_REF)) <= 1


def r101(line: Element) -> bool:
    """``not(cac:DocumentReference) or cac:DocumentReference/cbc:DocumentTypeCode = '130'``."""
    ix = document_index(line)
    references = ix.kids(line, _T_DOC_REF)
    if not references:
        return True
    for reference in references:
        for code in ix.kids(reference, _T_DOC_TYPE):
            if string_value(code) == "130":
                return True
    return False


def r046(ac: Element) -> bool:
    if not has(ac, "cbc:BaseAmount"):
        return True
    parent = ac.getparent()
    price = decimal_of(parent, "cbc:PriceAmount") if parent is not None else None
    base = decimal_of(ac, "cbc:BaseAmount")
    amount = decimal_of(ac, "cbc:Amount")
    return price is not None and base is not None and amount is not None and price == base - amount


def r130(bq: Element) -> bool:
    line = bq.getparent()
    line = line.getparent() if line is not None else None
    if line is None:
        return True
    inv = nodes_at(line, "cbc:InvoicedQuantity")
    cred = nodes_at(line, "cbc:CreditedQuantity")
    if not inv and not cred:
        return True
    root = bq.getroottree().getroot()
    qty = inv if root.tag == _INVOICE_TAG else cred
    return any(bq.get("unitCode") == q.get("unitCode") for q in qty if q.get("unitCode") is not None)


def make_period_check(which: str) -> Callable[[Element], bool]:
    """Line period start/end must lie within the invoice period (R110/R111)."""

    def test(node: Element) -> bool:
        line = node.getparent().getparent()  # type: ignore[union-attr]
        root = line.getparent()  # type: ignore[union-attr]
        mine = date_key(node.text)
        doc = date_key(first_text(root, f"cac:InvoicePeriod/cbc:{which}"))  # type: ignore[arg-type]
        if mine is None or doc is None:
            return False
        return mine >= doc if which == "StartDate" else mine <= doc

    return test


AC_R041: Final = "[cbc:MultiplierFactorNumeric and not(cbc:BaseAmount)]"
AC_R042: Final = "[not(cbc:MultiplierFactorNumeric) and cbc:BaseAmount]"


def ac_paths(pred: str) -> str:
    return " | ".join(
        f"{p}/cac:AllowanceCharge{pred}"
        for p in ("/ubl:Invoice", "/ubl:Invoice/cac:InvoiceLine", "/cn:CreditNote", "/cn:CreditNote/cac:CreditNoteLine")
    )


_SELLER_TAX_ID: Final = xb("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID[normalize-space(.)]")


def br_de_16(root: Element) -> bool:
    """VAT categories S, Z, E, AE, K, G, L, M need a seller VAT/tax id or a tax representative."""
    ids: list[str] = []
    for ac in nodes_at(root, "cac:AllowanceCharge"):
        if {t.text or "" for t in nodes_at(ac, "cbc:ChargeIndicator")} & {"true", "false"}:
            ids.extend(texts(ac, "cac:TaxCategory/cbc:ID"))
    ids.extend(xs_str_line_ids(root))
    if not any(i in VAT_CODES_NEEDING_SELLER_TAX_ID for i in ids):
        return True
    return has(root, "cac:TaxRepresentativeParty") or _SELLER_TAX_ID(root)


def xs_str_line_ids(root: Element) -> list[str]:
    return texts(root, "cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:ID") + texts(
        root, "cac:CreditNoteLine/cac:Item/cac:ClassifiedTaxCategory/cbc:ID"
    )


def br_de_22(root: Element) -> bool:
    """File names of embedded attachments must be unique."""
    seen: set[str] = set()
    for adr in nodes_at(root, "cac:AdditionalDocumentReference"):
        names = {
            e.get("filename", "")
            for e in nodes_at(adr, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
            if e.get("filename") is not None
        }
        if names & seen:
            return False
        seen |= names
    return True


# --------------------------------------------------------------------------------------------
# Document-level variables
# --------------------------------------------------------------------------------------------

_TWO_DIGIT_PROFILE: Final = re.compile(r"urn:fdc:peppol\.eu:2017:poacc:billing:([0-9]{2}):1\.0")


@per_document
def profile(root: Element) -> str:
    """The process number from the ProfileID (``01`` …), or ``Unknown``."""
    pid = node_at(root, "cbc:ProfileID")
    if pid is None:
        return "Unknown"
    value = normalize_space(string_value(pid))
    if not _TWO_DIGIT_PROFILE.search(value):
        return "Unknown"
    parts = value.split(":")
    return parts[6] if len(parts) > 6 else ""


def _vat_prefix(root: Element, party: str) -> str:
    for pts in nodes_at(root, f"{party}/cac:PartyTaxScheme"):
        if "VAT" in texts(pts, "cac:TaxScheme/cbc:ID"):
            return (first_text(pts, "cbc:CompanyID") or "")[:2]
    return ""


def _country(root: Element, party: str) -> str | None:
    e = node_at(root, f"{party}/cac:PostalAddress/cac:Country/cbc:IdentificationCode")
    return None if e is None else upper_norm(string_value(e))


@per_document
def supplier_country(root: Element) -> str:
    """Seller country: VAT id prefix, else tax representative's VAT prefix, else address, else XX."""
    for prefix in (
        _vat_prefix(root, "cac:AccountingSupplierParty/cac:Party"),
        _vat_prefix(root, "cac:TaxRepresentativeParty"),
    ):
        if prefix:
            return upper_norm(prefix)
    return _country(root, "cac:AccountingSupplierParty/cac:Party") or "XX"


@per_document
def accounting_supplier_country(root: Element) -> str:
    """Seller country without the tax representative step (used by GR-R-009)."""
    prefix = _vat_prefix(root, "cac:AccountingSupplierParty/cac:Party")
    if prefix:
        return upper_norm(prefix)
    return _country(root, "cac:AccountingSupplierParty/cac:Party") or "XX"


@per_document
def customer_country(root: Element) -> str:
    prefix = _vat_prefix(root, "cac:AccountingCustomerParty/cac:Party")
    if prefix:
        return upper_norm(prefix)
    return _country(root, "cac:AccountingCustomerParty/cac:Party") or "XX"


def _postal_is(root: Element, party: str, code: str) -> bool:
    return upper_norm(first_text(root, f"{party}/cac:PostalAddress/cac:Country/cbc:IdentificationCode")) == code


@per_document
def both_german(root: Element) -> bool:
    """Seller and buyer postal addresses are both in Germany."""
    return _postal_is(root, "cac:AccountingSupplierParty/cac:Party", "DE") and _postal_is(
        root, "cac:AccountingCustomerParty/cac:Party", "DE"
    )


@per_document
def document_currencies(root: Element) -> set[str]:
    return set(texts(root, "cbc:DocumentCurrencyCode"))


def _raw_country(root: Element, party: str) -> str:
    return first_text(root, f"{party}/cac:PostalAddress/cac:Country/cbc:IdentificationCode") or ""


@per_document
def dk_parties(root: Element) -> tuple[bool, bool]:
    """(seller in DK, buyer in DK) by the raw postal country codes, as the Danish rules test."""
    return (
        _raw_country(root, "cac:AccountingSupplierParty/cac:Party") == "DK",
        _raw_country(root, "cac:AccountingCustomerParty/cac:Party") == "DK",
    )


@per_document
def is_parties(root: Element) -> tuple[bool, bool]:
    return (
        _raw_country(root, "cac:AccountingSupplierParty/cac:Party") == "IS",
        _raw_country(root, "cac:AccountingCustomerParty/cac:Party") == "IS",
    )


@per_document
def nl_parties(root: Element) -> tuple[bool, bool, bool]:
    """(seller, buyer, tax representative) postal country is NL."""
    return (
        _postal_is(root, "cac:AccountingSupplierParty/cac:Party", "NL"),
        _postal_is(root, "cac:AccountingCustomerParty/cac:Party", "NL"),
        _postal_is(root, "cac:TaxRepresentativeParty", "NL"),
    )


def greek_sender(root: Element) -> bool:
    return supplier_country(root) in ("GR", "EL")


def greek_both(root: Element) -> bool:
    return greek_sender(root) and customer_country(root) in ("GR", "EL")


def _by_tags(*names: str, keep: Callable[[Element], bool] | None = None) -> Callable[[Element], list[Element]]:
    """All elements with one of the given ``prefix:local`` names (from the per-document index)."""
    tags = [f"{{{NSMAP[n.split(':')[0]]}}}{n.split(':')[1]}" for n in names]

    def nodes(root: Element) -> list[Element]:
        index = element_index(root)
        found = [e for t in tags for e in index.get(t, ())]
        return [e for e in found if keep(e)] if keep else found

    return nodes


# --------------------------------------------------------------------------------------------
# Transaction rules
# --------------------------------------------------------------------------------------------

_AMOUNT_TAGS: Final = (
    "cbc:Amount", "cbc:BaseAmount", "cbc:PriceAmount", "cbc:TaxableAmount", "cbc:LineExtensionAmount",
    "cbc:TaxExclusiveAmount", "cbc:TaxInclusiveAmount", "cbc:AllowanceTotalAmount", "cbc:ChargeTotalAmount",
    "cbc:PrepaidAmount", "cbc:PayableRoundingAmount", "cbc:PayableAmount",
)  # fmt: skip
_CAC: Final = NSMAP["cac"]


_TAX_AMOUNT: Final = canonical(f"{{{NSMAP['cbc']}}}TaxAmount")
_TAX_SUBTOTAL: Final = canonical(f"{{{_CAC}}}TaxSubtotal")
_TAX_TOTAL: Final = canonical(f"{{{_CAC}}}TaxTotal")


def _r051_amount(e: Element) -> bool:
    # tag_of: the shared tag string (lxml's ``tag`` builds a new one per read)
    if tag_of(e) != _TAX_AMOUNT:
        return True
    parent = e.getparent()
    if parent is None:
        return False
    pname = tag_of(parent)
    return pname == _TAX_SUBTOTAL or (pname == _TAX_TOTAL and has(parent, "cac:TaxSubtotal"))


_ICD_HOLDERS: Final = ("cbc:EndpointID", "cbc:ID", "cbc:CompanyID")
_T_ID: Final = canonical(f"{{{NSMAP['cbc']}}}ID")
_T_ENDPOINT_ID: Final = canonical(f"{{{NSMAP['cbc']}}}EndpointID")
_T_PARTY_IDENTIFICATION: Final = canonical(f"{{{_CAC}}}PartyIdentification")


@per_document
def _identifiers_by_scheme(root: Element) -> dict[str, list[Element]]:
    """EndpointID, PartyIdentification/ID and CompanyID elements grouped by their exact schemeID."""
    out: dict[str, list[Element]] = {}
    for e in _by_tags(*_ICD_HOLDERS)(root):
        scheme = e.get("schemeID")
        if scheme is None:
            continue
        if tag_of(e) == _T_ID:
            parent = e.getparent()
            if parent is None or tag_of(parent) != _T_PARTY_IDENTIFICATION:
                continue
        out.setdefault(scheme, []).append(e)
    return out


def _icd(scheme: str, endpoint_only: bool = False) -> Callable[[Element], list[Element]]:
    def nodes(root: Element) -> list[Element]:
        found = _identifiers_by_scheme(root).get(scheme, [])
        if endpoint_only:
            return [e for e in found if tag_of(e) == _T_ENDPOINT_ID]
        return found

    return nodes


def _tax_profile_ok(node: Element) -> bool:
    return profile(node) != "Unknown"


def r002(root: Element) -> bool:
    return len(nodes_at(root, "cbc:Note")) <= 1 or both_german(root)


def r051(node: Element) -> bool:
    return node.get("currencyID") in document_currencies(node)


_R051_AMOUNTS: Final = _by_tags(*_AMOUNT_TAGS, "cbc:TaxAmount", keep=_r051_amount)


def _r051_violations(root: Element) -> list[Element]:
    """The R051 amounts whose currency is not the document currency.

    Selecting the failures directly (the rule itself then always fails) asks for the document
    currencies once instead of once per amount; the findings are the same as testing
    :func:`r051` on every amount.
    """
    currencies = document_currencies(root)
    return [e for e in _R051_AMOUNTS(root) if e.get("currencyID") not in currencies]


def _fails(_node: Element) -> bool:
    """The test of a context that selects only violations."""
    return False


def transaction_contexts(
    tolerance: Callable[[Element], Decimal],
    *,
    keep: frozenset[str] | None = None,
    r120_severity: Severity = F,
    payment_means: str = "//cac:PaymentMeans",
) -> list[Context]:
    """The transaction rules (``PEPPOL-EN16931-R0xx/R1xx``, ``PEPPOL-COMMON-R040…``) in pack order.

    The Peppol pack runs all of them with its fixed tolerance. The XRechnung pack merges the
    rules in ``keep`` with its own ``tolerance`` (0.5 for HUF) and R120 as a warning, and selects
    the direct-debit payment means at ``/*/cac:PaymentMeans`` (the official pack, like Peppol's,
    matches them anywhere; our XRechnung pack has always anchored them at the root).
    """
    table: RuleTable = [
        (
            ROOTS,
            [
                _rule("PEPPOL-EN16931-R001", F, "The business process (ProfileID) is missing.", xb("cbc:ProfileID")),
                _rule(
                    "PEPPOL-EN16931-R007",
                    F,
                    "The business process must have the form urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0.",
                    _tax_profile_ok,
                ),
                _rule(
                    "PEPPOL-EN16931-R002",
                    F,
                    "Only one document-level note is allowed, unless seller and buyer are both German.",
                    r002,
                ),
                _rule(
                    "PEPPOL-EN16931-R003",
                    F,
                    "A buyer reference or a purchase order reference is required.",
                    xb("cbc:BuyerReference or cac:OrderReference/cbc:ID"),
                ),
                _rule(
                    "PEPPOL-EN16931-R004",
                    F,
                    "The specification identifier must start with the Peppol BIS Billing 3.0 identifier.",
                    lambda n: normalize_space(
                        (lambda c: c.text if c is not None else "")(node_at(n, "cbc:CustomizationID"))
                    ).startswith("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"),
                ),
                _rule(
                    "PEPPOL-EN16931-R053",
                    F,
                    "There must be exactly one tax total that carries tax subtotals.",
                    r053,
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
        (
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
        (
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
        (
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
        (
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
        (
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
        (
            ac_paths(""),
            [
                _rule(
                    "PEPPOL-EN16931-R040",
                    F,
                    "Allowance/charge amount does not equal base amount x percentage / 100.",
                    make_r040(
                        tolerance, amount="cbc:Amount", base="cbc:BaseAmount", percent="cbc:MultiplierFactorNumeric"
                    ),
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
        (
            f"{payment_means}[normalize-space(cbc:PaymentMeansCode) = '49' or normalize-space(cbc:PaymentMeansCode) = '59']",
            [
                _rule(
                    "PEPPOL-EN16931-R061",
                    F,
                    "Direct debit requires the mandate reference (PaymentMandate/ID).",
                    xb("cac:PaymentMandate/cbc:ID"),
                )
            ],
        ),
        (
            _r051_violations,
            [
                _rule(
                    "PEPPOL-EN16931-R051",
                    F,
                    "The currency of this amount differs from the invoice currency (BT-5).",
                    _fails,
                )
            ],
        ),
        (
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
        (
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
        (
            "//cac:InvoiceLine | //cac:CreditNoteLine",
            [
                _rule(
                    "PEPPOL-EN16931-R120",
                    r120_severity,
                    "Line net amount does not equal quantity x (price / base quantity) + line charges - line allowances.",
                    make_r120(tolerance),
                ),
                _rule(
                    "PEPPOL-EN16931-R121",
                    F,
                    "The price base quantity must be greater than zero.",
                    r121,
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
                    "A line document reference may only be an invoiced object (type code 130).",
                    r101,
                ),
            ],
        ),
        (
            "//cac:Price/cac:AllowanceCharge",
            [
                _rule(
                    "PEPPOL-EN16931-R044",
                    F,
                    "Charges are not allowed on price level; the indicator must be 'false'.",
                    xb("normalize-space(cbc:ChargeIndicator) = 'false'"),
                ),
                _rule(
                    "PEPPOL-EN16931-R046", F, "Net price does not equal gross price minus the price allowance.", r046
                ),
            ],
        ),
        (
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
    ]
    table += [
        (_icd(scheme, endpoint_only), [rule])
        for scheme, endpoint_only, rule in identifier_rules(italian_vat_endpoint=False, abn_eleven_digits=True)
    ]
    return build_contexts(table, keep)


def transaction_patterns() -> list[Pattern]:
    return [
        empty_element_pattern(empty_elements, "empty-elements"),
        Pattern(
            [
                ctx(
                    "/cn:CreditNote",
                    [
                        _rule(
                            "PEPPOL-EN16931-R080",
                            F,
                            "Only one project reference (document type 50) is allowed on document level.",
                            xb("count(cac:AdditionalDocumentReference[cbc:DocumentTypeCode = '50']) <= 1"),
                        )
                    ],
                )
            ],
            "credit-note",
        ),
        Pattern(transaction_contexts(fixed_slack), "transaction"),
    ]


# --------------------------------------------------------------------------------------------
# National rules
# --------------------------------------------------------------------------------------------


def no_r001(party: Element) -> bool:
    """Norwegian VAT number: NO + valid organisation number + MVA (only checked when it starts with NO)."""
    pts = _vat_schemes(party)
    if not pts:
        return True
    cid = first_text(pts[0], "cbc:CompanyID") or ""
    if not any((first_text(p, "cbc:CompanyID") or "")[:2] == "NO" for p in pts):
        return True
    return cid[:2] == "NO" and NO_MVA.search(cid[2:]) is not None and mod11(cid[2:11])


def _vat_schemes(party: Element) -> list[Element]:
    return [
        p
        for p in nodes_at(party, "cac:PartyTaxScheme")
        if normalize_space(first_text(p, "cac:TaxScheme/cbc:ID")) == "VAT"
    ]


def norway_pattern() -> Pattern:
    return Pattern(
        [
            ctx(
                when(lambda r: supplier_country(r) == "NO", "/*/cac:AccountingSupplierParty/cac:Party"),
                [
                    _rule(
                        "NO-R-002",
                        W,
                        "Norwegian suppliers registered in Foretaksregisteret should state it as tax registration (scheme TAX).",
                        lambda n: (
                            normalize_space(
                                next(
                                    (
                                        first_text(p, "cbc:CompanyID")
                                        for p in nodes_at(n, "cac:PartyTaxScheme")
                                        if normalize_space(first_text(p, "cac:TaxScheme/cbc:ID")) == "TAX"
                                    ),
                                    "",
                                )
                            )
                            == "Foretaksregisteret"
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


def dk_r004(ac: Element) -> bool:
    if "ZZZ" not in texts(ac, "cbc:AllowanceChargeReasonCode"):
        return True
    reason_el = node_at(ac, "cbc:AllowanceChargeReason")
    reason = "" if reason_el is None else string_value(reason_el)
    first = reason_el.text or "" if reason_el is not None else ""
    num = xpath_number(reason) if reason_el is not None else float("nan")
    four_digit = len(normalize_space(first)) == 4 and num >= 0 and num <= 9999
    hashed = reason_el is not None and "#" in reason and not reason.startswith("#") and not reason.endswith("#")
    return four_digit or hashed


def _dk(both: bool) -> Callable[[Element], bool]:
    return (lambda r: all(dk_parties(r))) if both else (lambda r: dk_parties(r)[0])


def denmark_pattern() -> Pattern:
    pid = " | ".join(
        f"/*/cac:{p}/cac:Party/cac:PartyIdentification" for p in ("AccountingSupplierParty", "AccountingCustomerParty")
    )
    prefix = "substring(cbc:PaymentID, 1, 3)"
    return Pattern(
        [
            ctx(
                when(_dk(False), ROOTS),
                [
                    _rule(
                        "DK-R-002",
                        F,
                        "Danish suppliers must give their legal entity id (CVR number).",
                        xb(
                            "normalize-space(cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID/text()) != ''"
                        ),
                    ),
                    _rule(
                        "DK-R-014",
                        F,
                        "Danish suppliers must use scheme 0184 (CVR) for their legal entity id.",
                        xb(
                            "not(cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID and normalize-space(cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID/@schemeID) != '0184')"
                        ),
                    ),
                    _rule(
                        "DK-R-016",
                        F,
                        "A Danish credit note to a Danish buyer must not have a negative amount due.",
                        lambda n: (
                            not (
                                n.tag != _INVOICE_TAG
                                and dk_parties(n)[1]
                                and xpath_number(
                                    (lambda e: e.text if e is not None else None)(
                                        node_at(n, "cac:LegalMonetaryTotal/cbc:PayableAmount")
                                    )
                                )
                                < 0
                            )
                        ),
                    ),
                ],
            ),
            ctx(
                when(_dk(True), pid),
                [
                    _rule(
                        "DK-R-013",
                        F,
                        "Danish suppliers must give a scheme for party identifiers.",
                        xb("not(cbc:ID and normalize-space(cbc:ID/@schemeID) = '')"),
                    )
                ],
            ),
            ctx(
                when(_dk(True), "/ubl:Invoice/cac:PaymentMeans"),
                [
                    _rule(
                        "DK-R-005",
                        F,
                        "Danish suppliers may only use payment means codes 1, 10, 31, 42, 48, 49, 50, 58, 59, 93 and 97.",
                        xb("contains(' 1 10 31 42 48 49 50 58 59 93 97 ', concat(' ', cbc:PaymentMeansCode, ' '))"),
                    ),
                    _rule(
                        "DK-R-006",
                        F,
                        "Payment means 31/42 requires bank account and registration number.",
                        xb(
                            "not((cbc:PaymentMeansCode = '31' or cbc:PaymentMeansCode = '42') and not(normalize-space(cac:PayeeFinancialAccount/cbc:ID/text()) != '' and normalize-space(cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID/text()) != ''))"
                        ),
                    ),
                    _rule(
                        "DK-R-007",
                        F,
                        "Payment means 49 requires the mandate id and the payer account.",
                        xb(
                            "not(cbc:PaymentMeansCode = '49' and not(normalize-space(cac:PaymentMandate/cbc:ID/text()) != '' and normalize-space(cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID/text()) != ''))"
                        ),
                    ),
                    _rule(
                        "DK-R-008",
                        F,
                        "Giro payment (50) requires a payment id starting with 01#, 04# or 15# and a 7-8 digit giro account.",
                        xb(
                            f"not(cbc:PaymentMeansCode = '50' and not(({prefix} = '01#' or {prefix} = '04#' or {prefix} = '15#') and bw:re(cac:PayeeFinancialAccount/cbc:ID, '^[0-9]{{7,8}}\\Z')))"
                        ),
                    ),
                    _rule(
                        "DK-R-009",
                        F,
                        "Giro payment ids starting with 04# or 15# must carry a 16 digit instruction id.",
                        xb(
                            f"not(cbc:PaymentMeansCode = '50' and ({prefix} = '04#' or {prefix} = '15#') and not(string-length(cbc:PaymentID) = 19))"
                        ),
                    ),
                    _rule(
                        "DK-R-010",
                        F,
                        "FIK payment (93) requires a payment id starting with 71#, 73# or 75# and an 8 character creditor number.",
                        xb(
                            f"not(cbc:PaymentMeansCode = '93' and not(({prefix} = '71#' or {prefix} = '73#' or {prefix} = '75#') and string-length(cac:PayeeFinancialAccount/cbc:ID/text()) = 8))"
                        ),
                    ),
                    _rule(
                        "DK-R-011",
                        F,
                        "FIK payment ids starting with 71# or 75# must carry a 15-16 digit instruction id.",
                        xb(
                            f"not(cbc:PaymentMeansCode = '93' and ({prefix} = '71#' or {prefix} = '75#') and not(string-length(cbc:PaymentID) = 18 or string-length(cbc:PaymentID) = 19))"
                        ),
                    ),
                ],
            ),
            ctx(
                when(_dk(True), "/ubl:Invoice/cac:InvoiceLine | /cn:CreditNote/cac:CreditNoteLine"),
                [
                    _rule(
                        "DK-R-003",
                        W,
                        "Danish suppliers should use UNSPSC version 19.05.01 or 26.08.01 for item classification.",
                        xb(
                            "not(cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode/@listID = 'TST' and not(cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode/@listVersionID = '19.05.01' or cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode/@listVersionID = '19.0501' or cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode/@listVersionID = '26.08.01' or cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode/@listVersionID = '26.0801'))"
                        ),
                    )
                ],
            ),
            ctx(
                when(_dk(True), "//cac:AllowanceCharge"),
                [
                    _rule(
                        "DK-R-004",
                        F,
                        "Non-VAT taxes (reason code ZZZ) must give a 4-digit tax category or a text with an inner '#' as reason.",
                        dk_r004,
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
                when(
                    it,
                    "/*/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) != 'VAT']",
                ),
                [
                    _rule(
                        "IT-R-001",
                        F,
                        "[IT-R-001] Italian suppliers: the tax registration id (BT-32) must be 11 to 16 capital letters or digits.",
                        xb("bw:re(normalize-space(cbc:CompanyID), '^[A-Z0-9]{11,16}\\Z')"),
                    )
                ],
            ),
            ctx(
                when(it, "/*/cac:AccountingSupplierParty/cac:Party"),
                [
                    _rule(
                        "IT-R-002",
                        F,
                        "[IT-R-002] Italian suppliers must give the street (BT-35).",
                        xb("cac:PostalAddress/cbc:StreetName"),
                    ),
                    _rule(
                        "IT-R-003",
                        F,
                        "[IT-R-003] Italian suppliers must give the city (BT-37).",
                        xb("cac:PostalAddress/cbc:CityName"),
                    ),
                    _rule(
                        "IT-R-004",
                        F,
                        "[IT-R-004] Italian suppliers must give the post code (BT-38).",
                        xb("cac:PostalAddress/cbc:PostalZone"),
                    ),
                ],
            ),
        ],
        "italy",
    )


_SE_SELLER: Final = (
    "//cac:AccountingSupplierParty/cac:Party[cac:PostalAddress/cac:Country/cbc:IdentificationCode = 'SE'"
)
_SE_VAT: Final = "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT'][substring(cbc:CompanyID, 1, 2) = 'SE']"


def _se_vat_id(party: Element) -> str:
    for p in nodes_at(party, "cac:PartyTaxScheme"):
        if "VAT" in texts(p, "cac:TaxScheme/cbc:ID"):
            return first_text(p, "cbc:CompanyID") or ""
    return ""


_SE_PARTY_COUNTRY: Final = "cac:PostalAddress/cac:Country/cbc:IdentificationCode"


_T_PARTY: Final = _CAC_NS + "Party"


def _swedish_parties(root: Element, role: str) -> list[Element]:
    """``//cac:{role}/cac:Party[cac:PostalAddress/cac:Country/cbc:IdentificationCode = 'SE']``."""
    return [
        p
        for p in element_index(root).get(_T_PARTY, ())
        if (parent := p.getparent()) is not None
        and parent.tag == _CAC_NS + role
        and "SE" in texts(p, _SE_PARTY_COUNTRY)
    ]


def _has_se_vat(party: Element) -> bool:
    """The party has ``cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT'][substring(cbc:CompanyID, 1, 2) = 'SE']``."""
    return any(
        "VAT" in texts(pts, "cac:TaxScheme/cbc:ID") and (first_text(pts, "cbc:CompanyID") or "")[:2] == "SE"
        for pts in nodes_at(party, "cac:PartyTaxScheme")
    )


@per_document
def _se_sellers(root: Element) -> list[Element]:
    """Seller parties with a Swedish postal address (in document order)."""
    return _swedish_parties(root, "AccountingSupplierParty")


def _se_seller(root: Element) -> bool:
    """Some seller party has a Swedish postal address."""
    return bool(_se_sellers(root))


@per_document
def _se_domestic(root: Element) -> bool:
    return _se_seller(root) and bool(_swedish_parties(root, "AccountingCustomerParty"))


def _se_sellers_with_se_vat(root: Element) -> list[Element]:
    """``{_SE_SELLER} and {_SE_VAT}]``: Swedish seller parties with a VAT number starting with SE."""
    return [p for p in _se_sellers(root) if _has_se_vat(p)]


@per_document
def _se_seller_with_se_vat(root: Element) -> bool:
    """Some Swedish seller party also has a VAT number starting with SE."""
    return bool(_se_sellers_with_se_vat(root))


def _se_tax_registrations(root: Element) -> list[Element]:
    """The CompanyIDs of a Swedish seller's non-VAT tax schemes, when it has a legal entity id:
    ``{_SE_SELLER} and cac:PartyLegalEntity/cbc:CompanyID]/cac:PartyTaxScheme[normalize-space(
    upper-case(cac:TaxScheme/cbc:ID)) != 'VAT']/cbc:CompanyID``."""
    out: list[Element] = []
    for party in _se_sellers(root):
        if not has(party, "cac:PartyLegalEntity/cbc:CompanyID"):
            continue
        for pts in nodes_at(party, "cac:PartyTaxScheme"):
            if normalize_space((first_text(pts, "cac:TaxScheme/cbc:ID") or "").upper()) != "VAT":
                out.extend(nodes_at(pts, "cbc:CompanyID"))
    return out


def sweden_pattern() -> Pattern:
    return Pattern(
        [
            ctx(_se_sellers_with_se_vat, se_vat_rules(_se_vat_id)),
            ctx(
                "//cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity[../cac:PostalAddress/cac:Country/cbc:IdentificationCode = 'SE' and cbc:CompanyID]",
                se_orgnr_rules("cbc:CompanyID"),
            ),
            ctx(_se_tax_registrations, [se_f_skatt_rule()]),
            ctx(
                when(
                    _se_seller_with_se_vat,
                    "//cac:TaxCategory[cbc:ID = 'S'] | //cac:ClassifiedTaxCategory[cbc:ID = 'S']",
                ),
                [
                    _rule(
                        "SE-R-006",
                        F,
                        "Swedish suppliers may only use the standard VAT rates 25, 12 or 6.",
                        xb("number(cbc:Percent) = 25 or number(cbc:Percent) = 12 or number(cbc:Percent) = 6"),
                    )
                ],
            ),
            ctx(
                when(
                    _se_seller,
                    "//cac:PaymentMeans[normalize-space(cbc:PaymentMeansCode) = '30' and normalize-space(cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID) = 'SE:PLUSGIRO']/cac:PayeeFinancialAccount/cbc:ID",
                ),
                se_plusgiro_rules(),
            ),
            ctx(
                when(
                    _se_seller,
                    "//cac:PaymentMeans[normalize-space(cbc:PaymentMeansCode) = '30' and normalize-space(cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID) = 'SE:BANKGIRO']/cac:PayeeFinancialAccount/cbc:ID",
                ),
                se_bankgiro_rules(),
            ),
            ctx(
                when(_se_seller, "//cac:PaymentMeans[(cbc:PaymentMeansCode = '50' or cbc:PaymentMeansCode = '56')]"),
                [
                    _rule(
                        "SE-R-011",
                        W,
                        "Swedish Bankgiro/Plusgiro should be given as payment means 30 with branch id SE:BANKGIRO or SE:PLUSGIRO.",
                        lambda n: False,
                    )
                ],
            ),
            ctx(
                when(_se_domestic, "//cac:PaymentMeans[cbc:PaymentMeansCode = '31']"),
                [se_domestic_transfer_rule()],
            ),
        ],
        "sweden",
    )


# Greece ------------------------------------------------------------------------------------

_GR_DATE: Final = re.compile(r"^(0?[1-9]|[12][0-9]|3[01])[-\\/ ]?(0?[1-9]|1[0-2])[-\\/ ]?(19|20)[0-9]{2}")
_GR_DOC_TYPES: Final = frozenset({"1.1", "1.6", "2.1", "2.4", "5.1", "5.2", ""})


def _segments(node: Element) -> list[str]:
    value = string_value(node)
    return value.split("|") if value else []


def _seg(node: Element, i: int) -> str | None:
    s = _segments(node)
    return s[i] if i < len(s) else None


def _tin_of(root: Element, party: str) -> list[str]:
    return [
        (first_text(p, "cbc:CompanyID") or "")[2:11]
        for p in nodes_at(root, f"{party}/cac:PartyTaxScheme")
        if "VAT" in texts(p, "cac:TaxScheme/cbc:ID")
    ]


def gr_001_2(node: Element) -> bool:
    s1 = _seg(node, 0)
    if s1 is None:
        return False
    root = node.getroottree().getroot()
    tins = _tin_of(root, "cac:AccountingSupplierParty/cac:Party") + _tin_of(root, "cac:TaxRepresentativeParty")
    return len(normalize_space(s1)) == 9 and greek_tin(s1) and s1 in tins


def gr_001_3(node: Element) -> bool:
    s2 = _seg(node, 1)
    if s2 is None or not normalize_space(s2) or not _GR_DATE.search(s2):
        return False
    root = node.getroottree().getroot()
    issue_el = node_at(root, "cbc:IssueDate")
    issue = string_value(issue_el).split("-") if issue_el is not None and string_value(issue_el) else []
    parts = s2.split("/") if s2 else []
    return (
        len(parts) >= 3 and len(issue) >= 3 and parts[0] == issue[2] and parts[1] == issue[1] and parts[2] == issue[0]
    )


def gr_001_4(node: Element) -> bool:
    s3 = _seg(node, 2)
    if s3 is None or not normalize_space(s3) or is_nan_number(s3):
        return False
    num = xpath_number(s3)
    return num.is_integer() and num >= 0


def _count_desc(root: Element, desc: str) -> int:
    return sum(
        1 for a in nodes_at(root, "cac:AdditionalDocumentReference") if desc in texts(a, "cbc:DocumentDescription")
    )


def _vat_company_ids(party: Element) -> list[str]:
    return [t for p in _vat_schemes(party) for t in texts(p, "cbc:CompanyID")]


def gr_vat_ok(party: Element) -> bool:
    ids = _vat_company_ids(party)
    return len(ids) == 1 and ids[0][:2] == "EL" and greek_tin(ids[0][2:])


def greece_patterns() -> list[Pattern]:
    gr = greek_sender

    def gr_addr(r: Element) -> bool:
        return greek_sender(r) and "GR" in texts(
            r, "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode"
        )

    sender = Pattern(
        [
            ctx(
                when(gr, "/ubl:Invoice/cbc:ID | /cn:CreditNote/cbc:ID"),
                [
                    _rule(
                        "GR-R-001-1",
                        F,
                        "Greek suppliers: the invoice number must have 6 segments separated by '|'.",
                        lambda n: len(_segments(n)) == 6,
                    ),
                    _rule(
                        "GR-R-001-2",
                        F,
                        "Greek suppliers: the first segment of the invoice number must be the valid TIN of the supplier or tax representative.",
                        gr_001_2,
                    ),
                    _rule(
                        "GR-R-001-3",
                        F,
                        "Greek suppliers: the second segment of the invoice number must be the issue date (DD/MM/YYYY).",
                        gr_001_3,
                    ),
                    _rule(
                        "GR-R-001-4",
                        F,
                        "Greek suppliers: the third segment of the invoice number must be a non-negative integer.",
                        gr_001_4,
                    ),
                    _rule(
                        "GR-R-001-5",
                        F,
                        "Greek suppliers: the fourth segment of the invoice number must be a valid Greek document type.",
                        lambda n: (lambda s: s is not None and bool(normalize_space(s)) and s in _GR_DOC_TYPES)(
                            _seg(n, 3)
                        ),
                    ),
                    _rule(
                        "GR-R-001-6",
                        F,
                        "Greek suppliers: the fifth segment of the invoice number must not be empty.",
                        lambda n: bool(_seg(n, 4)),
                    ),
                    _rule(
                        "GR-R-001-7",
                        F,
                        "Greek suppliers: the sixth segment of the invoice number must not be empty.",
                        lambda n: bool(_seg(n, 5)),
                    ),
                ],
            ),
            ctx(
                when(gr, "/*/cac:AccountingSupplierParty/cac:Party"),
                [
                    _rule(
                        "GR-R-002",
                        F,
                        "Greek suppliers must give their registered name.",
                        lambda n: len(first_text(n, "cac:PartyName/cbc:Name") or "") > 0,
                    ),
                    _rule(
                        "GR-S-011",
                        W,
                        "Greek suppliers should give exactly one VAT number, prefixed EL and with a valid TIN.",
                        gr_vat_ok,
                    ),
                ],
            ),
            ctx(
                when(
                    gr,
                    "/*/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) = 'VAT']/cbc:CompanyID",
                ),
                [
                    _rule(
                        "GR-R-003",
                        F,
                        "Greek suppliers' VAT number must start with EL followed by a valid TIN.",
                        lambda n: (lambda v: v[:2] == "EL" and greek_tin(v[2:]))(string_value(n)),
                    )
                ],
            ),
            ctx(
                when(gr_addr, ROOTS),
                [
                    _rule(
                        "GR-R-004-1",
                        F,
                        "Greek suppliers must give exactly one MARK number.",
                        lambda n: _count_desc(n, "##M.AR.K##") == 1,
                    ),
                    _rule(
                        "GR-S-008-1",
                        W,
                        "Greek suppliers should give one invoice URL.",
                        lambda n: _count_desc(n, "##INVOICE|URL##") == 1,
                    ),
                    _rule(
                        "GR-R-008-2",
                        F,
                        "Greek suppliers may give at most one invoice URL.",
                        lambda n: _count_desc(n, "##INVOICE|URL##") <= 1,
                    ),
                ],
            ),
            ctx(
                when(gr_addr, "//cac:AdditionalDocumentReference[cbc:DocumentDescription = '##M.AR.K##']/cbc:ID"),
                [
                    _rule(
                        "GR-R-004-2", F, "The MARK number must be a positive integer.", xb("bw:re(., '^[1-9]([0-9]*)')")
                    )
                ],
            ),
            ctx(
                when(gr, "//cac:AdditionalDocumentReference[cbc:DocumentDescription = '##INVOICE|URL##']"),
                [
                    _rule(
                        "GR-R-008-3",
                        F,
                        "The invoice URL reference must give the external URI.",
                        xb("string-length(normalize-space(cac:Attachment/cac:ExternalReference/cbc:URI)) > 0"),
                    )
                ],
            ),
            ctx(
                when(gr, "/*/cac:AccountingCustomerParty/cac:Party"),
                [
                    _rule(
                        "GR-R-005",
                        F,
                        "Greek suppliers must give the buyer's full name.",
                        lambda n: len(first_text(n, "cac:PartyName/cbc:Name") or "") > 0,
                    )
                ],
            ),
            ctx(
                when(
                    lambda r: accounting_supplier_country(r) in ("GR", "EL"),
                    "/*/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
                ),
                [
                    _rule(
                        "GR-R-009",
                        F,
                        "Greek suppliers must use their TIN with scheme 9933 as electronic address.",
                        lambda n: n.get("schemeID") == "9933" and greek_tin(string_value(n)),
                    )
                ],
            ),
        ],
        "greece-sender",
    )
    both = Pattern(
        [
            ctx(
                when(greek_both, "/*/cac:AccountingCustomerParty/cac:Party"),
                [
                    _rule(
                        "GR-R-006",
                        F,
                        "For Greek buyers, the buyer's VAT number (EL + valid TIN) must be given.",
                        gr_vat_ok,
                    )
                ],
            ),
            ctx(
                when(greek_both, "/*/cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"),
                [
                    _rule(
                        "GR-R-010",
                        F,
                        "For Greek buyers, the electronic address must be the buyer's TIN with scheme 9933.",
                        lambda n: n.get("schemeID") == "9933" and greek_tin(string_value(n)),
                    )
                ],
            ),
        ],
        "greece-both",
    )
    return [sender, both]


# Iceland -----------------------------------------------------------------------------------


def _eindagi(root: Element) -> list[Element]:
    return [
        a for a in nodes_at(root, "cac:AdditionalDocumentReference") if "EINDAGI" in texts(a, "cbc:DocumentDescription")
    ]


def is_r008(root: Element) -> bool:
    refs = _eindagi(root)
    if not refs:
        return True
    ident = first_text(refs[0], "cbc:ID") or ""
    return len(ident) == 10 and castable_date(ident)


def is_r010(root: Element) -> bool:
    refs = _eindagi(root)
    if not refs:
        return True
    ids = [t for a in refs for t in texts(a, "cbc:ID")]
    return any(d <= i for d in texts(root, "cbc:DueDate") for i in ids)


def _is_account(code: str) -> Callable[[Element], bool]:
    def test(root: Element) -> bool:
        pms = [p for p in nodes_at(root, "cac:PaymentMeans") if code in texts(p, "cbc:PaymentMeansCode")]
        if not pms:
            return True
        ids = [t for p in pms for t in texts(p, "cac:PayeeFinancialAccount/cbc:ID")]
        return bool(ids) and len(normalize_space(ids[0])) == 12

    return test


def iceland_pattern() -> Pattern:
    return Pattern(
        [
            ctx(
                when(lambda r: is_parties(r)[0], ROOTS),
                [
                    _rule(
                        "IS-R-001",
                        W,
                        "[IS-R-001] Icelandic sellers should use invoice type 380 or 381.",
                        lambda n: (
                            normalize_space(first_text(n, "cbc:InvoiceTypeCode")) in ("380", "381")
                            or normalize_space(first_text(n, "cbc:CreditNoteTypeCode")) in ("380", "381")
                        ),
                    ),
                    _rule(
                        "IS-R-002",
                        F,
                        "[IS-R-002] Icelandic sellers must give their kennitala (scheme 0196) as legal id.",
                        xb(
                            "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID/@schemeID = '0196'"
                        ),
                    ),
                    _rule(
                        "IS-R-003",
                        F,
                        "[IS-R-003] Icelandic sellers must give street name and post code.",
                        xb(
                            "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cbc:StreetName and cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cbc:PostalZone"
                        ),
                    ),
                    _rule(
                        "IS-R-006", F, "[IS-R-006] Payment means 9 requires a 12 digit account id.", _is_account("9")
                    ),
                    _rule(
                        "IS-R-007", F, "[IS-R-007] Payment means 42 requires a 12 digit account id.", _is_account("42")
                    ),
                    _rule("IS-R-008", F, "[IS-R-008] The EINDAGI reference id must be a date YYYY-MM-DD.", is_r008),
                    _rule(
                        "IS-R-009",
                        F,
                        "[IS-R-009] An invoice with EINDAGI must have a due date.",
                        lambda n: not _eindagi(n) or has(n, "cbc:DueDate"),
                    ),
                    _rule("IS-R-010", F, "[IS-R-010] The EINDAGI date must not be before the due date.", is_r010),
                ],
            ),
            ctx(
                when(lambda r: all(is_parties(r)), "/*/cac:AccountingCustomerParty"),
                [
                    _rule(
                        "IS-R-004",
                        F,
                        "[IS-R-004] Icelandic buyers must be identified by kennitala (scheme 0196).",
                        xb("cac:Party/cac:PartyLegalEntity/cbc:CompanyID/@schemeID = '0196'"),
                    ),
                    _rule(
                        "IS-R-005",
                        F,
                        "[IS-R-005] Icelandic buyers must have street name and post code.",
                        xb("cac:Party/cac:PostalAddress/cbc:StreetName and cac:Party/cac:PostalAddress/cbc:PostalZone"),
                    ),
                ],
            ),
        ],
        "iceland",
    )


# Netherlands -------------------------------------------------------------------------------

_KVK_OIN: Final = "(contains(concat(' ', @schemeID, ' '), ' 0106 ') or contains(concat(' ', @schemeID, ' '), ' 0190 ')) and normalize-space(.) != ''"


def nl_r007(lmt: Element) -> bool:
    root = lmt.getroottree().getroot()
    payable = decimal_of(lmt, "cbc:PayableAmount")
    if root.tag == _INVOICE_TAG and payable is not None and payable <= 0:
        return True
    if root.tag != _INVOICE_TAG and payable is not None and payable >= 0:
        return True
    # ``.//cac:PaymentMeans`` from the root: any payment means element but the root itself
    return any(e is not root for e in element_index(root).get(_T_PAYMENT_MEANS, ()))


_T_PAYMENT_MEANS: Final = _CAC_NS + "PaymentMeans"


def netherlands_pattern() -> Pattern:
    s = lambda r: nl_parties(r)[0]  # noqa: E731
    sc = lambda r: nl_parties(r)[0] and nl_parties(r)[1]  # noqa: E731
    st = lambda r: nl_parties(r)[0] and nl_parties(r)[2]  # noqa: E731
    address = "cbc:StreetName and cbc:CityName and cbc:PostalZone"
    return Pattern(
        [
            ctx(
                when(s, "//cbc:CreditNoteTypeCode"),
                [
                    _rule(
                        "NL-R-001",
                        F,
                        "[NL-R-001] Dutch suppliers: a credit note must reference the invoice it corrects.",
                        xb("/*/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
                    )
                ],
            ),
            ctx(
                when(s, "//cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"),
                [_rule("NL-R-002", F, "[NL-R-002] Dutch suppliers must give street, city and post code.", xb(address))],
            ),
            ctx(
                when(s, "//cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"),
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
                when(sc, "//cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"),
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
                when(sc, "//cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"),
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
                when(st, "//cac:TaxRepresentativeParty/cac:PostalAddress"),
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
                when(s, "//cac:LegalMonetaryTotal"),
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
                when(sc, "//cac:PaymentMeans"),
                [
                    _rule(
                        "NL-R-008",
                        F,
                        "[NL-R-008] Between Dutch parties only payment means 30, 48, 49, 57, 58 or 59 are allowed.",
                        lambda n: (
                            normalize_space(first_text(n, "cbc:PaymentMeansCode"))
                            in ("30", "48", "49", "57", "58", "59")
                        ),
                    )
                ],
            ),
            ctx(
                when(s, "//cac:OrderLineReference/cbc:LineID"),
                [
                    _rule(
                        "NL-R-009",
                        F,
                        "[NL-R-009] An order line reference requires an order reference on document level.",
                        xb("/*/cac:OrderReference/cbc:ID"),
                    )
                ],
            ),
        ],
        "netherlands",
    )


# Germany -----------------------------------------------------------------------------------

_DE_EMAIL: Final = re.compile(
    r"^[a-zA-Z0-9!#$%&\"*+/=?^_`{|}~-]+(\.[a-zA-Z0-9!#$%&\"*+/=?^_`{|}~-]+)*@([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\.)+[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\Z"
)
_DE_TYPES: Final = frozenset({"326", "380", "384", "389", "381", "875", "876", "877"})


def _pm_numeric(*codes: int) -> str:
    body = " or ".join(f"number(cbc:PaymentMeansCode) = {c}" for c in codes)
    return f"/ubl:Invoice/cac:PaymentMeans[{body}] | /cn:CreditNote/cac:PaymentMeans[{body}]"


def germany_pattern() -> Pattern:
    de = both_german
    return Pattern(
        [
            ctx(
                when(de, ROOTS),
                [
                    _rule("DE-R-001", F, "Payment instructions (BG-16) are required.", xb("cac:PaymentMeans")),
                    _rule(
                        "DE-R-015",
                        F,
                        "The buyer reference (BT-10) is required.",
                        xb("cbc:BuyerReference[normalize-space(.)]"),
                    ),
                    _rule(
                        "DE-R-016",
                        F,
                        "VAT category S, Z, E, AE, K, G, L or M needs a seller VAT/tax id or a tax representative.",
                        br_de_16,
                    ),
                    _rule(
                        "DE-R-017",
                        W,
                        "The invoice type code should be one of 326, 380, 381, 384, 389, 875, 876, 877.",
                        lambda n: any(
                            t in _DE_TYPES for t in texts(n, "cbc:InvoiceTypeCode") + texts(n, "cbc:CreditNoteTypeCode")
                        ),
                    ),
                    _rule(
                        "DE-R-018",
                        F,
                        "A Skonto line in the payment terms does not follow #SKONTO#TAGE=n#PROZENT=n.nn#[BASISBETRAG=n.nn#] plus line break.",
                        lambda n: all(
                            skonto_note_ok(t, anchored=False) for t in texts(n, "cac:PaymentTerms/cbc:Note[1]")
                        ),
                    ),
                    _rule("DE-R-022", F, "The file names of embedded attachments must be unique.", br_de_22),
                    _rule(
                        "DE-R-026",
                        W,
                        "A corrected invoice (384) should reference the preceding invoice (BG-3).",
                        xb(
                            "not(number(cbc:InvoiceTypeCode) = 384 or number(cbc:CreditNoteTypeCode) = 384) or cac:BillingReference/cac:InvoiceDocumentReference"
                        ),
                    ),
                    _rule(
                        "DE-R-030",
                        F,
                        "Direct debit (BG-19) requires the creditor identifier (BT-90).",
                        xb(
                            "not(cac:PaymentMeans/cac:PaymentMandate) or cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification/cbc:ID[@schemeID = 'SEPA'] or cac:PayeeParty/cac:PartyIdentification/cbc:ID[@schemeID = 'SEPA']"
                        ),
                    ),
                    _rule(
                        "DE-R-031",
                        F,
                        "Direct debit (BG-19) requires the debited account (BT-91).",
                        xb(
                            "not(cac:PaymentMeans/cac:PaymentMandate) or cac:PaymentMeans/cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"
                        ),
                    ),
                ],
            ),
            ctx(
                when(de, "/*/cac:AccountingSupplierParty"),
                [_rule("DE-R-002", F, "The seller contact (BG-6) is required.", xb("cac:Party/cac:Contact"))],
            ),
            ctx(
                when(de, "/*/cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"),
                [
                    _rule(
                        "DE-R-003", F, "The seller city (BT-37) is required.", xb("cbc:CityName[normalize-space(.)]")
                    ),
                    _rule(
                        "DE-R-004",
                        F,
                        "The seller post code (BT-38) is required.",
                        xb("cbc:PostalZone[normalize-space(.)]"),
                    ),
                ],
            ),
            ctx(
                when(de, "/*/cac:AccountingSupplierParty/cac:Party/cac:Contact"),
                [
                    _rule(
                        "DE-R-005",
                        F,
                        "The seller contact point (BT-41) is required.",
                        xb("cbc:Name[normalize-space(.)]"),
                    ),
                    _rule(
                        "DE-R-006",
                        F,
                        "The seller telephone number (BT-42) is required.",
                        xb("cbc:Telephone[normalize-space(.)]"),
                    ),
                    _rule(
                        "DE-R-007",
                        F,
                        "The seller email address (BT-43) is required.",
                        xb("cbc:ElectronicMail[normalize-space(.)]"),
                    ),
                    _rule(
                        "DE-R-027",
                        W,
                        "The seller telephone number should contain at least three digits.",
                        lambda n: telephone_ok(first_text(n, "cbc:Telephone")),
                    ),
                    _rule(
                        "DE-R-028",
                        W,
                        "The seller email address does not look valid.",
                        lambda n: _DE_EMAIL.search(normalize_space(first_text(n, "cbc:ElectronicMail"))) is not None,
                    ),
                ],
            ),
            ctx(
                when(de, "/*/cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"),
                [
                    _rule("DE-R-008", F, "The buyer city (BT-52) is required.", xb("cbc:CityName[normalize-space(.)]")),
                    _rule(
                        "DE-R-009",
                        F,
                        "The buyer post code (BT-53) is required.",
                        xb("cbc:PostalZone[normalize-space(.)]"),
                    ),
                ],
            ),
            ctx(
                when(de, "/*/cac:Delivery/cac:DeliveryLocation/cac:Address"),
                [
                    _rule(
                        "DE-R-010",
                        F,
                        "The deliver-to city (BT-77) is required.",
                        xb("cbc:CityName[normalize-space(.)]"),
                    ),
                    _rule(
                        "DE-R-011",
                        F,
                        "The deliver-to post code (BT-78) is required.",
                        xb("cbc:PostalZone[normalize-space(.)]"),
                    ),
                ],
            ),
            ctx(
                when(de, _pm_numeric(30, 58)),
                [
                    _rule(
                        "DE-R-019",
                        W,
                        "For SEPA credit transfer (58) the payment account should be a valid IBAN.",
                        lambda n: (
                            "58" not in texts(n, "cbc:PaymentMeansCode")
                            or iban_ok(first_text(n, "cac:PayeeFinancialAccount/cbc:ID"))
                        ),
                    ),
                    _rule(
                        "DE-R-023-1",
                        F,
                        "Credit transfer (30/58) requires the credit transfer group (BG-17).",
                        xb("cac:PayeeFinancialAccount"),
                    ),
                    _rule(
                        "DE-R-023-2",
                        F,
                        "Credit transfer (30/58) must not carry card (BG-18) or direct debit (BG-19) data.",
                        xb("not(cac:CardAccount) and not(cac:PaymentMandate)"),
                    ),
                ],
            ),
            ctx(
                when(de, _pm_numeric(48, 54, 55)),
                [
                    _rule(
                        "DE-R-024-1",
                        F,
                        "Card payment (48/54/55) requires the card group (BG-18).",
                        xb("cac:CardAccount"),
                    ),
                    _rule(
                        "DE-R-024-2",
                        F,
                        "Card payment (48/54/55) must not carry credit transfer (BG-17) or direct debit (BG-19) data.",
                        xb("not(cac:PayeeFinancialAccount) and not(cac:PaymentMandate)"),
                    ),
                ],
            ),
            ctx(
                when(de, _pm_numeric(59)),
                [
                    _rule(
                        "DE-R-020",
                        W,
                        "For SEPA direct debit (59) the debited account should be a valid IBAN.",
                        lambda n: (
                            "59" not in texts(n, "cbc:PaymentMeansCode")
                            or iban_ok(first_text(n, "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"))
                        ),
                    ),
                    _rule(
                        "DE-R-025-1",
                        F,
                        "Direct debit (59) requires the direct debit group (BG-19).",
                        xb("cac:PaymentMandate"),
                    ),
                    _rule(
                        "DE-R-025-2",
                        F,
                        "Direct debit (59) must not carry credit transfer (BG-17) or card (BG-18) data.",
                        xb("not(cac:PayeeFinancialAccount) and not(cac:CardAccount)"),
                    ),
                ],
            ),
            ctx(
                when(de, "/*/cac:TaxTotal/cac:TaxSubtotal"),
                [
                    _rule(
                        "DE-R-014",
                        F,
                        "The VAT category rate (BT-119) is required.",
                        xb("cac:TaxCategory/cbc:Percent[normalize-space(.)]"),
                    )
                ],
            ),
        ],
        "germany",
    )


# --------------------------------------------------------------------------------------------
# Code lists and formats
# --------------------------------------------------------------------------------------------

P0100_CODES: Final = codes(
    "71 80 82 84 102 218 219 326 331 380 382 383 384 386 388 393 395 553 575 623 780 817 870 875 876 877"
)
P0101_CODES: Final = codes("381 396 81 83 532")
_EXEMPTIONS: Final = (
    ("PEPPOL-EN16931-P0104", "VATEX-EU-G", "G"),
    ("PEPPOL-EN16931-P0105", "VATEX-EU-O", "O"),
    ("PEPPOL-EN16931-P0106", "VATEX-EU-IC", "K"),
    ("PEPPOL-EN16931-P0107", "VATEX-EU-AE", "AE"),
    ("PEPPOL-EN16931-P0108", "VATEX-EU-D", "E"),
    ("PEPPOL-EN16931-P0109", "VATEX-EU-F", "E"),
    ("PEPPOL-EN16931-P0110", "VATEX-EU-I", "E"),
    ("PEPPOL-EN16931-P0111", "VATEX-EU-J", "E"),
)


def _in_list(name: str, value: Callable[[Element], str | None]) -> Callable[[Element], bool]:
    codes = named_codelist("peppol-ubl", name)

    def test(node: Element) -> bool:
        return value(node) in codes

    return test


def f001(node: Element) -> bool:
    return len(node.text or "") == 10 and castable_date(string_value(node))


@per_document
def _exemption_categories(root: Element) -> dict[str, list[Element]]:
    """Tax categories by upper-cased exemption reason code (one pass for all P0104-P0111 rules)."""
    out: dict[str, list[Element]] = {}
    for tc in element_index(root).get(f"{{{_CAC}}}TaxCategory", ()):
        reason = first_text(tc, "cbc:TaxExemptionReasonCode")
        if reason is not None:
            out.setdefault(reason.upper(), []).append(tc)
    return out


def _exemption(code: str) -> Callable[[Element], list[Element]]:
    def nodes(root: Element) -> list[Element]:
        return _exemption_categories(root).get(code, [])

    return nodes


def _category_is(cat: str) -> Callable[[Element], bool]:
    def test(n: Element) -> bool:
        return normalize_space(first_text(n, "cbc:ID")) == cat

    return test


def codelist_pattern() -> Pattern:
    contexts = [
        ctx(
            "//cbc:EmbeddedDocumentBinaryObject[@mimeCode]",
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
            "//cac:AllowanceCharge[cbc:ChargeIndicator = 'false']/cbc:AllowanceChargeReasonCode",
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
            "//cac:AllowanceCharge[cbc:ChargeIndicator = 'true']/cbc:AllowanceChargeReasonCode",
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
            "//cac:InvoicePeriod/cbc:DescriptionCode",
            [
                _rule(
                    "PEPPOL-EN16931-CL006",
                    F,
                    "The invoice period description code is not in UNCL 2005 (3, 35, 432).",
                    _in_list("UNCL2005", own_text),
                )
            ],
        ),
        ctx(
            _by_tags(*_AMOUNT_TAGS, "cbc:TaxAmount"),
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
            "//cbc:InvoiceTypeCode",
            [
                _rule(
                    "PEPPOL-EN16931-P0100",
                    F,
                    "The invoice type code is not allowed for billing profile 01.",
                    lambda n: profile(n) != "01" or own_text(n) in P0100_CODES,
                ),
                _rule(
                    "PEPPOL-EN16931-P0112",
                    F,
                    "Invoice type codes 326 and 384 are only allowed between German seller and buyer.",
                    lambda n: normalize_space(string_value(n)) not in ("326", "384") or both_german(n),
                ),
            ],
        ),
        ctx(
            "//cbc:CreditNoteTypeCode",
            [
                _rule(
                    "PEPPOL-EN16931-P0101",
                    F,
                    "The credit note type code is not allowed for billing profile 01.",
                    lambda n: profile(n) != "01" or own_text(n) in P0101_CODES,
                )
            ],
        ),
        ctx(
            _by_tags(
                "cbc:IssueDate",
                "cbc:DueDate",
                "cbc:TaxPointDate",
                "cbc:StartDate",
                "cbc:EndDate",
                "cbc:ActualDeliveryDate",
            ),
            [_rule("PEPPOL-EN16931-F001", F, "A date must be written YYYY-MM-DD.", f001)],
        ),
        ctx(
            "//cbc:EndpointID[@schemeID]",
            [
                _rule(
                    "PEPPOL-EN16931-CL008",
                    F,
                    "The electronic address scheme is not in the EAS code list.",
                    _in_list("eaid", lambda n: n.get("schemeID")),
                )
            ],
        ),
    ]
    for rid, code, cat in _EXEMPTIONS:
        contexts.append(
            ctx(
                _exemption(code),
                [
                    _rule(
                        rid,
                        F,
                        f"Exemption reason {code} requires VAT category {cat}.",
                        _category_is(cat),
                    )
                ],
            )
        )
    return Pattern(contexts, "codelists")


RULESET: Final = PeppolRuleSet(
    "Peppol BIS Billing 3.0 UBL",
    [
        *transaction_patterns(),
        norway_pattern(),
        denmark_pattern(),
        italy_pattern(),
        sweden_pattern(),
        *greece_patterns(),
        iceland_pattern(),
        netherlands_pattern(),
        germany_pattern(),
        codelist_pattern(),
    ],
)
