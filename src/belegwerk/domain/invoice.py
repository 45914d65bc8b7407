"""The EN 16931 semantic invoice model (business terms BT-1…BT-165, groups BG-1…BG-32).

One model for every syntax: UBL, CII, Factur-X and captured PDFs are all read into
:class:`InvoiceData`, and rules, rendering and conversion work on it alone. Field names are
readable English; each field also carries its official business-term id in its metadata, so
:func:`to_bt_fields` can flatten any invoice to the ``{"BT-1": ...}`` key scheme that the CLI and
the capture module share, and :func:`from_bt_fields` can build an invoice back from it.

Money and quantities are :class:`~decimal.Decimal`, dates :class:`datetime.date`, codes plain
strings (an unknown code must survive reading so that validation can report it). Everything is an
ordinary mutable dataclass: comparable with ``==``, deliberately not hashable.
"""

# The _term/_group helpers return dataclasses.field(...) objects, which ruff cannot see through.
# ruff: noqa: RUF009

from __future__ import annotations

import base64
import binascii
import dataclasses
import types
import typing
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any, Final

from belegwerk.domain.money import format_decimal, parse_decimal

# --------------------------------------------------------------------------------------------
# Field declaration helpers. ``term`` marks a business term, ``group`` a business group; a group
# used in several places (an address, a period) gets its term ids from the field that holds it.
# --------------------------------------------------------------------------------------------


def _term(term_id: str | None = None, default: Any = None) -> Any:
    return field(default=default, metadata={"term": term_id})


def _terms(term_id: str) -> Any:
    return field(default_factory=list, metadata={"term": term_id})


def _group(group_id: str, factory: Any = None, terms: dict[str, str] | None = None) -> Any:
    metadata = {"group": group_id, "terms": terms or {}}
    if factory is None:
        return field(default=None, metadata=metadata)
    return field(default_factory=factory, metadata=metadata)


# --------------------------------------------------------------------------------------------
# Code values
# --------------------------------------------------------------------------------------------


class DocumentType(StrEnum):
    """Invoice type codes (UNTDID 1001) most often met; BT-3 itself stays a plain string."""

    REQUEST_FOR_PAYMENT = "71"
    DEBIT_NOTE_GOODS_SERVICES = "80"
    CREDIT_NOTE_GOODS_SERVICES = "81"
    METERED_SERVICES_INVOICE = "82"
    CREDIT_NOTE_FINANCIAL_ADJUSTMENT = "83"
    DEBIT_NOTE_FINANCIAL_ADJUSTMENT = "84"
    SELF_BILLED_CREDIT_NOTE = "261"
    CONSOLIDATED_CREDIT_NOTE = "262"
    CREDIT_NOTE_PRICE_VARIATION = "296"
    DELCREDERE_CREDIT_NOTE = "308"
    PARTIAL_INVOICE = "326"
    PREPAYMENT_INVOICE = "386"
    COMMERCIAL_INVOICE = "380"
    CREDIT_NOTE = "381"
    DEBIT_NOTE = "383"
    CORRECTED_INVOICE = "384"
    SELF_BILLED_INVOICE = "389"
    FACTORED_CREDIT_NOTE = "396"
    SELF_BILLED_FACTORED_INVOICE = "393"
    FORWARDER_CREDIT_NOTE = "532"
    PARTIAL_CONSTRUCTION_INVOICE = "875"
    PARTIAL_FINAL_CONSTRUCTION_INVOICE = "876"
    FINAL_CONSTRUCTION_INVOICE = "877"


#: Type codes that UBL expresses as a ``CreditNote`` document rather than an ``Invoice``.
CREDIT_NOTE_TYPE_CODES: Final = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})


def is_credit_note(type_code: str) -> bool:
    """Whether BT-3 denotes a credit note (which UBL writes as ``CreditNote``)."""
    return type_code.strip() in CREDIT_NOTE_TYPE_CODES


# --------------------------------------------------------------------------------------------
# Value types
# --------------------------------------------------------------------------------------------


