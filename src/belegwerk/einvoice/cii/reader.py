"""Reading UN/CEFACT CII D16B CrossIndustryInvoice into :class:`InvoiceData` (EN 16931 CII binding).

The same reader serves plain CII, XRechnung CII and the XML inside Factur-X/ZUGFeRD PDFs.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date
from decimal import Decimal
from typing import Final

from lxml import etree

from belegwerk.domain.invoice import (
    Address,
    BinaryObject,
    Buyer,
    Contact,
    CreditTransfer,
    Delivery,
    DirectDebit,
    DocumentAllowanceCharge,
    DocumentTotals,
    Identifier,
    InvoiceData,
    InvoiceLine,
    Item,
    ItemAttribute,
    LineAllowanceCharge,
    LineVat,
    Note,
    Payee,
    PaymentCard,
    PaymentInstructions,
    Period,
    PrecedingInvoice,
    PriceDetails,
    ProcessControl,
    Seller,
    SupportingDocument,
    TaxRepresentative,
    VatBreakdown,
)
from belegwerk.einvoice._xml import (
    InvoiceReadError,
    attr,
    child_index,
    compact_date,
    decimal_at,
    every,
    first,
    path,
    text,
)
from belegwerk.xml.ns import CII_RSM
from belegwerk.xml.safe import parse_xml

P = path

ROOT_TAG: Final = f"{{{CII_RSM}}}CrossIndustryInvoice"

BUSINESS_PROCESS = P("rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID")
GUIDELINE = P("rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
DOCUMENT = P("rsm:ExchangedDocument")
TRANSACTION = P("rsm:SupplyChainTradeTransaction")
ID = P("ram:ID")
GLOBAL_ID = P("ram:GlobalID")
TYPE_CODE = P("ram:TypeCode")
ISSUE_DATE = P("ram:IssueDateTime/udt:DateTimeString")
INCLUDED_NOTE = P("ram:IncludedNote")
CONTENT = P("ram:Content")
SUBJECT_CODE = P("ram:SubjectCode")
LINE_ITEM = P("ram:IncludedSupplyChainTradeLineItem")
AGREEMENT = P("ram:ApplicableHeaderTradeAgreement")
DELIVERY = P("ram:ApplicableHeaderTradeDelivery")
SETTLEMENT = P("ram:ApplicableHeaderTradeSettlement")
BUYER_REFERENCE = P("ram:BuyerReference")
SELLER_PARTY = P("ram:SellerTradeParty")
BUYER_PARTY = P("ram:BuyerTradeParty")
TAX_REP_PARTY = P("ram:SellerTaxRepresentativeTradeParty")
SELLER_ORDER = P("ram:SellerOrderReferencedDocument/ram:IssuerAssignedID")
BUYER_ORDER = P("ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID")
CONTRACT = P("ram:ContractReferencedDocument/ram:IssuerAssignedID")
ADDITIONAL_DOC = P("ram:AdditionalReferencedDocument")
PROJECT_ID = P("ram:SpecifiedProcuringProject/ram:ID")
NAME = P("ram:Name")
DESCRIPTION = P("ram:Description")
LEGAL_ORG = P("ram:SpecifiedLegalOrganization")
TRADING_NAME = P("ram:TradingBusinessName")
CONTACT = P("ram:DefinedTradeContact")
PERSON_NAME = P("ram:PersonName")
DEPARTMENT_NAME = P("ram:DepartmentName")
PHONE = P("ram:TelephoneUniversalCommunication/ram:CompleteNumber")
EMAIL = P("ram:EmailURIUniversalCommunication/ram:URIID")
ADDRESS = P("ram:PostalTradeAddress")
POSTCODE = P("ram:PostcodeCode")
LINE_ONE = P("ram:LineOne")
LINE_TWO = P("ram:LineTwo")
LINE_THREE = P("ram:LineThree")
CITY = P("ram:CityName")
COUNTRY = P("ram:CountryID")
SUBDIVISION = P("ram:CountrySubDivisionName")
URI = P("ram:URIUniversalCommunication/ram:URIID")
TAX_REGISTRATION = P("ram:SpecifiedTaxRegistration/ram:ID")
SHIP_TO = P("ram:ShipToTradeParty")
DELIVERY_DATE = P("ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString")
DESPATCH = P("ram:DespatchAdviceReferencedDocument/ram:IssuerAssignedID")
RECEIVING = P("ram:ReceivingAdviceReferencedDocument/ram:IssuerAssignedID")
CREDITOR_REFERENCE = P("ram:CreditorReferenceID")
PAYMENT_REFERENCE = P("ram:PaymentReference")
TAX_CURRENCY = P("ram:TaxCurrencyCode")
CURRENCY = P("ram:InvoiceCurrencyCode")
PAYEE_PARTY = P("ram:PayeeTradeParty")
PAYMENT_MEANS = P("ram:SpecifiedTradeSettlementPaymentMeans")
INFORMATION = P("ram:Information")
CARD = P("ram:ApplicableTradeSettlementFinancialCard")
CARDHOLDER = P("ram:CardholderName")
DEBTOR_IBAN = P("ram:PayerPartyDebtorFinancialAccount/ram:IBANID")
CREDITOR_ACCOUNT = P("ram:PayeePartyCreditorFinancialAccount")
IBAN = P("ram:IBANID")
ACCOUNT_NAME = P("ram:AccountName")
PROPRIETARY_ID = P("ram:ProprietaryID")
BIC = P("ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID")
TRADE_TAX = P("ram:ApplicableTradeTax")
CALCULATED_AMOUNT = P("ram:CalculatedAmount")
EXEMPTION_REASON = P("ram:ExemptionReason")
BASIS_AMOUNT = P("ram:BasisAmount")
CATEGORY_CODE = P("ram:CategoryCode")
EXEMPTION_REASON_CODE = P("ram:ExemptionReasonCode")
TAX_POINT_DATE = P("ram:TaxPointDate/udt:DateString")
DUE_DATE_TYPE = P("ram:DueDateTypeCode")
RATE = P("ram:RateApplicablePercent")
BILLING_PERIOD = P("ram:BillingSpecifiedPeriod")
START = P("ram:StartDateTime/udt:DateTimeString")
END = P("ram:EndDateTime/udt:DateTimeString")
ALLOWANCE_CHARGE = P("ram:SpecifiedTradeAllowanceCharge")
CHARGE_INDICATOR = P("ram:ChargeIndicator/udt:Indicator")
PERCENT = P("ram:CalculationPercent")
ACTUAL_AMOUNT = P("ram:ActualAmount")
REASON_CODE = P("ram:ReasonCode")
REASON = P("ram:Reason")
CATEGORY_TAX = P("ram:CategoryTradeTax")
PAYMENT_TERMS = P("ram:SpecifiedTradePaymentTerms")
DUE_DATE = P("ram:DueDateDateTime/udt:DateTimeString")
MANDATE = P("ram:DirectDebitMandateID")
SUMMATION = P("ram:SpecifiedTradeSettlementHeaderMonetarySummation")
LINE_TOTAL = P("ram:LineTotalAmount")
CHARGE_TOTAL = P("ram:ChargeTotalAmount")
ALLOWANCE_TOTAL = P("ram:AllowanceTotalAmount")
TAX_BASIS_TOTAL = P("ram:TaxBasisTotalAmount")
TAX_TOTAL = P("ram:TaxTotalAmount")
ROUNDING = P("ram:RoundingAmount")
GRAND_TOTAL = P("ram:GrandTotalAmount")
PREPAID = P("ram:TotalPrepaidAmount")
DUE_PAYABLE = P("ram:DuePayableAmount")
INVOICE_REFERENCE = P("ram:InvoiceReferencedDocument")
ISSUER_ID = P("ram:IssuerAssignedID")
FORMATTED_DATE = P("ram:FormattedIssueDateTime/qdt:DateTimeString")
ACCOUNTING_ACCOUNT = P("ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID")
URIID = P("ram:URIID")
ATTACHMENT = P("ram:AttachmentBinaryObject")
REFERENCE_TYPE = P("ram:ReferenceTypeCode")
# line level
LINE_DOCUMENT = P("ram:AssociatedDocumentLineDocument")
LINE_ID = P("ram:LineID")
PARENT_LINE_ID = P("ram:ParentLineID")
PRODUCT = P("ram:SpecifiedTradeProduct")
SELLER_ASSIGNED = P("ram:SellerAssignedID")
BUYER_ASSIGNED = P("ram:BuyerAssignedID")
CHARACTERISTIC = P("ram:ApplicableProductCharacteristic")
VALUE = P("ram:Value")
CLASS_CODE = P("ram:DesignatedProductClassification/ram:ClassCode")
ORIGIN = P("ram:OriginTradeCountry/ram:ID")
LINE_AGREEMENT = P("ram:SpecifiedLineTradeAgreement")
LINE_ORDER_LINE = P("ram:BuyerOrderReferencedDocument/ram:LineID")
GROSS_PRICE = P("ram:GrossPriceProductTradePrice")
NET_PRICE = P("ram:NetPriceProductTradePrice")
CHARGE_AMOUNT = P("ram:ChargeAmount")
BASIS_QUANTITY = P("ram:BasisQuantity")
PRICE_ALLOWANCE = P("ram:AppliedTradeAllowanceCharge")
LINE_DELIVERY_QUANTITY = P("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
LINE_SETTLEMENT = P("ram:SpecifiedLineTradeSettlement")
LINE_SUMMATION_TOTAL = P("ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")

#: Reference type codes (UNTDID 1001) that give an AdditionalReferencedDocument its meaning.
SUPPORTING_DOCUMENT: Final = "916"
TENDER: Final = "50"
INVOICED_OBJECT: Final = "130"
#: Tax registration schemes: VAT identifier (BT-31/48/63) and local tax number (BT-32).
VAT_SCHEME: Final = "VA"
FISCAL_SCHEME: Final = "FC"
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9 ]{8,40}$")


# ================================================================================================
# Reading
# ================================================================================================


def _ident(node: etree._Element | None) -> Identifier | None:
    value = text(node)
    if value is None:
        return None
    return Identifier(value, attr(node, (), "schemeID"))


def _party_ids(party: etree._Element | None) -> list[Identifier]:
    """ram:ID (no scheme) then ram:GlobalID (with scheme) entries, as BT-29/46/60 allow both."""
    ids: list[Identifier] = []
    for steps in (ID, GLOBAL_ID):
        for node in every(party, steps):
            ident = _ident(node)
            if ident is not None:
                ids.append(ident)
    return ids


def _address(node: etree._Element | None) -> Address | None:
    if node is None:
        return None
    return Address(
        line1=text(node, LINE_ONE),
        line2=text(node, LINE_TWO),
        line3=text(node, LINE_THREE),
        city=text(node, CITY),
        post_code=text(node, POSTCODE),
        subdivision=text(node, SUBDIVISION),
        country_code=text(node, COUNTRY) or "",
    )


def _contact(party: etree._Element | None) -> Contact | None:
    node = first(party, CONTACT)
    if node is None:
        return None
    return Contact(
        name=text(node, PERSON_NAME) or text(node, DEPARTMENT_NAME),
        telephone=text(node, PHONE),
        email=text(node, EMAIL),
    )


def _tax_registration(party: etree._Element | None, scheme: str) -> str | None:
    for node in every(party, TAX_REGISTRATION):
        if (node.get("schemeID") or "").strip().upper() == scheme:
            return text(node)
    return None


def _read_seller(party: etree._Element | None) -> Seller:
    if party is None:
        return Seller()
    legal = first(party, LEGAL_ORG)
    return Seller(
        name=text(party, NAME) or "",
        trading_name=text(legal, TRADING_NAME),
        identifiers=_party_ids(party),
        legal_registration=_ident(first(legal, ID)),
        vat_id=_tax_registration(party, VAT_SCHEME),
        tax_registration_id=_tax_registration(party, FISCAL_SCHEME),
        additional_legal_info=text(party, DESCRIPTION),
        electronic_address=_ident(first(party, URI)),
        address=_address(first(party, ADDRESS)) or Address(),
        contact=_contact(party),
    )


def _read_buyer(party: etree._Element | None) -> Buyer:
    if party is None:
        return Buyer()
    legal = first(party, LEGAL_ORG)
    ids = _party_ids(party)
    return Buyer(
        name=text(party, NAME) or "",
        trading_name=text(legal, TRADING_NAME),
        identifier=ids[0] if ids else None,
        legal_registration=_ident(first(legal, ID)),
        vat_id=_tax_registration(party, VAT_SCHEME),
        electronic_address=_ident(first(party, URI)),
        address=_address(first(party, ADDRESS)) or Address(),
        contact=_contact(party),
    )


def _read_payee(party: etree._Element | None) -> Payee | None:
    if party is None:
        return None
    ids = _party_ids(party)
    return Payee(
        name=text(party, NAME) or "",
        identifier=ids[0] if ids else None,
        legal_registration=_ident(first(party, (*LEGAL_ORG, *ID))),
    )


def _read_tax_representative(party: etree._Element | None) -> TaxRepresentative | None:
    if party is None:
        return None
    return TaxRepresentative(
        name=text(party, NAME) or "",
        vat_id=_tax_registration(party, VAT_SCHEME) or "",
        address=_address(first(party, ADDRESS)) or Address(),
    )


def _read_delivery(node: etree._Element | None) -> Delivery | None:
    if node is None:
        return None
    ship_to = first(node, SHIP_TO)
    ids = _party_ids(ship_to)
    delivery = Delivery(
        party_name=text(ship_to, NAME),
        location=ids[0] if ids else None,
        actual_date=compact_date(node, DELIVERY_DATE),
        address=_address(first(ship_to, ADDRESS)),
    )
    return None if delivery == Delivery() else delivery


def _period(node: etree._Element | None) -> Period | None:
    if node is None:
        return None
    start, end = compact_date(node, START), compact_date(node, END)
    if start is None and end is None:
        return None
    return Period(start=start, end=end)


def _read_payment(settlement: etree._Element | None) -> PaymentInstructions | None:
    means = list(every(settlement, PAYMENT_MEANS))
    creditor_id = text(settlement, CREDITOR_REFERENCE)
    remittance = text(settlement, PAYMENT_REFERENCE)
    mandate: str | None = None
    for terms in every(settlement, PAYMENT_TERMS):
        mandate = mandate if mandate is not None else text(terms, MANDATE)
    if not means and creditor_id is None and mandate is None and remittance is None:
        return None
    head = means[0] if means else None
    transfers: list[CreditTransfer] = []
    card: PaymentCard | None = None
    debited: str | None = None
    for node in means:
        for account in every(node, CREDITOR_ACCOUNT):
            transfers.append(
                CreditTransfer(
                    account_id=text(account, IBAN) or text(account, PROPRIETARY_ID) or "",
                    account_name=text(account, ACCOUNT_NAME),
                    service_provider_id=text(node, BIC),
                )
            )
        card_node = first(node, CARD)
        if card_node is not None and card is None:
            card = PaymentCard(
                primary_account_number=text(card_node, ID) or "", holder_name=text(card_node, CARDHOLDER)
            )
        debited = debited if debited is not None else text(node, DEBTOR_IBAN)
    direct_debit = None
    if mandate is not None or debited is not None or creditor_id is not None:
        direct_debit = DirectDebit(mandate_reference=mandate, creditor_id=creditor_id, debited_account_id=debited)
    return PaymentInstructions(
        means_code=text(head, TYPE_CODE) or "",
        means_text=text(head, INFORMATION),
        remittance_information=remittance,
        credit_transfers=transfers,
        card=card,
        direct_debit=direct_debit,
    )


def _is_charge(node: etree._Element) -> bool:
    return (text(node, CHARGE_INDICATOR) or "").lower() == "true"


def _read_document_allowances(
    settlement: etree._Element | None,
) -> tuple[list[DocumentAllowanceCharge], list[DocumentAllowanceCharge]]:
    allowances: list[DocumentAllowanceCharge] = []
    charges: list[DocumentAllowanceCharge] = []
    for node in every(settlement, ALLOWANCE_CHARGE):
        tax = first(node, CATEGORY_TAX)
        entry = DocumentAllowanceCharge(
            amount=decimal_at(node, ACTUAL_AMOUNT),
            base_amount=decimal_at(node, BASIS_AMOUNT),
            percentage=decimal_at(node, PERCENT),
            vat_category=text(tax, CATEGORY_CODE),
            vat_rate=decimal_at(tax, RATE),
            reason=text(node, REASON),
            reason_code=text(node, REASON_CODE),
        )
        (charges if _is_charge(node) else allowances).append(entry)
    return allowances, charges


def _read_line_allowances(
    settlement: etree._Element | None,
) -> tuple[list[LineAllowanceCharge], list[LineAllowanceCharge]]:
    allowances: list[LineAllowanceCharge] = []
    charges: list[LineAllowanceCharge] = []
    for node in every(settlement, ALLOWANCE_CHARGE):
        entry = LineAllowanceCharge(
            amount=decimal_at(node, ACTUAL_AMOUNT),
            base_amount=decimal_at(node, BASIS_AMOUNT),
            percentage=decimal_at(node, PERCENT),
            reason=text(node, REASON),
            reason_code=text(node, REASON_CODE),
        )
        (charges if _is_charge(node) else allowances).append(entry)
    return allowances, charges


def _read_vat(settlement: etree._Element | None) -> tuple[list[VatBreakdown], str | None, date | None]:
    """VAT breakdown plus BT-8 (due date type code) and BT-7 (tax point date) from the first entry."""
    breakdown: list[VatBreakdown] = []
    code: str | None = None
    tax_point: date | None = None
    for node in every(settlement, TRADE_TAX):
        code = code if code is not None else text(node, DUE_DATE_TYPE)
        tax_point = tax_point if tax_point is not None else compact_date(node, TAX_POINT_DATE)
        breakdown.append(
            VatBreakdown(
                taxable_amount=decimal_at(node, BASIS_AMOUNT),
                tax_amount=decimal_at(node, CALCULATED_AMOUNT),
                category=text(node, CATEGORY_CODE) or "",
                rate=decimal_at(node, RATE),
                exemption_reason=text(node, EXEMPTION_REASON),
                exemption_reason_code=text(node, EXEMPTION_REASON_CODE),
            )
        )
    return breakdown, code, tax_point


def _read_totals(settlement: etree._Element | None, currency: str, tax_currency: str | None) -> DocumentTotals:
    node = first(settlement, SUMMATION)
    vat_total: Decimal | None = None
    vat_accounting: Decimal | None = None
    for amount in every(node, TAX_TOTAL):
        amount_currency = (amount.get("currencyID") or "").strip()
        if tax_currency and tax_currency != currency and amount_currency == tax_currency:
            vat_accounting = decimal_at(amount)
        elif vat_total is None:
            vat_total = decimal_at(amount)
    return DocumentTotals(
        line_net_total=decimal_at(node, LINE_TOTAL),
        allowance_total=decimal_at(node, ALLOWANCE_TOTAL),
        charge_total=decimal_at(node, CHARGE_TOTAL),
        tax_exclusive=decimal_at(node, TAX_BASIS_TOTAL),
        vat_total=vat_total,
        vat_total_accounting=vat_accounting,
        tax_inclusive=decimal_at(node, GRAND_TOTAL),
        prepaid=decimal_at(node, PREPAID),
        rounding=decimal_at(node, ROUNDING),
        payable=decimal_at(node, DUE_PAYABLE),
    )


def _read_attachment(node: etree._Element | None) -> BinaryObject | None:
    if node is None:
        return None
    try:
        content = base64.b64decode((node.text or "").encode("ascii"), validate=False)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise InvoiceReadError(f"embedded document is not valid base64: {exc}") from exc
    return BinaryObject(content=content, mime_code=node.get("mimeCode") or "", filename=node.get("filename") or "")


def _read_references(
    agreement: etree._Element | None,
) -> tuple[list[SupportingDocument], str | None, Identifier | None]:
    """Supporting documents (BG-24), tender reference (BT-17), invoiced object (BT-18)."""
    documents: list[SupportingDocument] = []
    tender: str | None = None
    invoiced_object: Identifier | None = None
    for node in every(agreement, ADDITIONAL_DOC):
        code = text(node, TYPE_CODE)
        if code == TENDER and tender is None:
            tender = text(node, ISSUER_ID)
        elif code == INVOICED_OBJECT and invoiced_object is None:
            value = text(node, ISSUER_ID)
            if value is not None:
                invoiced_object = Identifier(value, text(node, REFERENCE_TYPE))
        elif code == SUPPORTING_DOCUMENT or code is None:
            documents.append(
                SupportingDocument(
                    reference=text(node, ISSUER_ID) or "",
                    description=text(node, NAME),
                    external_uri=text(node, URIID),
                    attachment=_read_attachment(first(node, ATTACHMENT)),
                )
            )
    return documents, tender, invoiced_object


def _read_item(product: etree._Element | None) -> Item:
    if product is None:
        return Item()
    return Item(
        name=text(product, NAME) or "",
        description=text(product, DESCRIPTION),
        seller_id=text(product, SELLER_ASSIGNED),
        buyer_id=text(product, BUYER_ASSIGNED),
        standard_id=_ident(first(product, GLOBAL_ID)),
        classifications=[
            Identifier(text(code) or "", code.get("listID"), code.get("listVersionID"))
            for code in every(product, CLASS_CODE)
        ],
        origin_country=text(product, ORIGIN),
        attributes=[
            ItemAttribute(name=text(node, DESCRIPTION) or "", value=text(node, VALUE) or "")
            for node in every(product, CHARACTERISTIC)
        ],
    )


def _read_price(agreement: etree._Element | None) -> PriceDetails:
    net = first(agreement, NET_PRICE)
    gross = first(agreement, GROSS_PRICE)
    discount: Decimal | None = None
    for allowance in every(gross, PRICE_ALLOWANCE):
        if not _is_charge(allowance):
            discount = decimal_at(allowance, ACTUAL_AMOUNT)
            break
    quantity_node = first(net, BASIS_QUANTITY)
    if quantity_node is None:
        quantity_node = first(gross, BASIS_QUANTITY)
    return PriceDetails(
        net_price=decimal_at(net, CHARGE_AMOUNT),
        discount=discount,
        gross_price=decimal_at(gross, CHARGE_AMOUNT),
        base_quantity=decimal_at(quantity_node),
        base_quantity_unit=attr(quantity_node, (), "unitCode"),
    )


def _read_line(node: etree._Element) -> InvoiceLine:
    document = first(node, LINE_DOCUMENT)
    agreement = first(node, LINE_AGREEMENT)
    settlement = first(node, LINE_SETTLEMENT)
    tax = first(settlement, TRADE_TAX)
    allowances, charges = _read_line_allowances(settlement)
    object_identifier: Identifier | None = None
    for ref in every(settlement, ADDITIONAL_DOC):
        if text(ref, TYPE_CODE) == INVOICED_OBJECT:
            value = text(ref, ISSUER_ID)
            if value is not None:
                object_identifier = Identifier(value, text(ref, REFERENCE_TYPE))
                break
    notes = [t for t in (text(n, CONTENT) for n in every(document, INCLUDED_NOTE)) if t is not None]
    return InvoiceLine(
        id=text(document, LINE_ID) or "",
        note="\n".join(notes) if notes else None,
        object_identifier=object_identifier,
        quantity=decimal_at(node, LINE_DELIVERY_QUANTITY),
        unit_code=attr(node, LINE_DELIVERY_QUANTITY, "unitCode"),
        net_amount=decimal_at(settlement, LINE_SUMMATION_TOTAL),
        order_line_reference=text(agreement, LINE_ORDER_LINE),
        accounting_reference=text(settlement, ACCOUNTING_ACCOUNT),
        period=_period(first(settlement, BILLING_PERIOD)),
        allowances=allowances,
        charges=charges,
        price=_read_price(agreement),
        vat=LineVat(category=text(tax, CATEGORY_CODE) or "", rate=decimal_at(tax, RATE)),
        item=_read_item(first(node, PRODUCT)),
    )


def _read_lines(transaction: etree._Element | None) -> list[InvoiceLine]:
    """Lines, with XRechnung-Extension sub-lines (``ram:ParentLineID``) nested under their parent.

    CII lists all lines flat; a sub-line names its parent, which precedes it. When ids repeat,
    the most recent line with that id is the parent, which is what depth-first writing produces.
    """
    top: list[InvoiceLine] = []
    latest: dict[str, InvoiceLine] = {}
    for node in every(transaction, LINE_ITEM):
        line = _read_line(node)
        parent_id = text(node, (*LINE_DOCUMENT, *PARENT_LINE_ID))
        parent = latest.get(parent_id) if parent_id else None
        if parent is not None:
            parent.sub_lines.append(line)
        else:
            top.append(line)
        latest[line.id] = line
    return top


def read_cii(data: bytes | etree._Element) -> InvoiceData:
    """Read a CII CrossIndustryInvoice (bytes or an already parsed root) into the model."""
    root = parse_xml(data) if isinstance(data, bytes | bytearray) else data
    if root.tag != ROOT_TAG:
        raise InvoiceReadError(f"not a CII CrossIndustryInvoice: root element is {root.tag}")
    with child_index():
        return _read_root(root)


def _read_root(root: etree._Element) -> InvoiceData:
    document = first(root, DOCUMENT)
    transaction = first(root, TRANSACTION)
    agreement = first(transaction, AGREEMENT)
    delivery = first(transaction, DELIVERY)
    settlement = first(transaction, SETTLEMENT)
    currency = text(settlement, CURRENCY) or ""
    tax_currency = text(settlement, TAX_CURRENCY)
    documents, tender, invoiced_object = _read_references(agreement)
    breakdown, tax_point_code, tax_point_date = _read_vat(settlement)
    allowances, charges = _read_document_allowances(settlement)
    due_date = None
    terms_text: list[str] = []
    for terms in every(settlement, PAYMENT_TERMS):
        description = text(terms, DESCRIPTION)
        if description is not None:
            terms_text.append(description)
        due_date = due_date if due_date is not None else compact_date(terms, DUE_DATE)
    return InvoiceData(
        number=text(document, ID) or "",
        issue_date=compact_date(document, ISSUE_DATE),
        type_code=text(document, TYPE_CODE) or "",
        currency=currency,
        tax_currency=tax_currency,
        tax_point_date=tax_point_date,
        tax_point_date_code=tax_point_code,
        due_date=due_date,
        buyer_reference=text(agreement, BUYER_REFERENCE),
        project_reference=text(agreement, PROJECT_ID),
        contract_reference=text(agreement, CONTRACT),
        purchase_order_reference=text(agreement, BUYER_ORDER),
        sales_order_reference=text(agreement, SELLER_ORDER),
        receiving_advice_reference=text(delivery, RECEIVING),
        despatch_advice_reference=text(delivery, DESPATCH),
        tender_reference=tender,
        invoiced_object=invoiced_object,
        buyer_accounting_reference=text(settlement, ACCOUNTING_ACCOUNT),
        payment_terms="\n".join(terms_text) if terms_text else None,
        notes=[
            Note(text=text(node, CONTENT) or "", subject_code=text(node, SUBJECT_CODE))
            for node in every(document, INCLUDED_NOTE)
        ],
        process=ProcessControl(
            specification_id=text(root, GUIDELINE) or "", business_process=text(root, BUSINESS_PROCESS)
        ),
        preceding_invoices=[
            PrecedingInvoice(reference=text(ref, ISSUER_ID) or "", issue_date=compact_date(ref, FORMATTED_DATE))
            for ref in every(settlement, INVOICE_REFERENCE)
        ],
        seller=_read_seller(first(agreement, SELLER_PARTY)),
        buyer=_read_buyer(first(agreement, BUYER_PARTY)),
        payee=_read_payee(first(settlement, PAYEE_PARTY)),
        tax_representative=_read_tax_representative(first(agreement, TAX_REP_PARTY)),
        delivery=_read_delivery(delivery),
        invoicing_period=_period(first(settlement, BILLING_PERIOD)),
        payment=_read_payment(settlement),
        allowances=allowances,
        charges=charges,
        totals=_read_totals(settlement, currency, tax_currency),
        vat_breakdown=breakdown,
        supporting_documents=documents,
        lines=_read_lines(transaction),
    )