@dataclass
class Identifier:
    """An identifier with an optional scheme (BT-x-1) and scheme version (only BT-158-2 has one)."""

    value: str
    scheme: str | None = None
    scheme_version: str | None = None


@dataclass
class BinaryObject:
    """An embedded document (BT-125) with its MIME code (BT-125-1) and file name (BT-125-2)."""

    content: bytes
    mime_code: str
    filename: str


# --------------------------------------------------------------------------------------------
# Groups
# --------------------------------------------------------------------------------------------


@dataclass
class Note:
    """BG-1 INVOICE NOTE."""

    text: str = _term("BT-22", "")
    subject_code: str | None = _term("BT-21")


@dataclass
class ProcessControl:
    """BG-2 PROCESS CONTROL: which process and which specification (CIUS/profile) the invoice follows."""

    specification_id: str = _term("BT-24", "")
    business_process: str | None = _term("BT-23")


@dataclass
class PrecedingInvoice:
    """BG-3 PRECEDING INVOICE REFERENCE (e.g. the invoice a credit note corrects)."""

    reference: str = _term("BT-25", "")
    issue_date: date | None = _term("BT-26")


@dataclass
class Address:
    """A postal address (BG-5, BG-8, BG-12, BG-15); the holder assigns the term ids."""

    line1: str | None = _term()
    line2: str | None = _term()
    line3: str | None = _term()
    city: str | None = _term()
    post_code: str | None = _term()
    subdivision: str | None = _term()
    country_code: str = _term(None, "")


@dataclass
class Contact:
    """A contact (BG-6, BG-9); the holder assigns the term ids."""

    name: str | None = _term()
    telephone: str | None = _term()
    email: str | None = _term()


@dataclass
class Period:
    """A date period (BG-14, BG-26); the holder assigns the term ids."""

    start: date | None = _term()
    end: date | None = _term()


SELLER_ADDRESS: Final = {
    "line1": "BT-35",
    "line2": "BT-36",
    "line3": "BT-162",
    "city": "BT-37",
    "post_code": "BT-38",
    "subdivision": "BT-39",
    "country_code": "BT-40",
}
BUYER_ADDRESS: Final = {
    "line1": "BT-50",
    "line2": "BT-51",
    "line3": "BT-163",
    "city": "BT-52",
    "post_code": "BT-53",
    "subdivision": "BT-54",
    "country_code": "BT-55",
}
TAX_REPRESENTATIVE_ADDRESS: Final = {
    "line1": "BT-64",
    "line2": "BT-65",
    "line3": "BT-164",
    "city": "BT-66",
    "post_code": "BT-67",
    "subdivision": "BT-68",
    "country_code": "BT-69",
}
DELIVER_TO_ADDRESS: Final = {
    "line1": "BT-75",
    "line2": "BT-76",
    "line3": "BT-165",
    "city": "BT-77",
    "post_code": "BT-78",
    "subdivision": "BT-79",
    "country_code": "BT-80",
}
SELLER_CONTACT: Final = {"name": "BT-41", "telephone": "BT-42", "email": "BT-43"}
BUYER_CONTACT: Final = {"name": "BT-56", "telephone": "BT-57", "email": "BT-58"}
INVOICING_PERIOD: Final = {"start": "BT-73", "end": "BT-74"}
LINE_PERIOD: Final = {"start": "BT-134", "end": "BT-135"}
DOCUMENT_ALLOWANCE: Final = {
    "amount": "BT-92",
    "base_amount": "BT-93",
    "percentage": "BT-94",
    "vat_category": "BT-95",
    "vat_rate": "BT-96",
    "reason": "BT-97",
    "reason_code": "BT-98",
}
DOCUMENT_CHARGE: Final = {
    "amount": "BT-99",
    "base_amount": "BT-100",
    "percentage": "BT-101",
    "vat_category": "BT-102",
    "vat_rate": "BT-103",
    "reason": "BT-104",
    "reason_code": "BT-105",
}
LINE_ALLOWANCE: Final = {
    "amount": "BT-136",
    "base_amount": "BT-137",
    "percentage": "BT-138",
    "reason": "BT-139",
    "reason_code": "BT-140",
}
LINE_CHARGE: Final = {
    "amount": "BT-141",
    "base_amount": "BT-142",
    "percentage": "BT-143",
    "reason": "BT-144",
    "reason_code": "BT-145",
}


@dataclass
class Seller:
    """BG-4 SELLER."""

    name: str = _term("BT-27", "")
    trading_name: str | None = _term("BT-28")
    identifiers: list[Identifier] = _terms("BT-29")
    legal_registration: Identifier | None = _term("BT-30")
    vat_id: str | None = _term("BT-31")
    tax_registration_id: str | None = _term("BT-32")
    additional_legal_info: str | None = _term("BT-33")
    electronic_address: Identifier | None = _term("BT-34")
    address: Address = _group("BG-5", Address, SELLER_ADDRESS)
    contact: Contact | None = _group("BG-6", None, SELLER_CONTACT)


@dataclass
class Buyer:
    """BG-7 BUYER."""

    name: str = _term("BT-44", "")
    trading_name: str | None = _term("BT-45")
    identifier: Identifier | None = _term("BT-46")
    legal_registration: Identifier | None = _term("BT-47")
    vat_id: str | None = _term("BT-48")
    electronic_address: Identifier | None = _term("BT-49")
    address: Address = _group("BG-8", Address, BUYER_ADDRESS)
    contact: Contact | None = _group("BG-9", None, BUYER_CONTACT)


@dataclass
class Payee:
    """BG-10 PAYEE, when someone other than the seller is paid (e.g. a factoring company)."""

    name: str = _term("BT-59", "")
    identifier: Identifier | None = _term("BT-60")
    legal_registration: Identifier | None = _term("BT-61")


@dataclass
class TaxRepresentative:
    """BG-11 SELLER TAX REPRESENTATIVE PARTY."""

    name: str = _term("BT-62", "")
    vat_id: str = _term("BT-63", "")
    address: Address = _group("BG-12", Address, TAX_REPRESENTATIVE_ADDRESS)


@dataclass
class Delivery:
    """BG-13 DELIVERY INFORMATION (the invoicing period BG-14 lives on the invoice itself)."""

    party_name: str | None = _term("BT-70")
    location: Identifier | None = _term("BT-71")
    actual_date: date | None = _term("BT-72")
    address: Address | None = _group("BG-15", None, DELIVER_TO_ADDRESS)


@dataclass
class CreditTransfer:
    """BG-17 CREDIT TRANSFER: an account to pay into."""

    account_id: str = _term("BT-84", "")
    account_name: str | None = _term("BT-85")
    service_provider_id: str | None = _term("BT-86")


@dataclass
class PaymentCard:
    """BG-18 PAYMENT CARD INFORMATION."""

    primary_account_number: str = _term("BT-87", "")
    holder_name: str | None = _term("BT-88")


@dataclass
class DirectDebit:
    """BG-19 DIRECT DEBIT."""

    mandate_reference: str | None = _term("BT-89")
    creditor_id: str | None = _term("BT-90")
    debited_account_id: str | None = _term("BT-91")


@dataclass
class PaymentInstructions:
    """BG-16 PAYMENT INSTRUCTIONS."""

    means_code: str = _term("BT-81", "")
    means_text: str | None = _term("BT-82")
    remittance_information: str | None = _term("BT-83")
    credit_transfers: list[CreditTransfer] = _group("BG-17", list)
    card: PaymentCard | None = _group("BG-18")
    direct_debit: DirectDebit | None = _group("BG-19")


@dataclass
class DocumentAllowanceCharge:
    """A document-level allowance (BG-20) or charge (BG-21); the holder assigns the term ids."""

    amount: Decimal | None = _term()
    base_amount: Decimal | None = _term()
    percentage: Decimal | None = _term()
    vat_category: str | None = _term()
    vat_rate: Decimal | None = _term()
    reason: str | None = _term()
    reason_code: str | None = _term()


@dataclass
class DocumentTotals:
    """BG-22 DOCUMENT TOTALS."""

    line_net_total: Decimal | None = _term("BT-106")
    allowance_total: Decimal | None = _term("BT-107")
    charge_total: Decimal | None = _term("BT-108")
    tax_exclusive: Decimal | None = _term("BT-109")
    vat_total: Decimal | None = _term("BT-110")
    vat_total_accounting: Decimal | None = _term("BT-111")
    tax_inclusive: Decimal | None = _term("BT-112")
    prepaid: Decimal | None = _term("BT-113")
    rounding: Decimal | None = _term("BT-114")
    payable: Decimal | None = _term("BT-115")


@dataclass
class VatBreakdown:
    """BG-23 VAT BREAKDOWN: one entry per VAT category and rate."""

    taxable_amount: Decimal | None = _term("BT-116")
    tax_amount: Decimal | None = _term("BT-117")
    category: str = _term("BT-118", "")
    rate: Decimal | None = _term("BT-119")
    exemption_reason: str | None = _term("BT-120")
    exemption_reason_code: str | None = _term("BT-121")


@dataclass
class SupportingDocument:
    """BG-24 ADDITIONAL SUPPORTING DOCUMENTS, by reference, by URL, or embedded."""

    reference: str = _term("BT-122", "")
    description: str | None = _term("BT-123")
    external_uri: str | None = _term("BT-124")
    attachment: BinaryObject | None = _term("BT-125")


@dataclass
class LineAllowanceCharge:
    """A line-level allowance (BG-27) or charge (BG-28); the holder assigns the term ids."""

    amount: Decimal | None = _term()
    base_amount: Decimal | None = _term()
    percentage: Decimal | None = _term()
    reason: str | None = _term()
    reason_code: str | None = _term()


@dataclass
class PriceDetails:
    """BG-29 PRICE DETAILS."""

    net_price: Decimal | None = _term("BT-146")
    discount: Decimal | None = _term("BT-147")
    gross_price: Decimal | None = _term("BT-148")
    base_quantity: Decimal | None = _term("BT-149")
    base_quantity_unit: str | None = _term("BT-150")


@dataclass
class LineVat:
    """BG-30 LINE VAT INFORMATION."""

    category: str = _term("BT-151", "")
    rate: Decimal | None = _term("BT-152")


@dataclass
class ItemAttribute:
    """BG-32 ITEM ATTRIBUTES."""

    name: str = _term("BT-160", "")
    value: str = _term("BT-161", "")


@dataclass
class Item:
    """BG-31 ITEM INFORMATION."""

    name: str = _term("BT-153", "")
    description: str | None = _term("BT-154")
    seller_id: str | None = _term("BT-155")
    buyer_id: str | None = _term("BT-156")
    standard_id: Identifier | None = _term("BT-157")
    classifications: list[Identifier] = _terms("BT-158")
    origin_country: str | None = _term("BT-159")
    attributes: list[ItemAttribute] = _group("BG-32", list)


@dataclass
class InvoiceLine:
    """BG-25 INVOICE LINE."""

    id: str = _term("BT-126", "")
    note: str | None = _term("BT-127")
    object_identifier: Identifier | None = _term("BT-128")
    quantity: Decimal | None = _term("BT-129")
    unit_code: str | None = _term("BT-130")
    net_amount: Decimal | None = _term("BT-131")
    order_line_reference: str | None = _term("BT-132")
    accounting_reference: str | None = _term("BT-133")
    period: Period | None = _group("BG-26", None, LINE_PERIOD)
    allowances: list[LineAllowanceCharge] = _group("BG-27", list, LINE_ALLOWANCE)
    charges: list[LineAllowanceCharge] = _group("BG-28", list, LINE_CHARGE)
    price: PriceDetails = _group("BG-29", PriceDetails)
    vat: LineVat = _group("BG-30", LineVat)
    item: Item = _group("BG-31", Item)
    #: XRechnung Extension BG-DEX-01: sub-invoice lines that break this line down (not EN 16931 core).
    sub_lines: list[InvoiceLine] = _group("BG-DEX-01", list)


@dataclass
class InvoiceData:
    """An invoice or credit note as EN 16931 defines it, independent of syntax."""

    number: str = _term("BT-1", "")
    issue_date: date | None = _term("BT-2")
    type_code: str = _term("BT-3", str(DocumentType.COMMERCIAL_INVOICE))
    currency: str = _term("BT-5", "")
    tax_currency: str | None = _term("BT-6")
    tax_point_date: date | None = _term("BT-7")
    tax_point_date_code: str | None = _term("BT-8")
    due_date: date | None = _term("BT-9")
    buyer_reference: str | None = _term("BT-10")
    project_reference: str | None = _term("BT-11")
    contract_reference: str | None = _term("BT-12")
    purchase_order_reference: str | None = _term("BT-13")
    sales_order_reference: str | None = _term("BT-14")
    receiving_advice_reference: str | None = _term("BT-15")
    despatch_advice_reference: str | None = _term("BT-16")
    tender_reference: str | None = _term("BT-17")
    invoiced_object: Identifier | None = _term("BT-18")
    buyer_accounting_reference: str | None = _term("BT-19")
    payment_terms: str | None = _term("BT-20")
    notes: list[Note] = _group("BG-1", list)
    process: ProcessControl = _group("BG-2", ProcessControl)
    preceding_invoices: list[PrecedingInvoice] = _group("BG-3", list)
    seller: Seller = _group("BG-4", Seller)
    buyer: Buyer = _group("BG-7", Buyer)
    payee: Payee | None = _group("BG-10")
    tax_representative: TaxRepresentative | None = _group("BG-11")
    delivery: Delivery | None = _group("BG-13")
    invoicing_period: Period | None = _group("BG-14", None, INVOICING_PERIOD)
    payment: PaymentInstructions | None = _group("BG-16")
    allowances: list[DocumentAllowanceCharge] = _group("BG-20", list, DOCUMENT_ALLOWANCE)
    charges: list[DocumentAllowanceCharge] = _group("BG-21", list, DOCUMENT_CHARGE)
    totals: DocumentTotals = _group("BG-22", DocumentTotals)
    vat_breakdown: list[VatBreakdown] = _group("BG-23", list)
    supporting_documents: list[SupportingDocument] = _group("BG-24", list)
    lines: list[InvoiceLine] = _group("BG-25", list)

    @property
    def is_credit_note(self) -> bool:
        """Whether BT-3 makes this a credit note."""
        return is_credit_note(self.type_code)


# --------------------------------------------------------------------------------------------
# Flattening to and from the business-term key scheme
# --------------------------------------------------------------------------------------------

JSONValue = str | list[Any] | dict[str, Any] | None


def _term_key(f: dataclasses.Field[Any], terms: dict[str, str]) -> str:
    key = terms.get(f.name) or f.metadata.get("term")
    if not key:  # pragma: no cover - a declaration error, caught by the tests
        raise TypeError(f"field {f.name} has no business-term id")
    return str(key)


def _scalar_out(value: Any) -> str:
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _put_term(out: dict[str, Any], key: str, value: Any) -> None:
    if value is None or value == "" or value == []:
        return
    if isinstance(value, Identifier):
        out[key] = value.value
        if value.scheme is not None:
            out[f"{key}-1"] = value.scheme
        if value.scheme_version is not None:
            out[f"{key}-2"] = value.scheme_version
    elif isinstance(value, BinaryObject):
        out[key] = base64.b64encode(value.content).decode("ascii")
        out[f"{key}-1"] = value.mime_code
        out[f"{key}-2"] = value.filename
    elif isinstance(value, list):
        out[key] = [v.value if isinstance(v, Identifier) else _scalar_out(v) for v in value]
        if any(isinstance(v, Identifier) and v.scheme is not None for v in value):
            out[f"{key}-1"] = [v.scheme for v in value]
        if any(isinstance(v, Identifier) and v.scheme_version is not None for v in value):
            out[f"{key}-2"] = [v.scheme_version for v in value]
    else:
        out[key] = _scalar_out(value)


def _flatten(obj: Any, terms: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if "group" in f.metadata:
            sub_terms: dict[str, str] = f.metadata["terms"]
            if isinstance(value, list):
                if value:
                    out[f.metadata["group"]] = [_flatten(v, sub_terms) for v in value]
            elif value is not None:
                out.update(_flatten(value, sub_terms))
        else:
            _put_term(out, _term_key(f, terms), value)
    return out


def to_bt_fields(invoice: InvoiceData) -> dict[str, Any]:
    """Flatten ``invoice`` to JSON-ready values keyed by business-term id.

    Single terms appear at the top level whatever group they belong to (``"BT-27"`` for the seller
    name), with identifier schemes under ``"BT-x-1"``. Repeatable groups become lists of such dicts
    under their group id (``"BG-25": [{"BT-126": "1", ...}]``), repeatable terms lists of strings.
    Amounts are decimal strings, dates ISO 8601, embedded files base64. Empty values are left out.
    """
    return _flatten(invoice, {})


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """(inner type, is_list) of a field's type hint, with ``| None`` removed."""
    origin = typing.get_origin(hint)
    if origin is list:
        return typing.get_args(hint)[0], True
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return _unwrap(args[0])
    return hint, False


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _scalar_in(kind: Any, value: Any) -> Any:
    if kind is Decimal:
        return parse_decimal(str(value))
    if kind is date:
        return date.fromisoformat(str(value))
    return str(value)


def _identifier_in(data: dict[str, Any], key: str) -> Identifier:
    return Identifier(str(data[key]), data.get(f"{key}-1"), data.get(f"{key}-2"))


def _term_in(kind: Any, is_list: bool, data: dict[str, Any], key: str) -> Any:
    value = data[key]
    if kind is Identifier and is_list:
        schemes = data.get(f"{key}-1") or [None] * len(value)
        versions = data.get(f"{key}-2") or [None] * len(value)
        return [Identifier(str(v), s, ver) for v, s, ver in zip(value, schemes, versions, strict=False)]
    if kind is Identifier:
        return _identifier_in(data, key)
    if kind is BinaryObject:
        return BinaryObject(
            base64.b64decode(value, validate=True), str(data.get(f"{key}-1", "")), str(data.get(f"{key}-2", ""))
        )
    if is_list:
        return [_scalar_in(kind, v) for v in value]
    return _scalar_in(kind, value)


def _mentions(cls: type, terms: dict[str, str], data: dict[str, Any]) -> bool:
    """Whether ``data`` holds any term of ``cls`` (decides if an optional group exists)."""
    for f in dataclasses.fields(cls):
        if "group" in f.metadata:
            kind, is_list = _unwrap(_hints(cls)[f.name])
            if is_list:
                if f.metadata["group"] in data:
                    return True
            elif _mentions(kind, f.metadata["terms"], data):
                return True
        elif _term_key(f, terms) in data:
            return True
    return False


def _build(cls: type, terms: dict[str, str], data: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        kind, is_list = _unwrap(hints[f.name])
        if "group" in f.metadata:
            sub_terms = f.metadata["terms"]
            if is_list:
                kwargs[f.name] = [_build(kind, sub_terms, item) for item in data.get(f.metadata["group"], [])]
            elif f.default is None and not _mentions(kind, sub_terms, data):
                kwargs[f.name] = None
            else:
                kwargs[f.name] = _build(kind, sub_terms, data)
        else:
            key = _term_key(f, terms)
            if key in data and data[key] is not None:
                kwargs[f.name] = _term_in(kind, is_list, data, key)
    return cls(**kwargs)


def from_bt_fields(fields_: dict[str, Any]) -> InvoiceData:
    """Build an :class:`InvoiceData` from the key scheme of :func:`to_bt_fields` (its inverse).

    Raises ``ValueError`` (:class:`~belegwerk.domain.money.InvalidAmount` for a bad amount) when a
    value does not fit its term, e.g. a date that is not ISO 8601 or a group that is not a list.
    """
    try:
        result: InvoiceData = _build(InvoiceData, {}, fields_)
    except (TypeError, AttributeError, binascii.Error) as exc:
        raise ValueError(f"business-term fields do not fit the model: {exc}") from exc
    return result
