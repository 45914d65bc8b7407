"""UN/CEFACT CII D16B CrossIndustryInvoice ⇄ :class:`InvoiceData`, after the EN 16931 CII binding.

The same reader serves plain CII, XRechnung CII and the XML inside Factur-X/ZUGFeRD PDFs. The
writer emits elements in the order of the D16B schema (and of the Factur-X schemas, which share it).
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
    compact,
    compact_date,
    dec,
    decimal_at,
    every,
    first,
    opt,
    path,
    root_element,
    serialize,
    sub,
    text,
)
from belegwerk.xml.ns import CII_QDT, CII_RAM, CII_RSM, CII_UDT
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


# ================================================================================================
# Writing
# ================================================================================================


def _w_ident(parent: etree._Element, tag: str, ident: Identifier | None) -> None:
    if ident is not None:
        sub(parent, tag, ident.value, schemeID=ident.scheme)


def _w_party_ids(party: etree._Element, ids: list[Identifier]) -> None:
    """Identifiers without scheme as ram:ID, with scheme as ram:GlobalID (schema order: IDs first)."""
    for ident in ids:
        if ident.scheme is None:
            sub(party, "ram:ID", ident.value)
    for ident in ids:
        if ident.scheme is not None:
            sub(party, "ram:GlobalID", ident.value, schemeID=ident.scheme)


def _w_date_time(parent: etree._Element, tag: str, value: date | None) -> None:
    if value is not None:
        sub(sub(parent, tag), "udt:DateTimeString", compact(value), format="102")


def _w_address(parent: etree._Element, address: Address | None) -> None:
    if address is None:
        return
    node = sub(parent, "ram:PostalTradeAddress")
    opt(node, "ram:PostcodeCode", address.post_code)
    opt(node, "ram:LineOne", address.line1)
    opt(node, "ram:LineTwo", address.line2)
    opt(node, "ram:LineThree", address.line3)
    opt(node, "ram:CityName", address.city)
    sub(node, "ram:CountryID", address.country_code)
    opt(node, "ram:CountrySubDivisionName", address.subdivision)


def _w_contact(party: etree._Element, contact: Contact | None) -> None:
    if contact is None:
        return
    node = sub(party, "ram:DefinedTradeContact")
    opt(node, "ram:PersonName", contact.name)
    if contact.telephone is not None:
        sub(sub(node, "ram:TelephoneUniversalCommunication"), "ram:CompleteNumber", contact.telephone)
    if contact.email is not None:
        sub(sub(node, "ram:EmailURIUniversalCommunication"), "ram:URIID", contact.email)


def _w_legal(party: etree._Element, registration: Identifier | None, trading_name: str | None) -> None:
    if registration is None and trading_name is None:
        return
    node = sub(party, "ram:SpecifiedLegalOrganization")
    _w_ident(node, "ram:ID", registration)
    opt(node, "ram:TradingBusinessName", trading_name)


def _w_uri(party: etree._Element, address: Identifier | None) -> None:
    if address is not None:
        _w_ident(sub(party, "ram:URIUniversalCommunication"), "ram:URIID", address)


def _w_tax_registration(party: etree._Element, value: str | None, scheme: str) -> None:
    if value is not None:
        sub(sub(party, "ram:SpecifiedTaxRegistration"), "ram:ID", value, schemeID=scheme)


def _w_seller(agreement: etree._Element, seller: Seller) -> None:
    party = sub(agreement, "ram:SellerTradeParty")
    _w_party_ids(party, seller.identifiers)
    sub(party, "ram:Name", seller.name)
    opt(party, "ram:Description", seller.additional_legal_info)
    _w_legal(party, seller.legal_registration, seller.trading_name)
    _w_contact(party, seller.contact)
    _w_address(party, seller.address)
    _w_uri(party, seller.electronic_address)
    _w_tax_registration(party, seller.vat_id, VAT_SCHEME)
    _w_tax_registration(party, seller.tax_registration_id, FISCAL_SCHEME)


def _w_buyer(agreement: etree._Element, buyer: Buyer) -> None:
    party = sub(agreement, "ram:BuyerTradeParty")
    _w_party_ids(party, [buyer.identifier] if buyer.identifier is not None else [])
    sub(party, "ram:Name", buyer.name)
    _w_legal(party, buyer.legal_registration, buyer.trading_name)
    _w_contact(party, buyer.contact)
    _w_address(party, buyer.address)
    _w_uri(party, buyer.electronic_address)
    _w_tax_registration(party, buyer.vat_id, VAT_SCHEME)


def _w_tax_representative(agreement: etree._Element, rep: TaxRepresentative | None) -> None:
    if rep is None:
        return
    party = sub(agreement, "ram:SellerTaxRepresentativeTradeParty")
    sub(party, "ram:Name", rep.name)
    _w_address(party, rep.address)
    _w_tax_registration(party, rep.vat_id, VAT_SCHEME)


def _w_referenced(parent: etree._Element, tag: str, value: str | None) -> None:
    if value is not None:
        sub(sub(parent, tag), "ram:IssuerAssignedID", value)


def _w_agreement(transaction: etree._Element, invoice: InvoiceData) -> None:
    agreement = sub(transaction, "ram:ApplicableHeaderTradeAgreement")
    opt(agreement, "ram:BuyerReference", invoice.buyer_reference)
    _w_seller(agreement, invoice.seller)
    _w_buyer(agreement, invoice.buyer)
    _w_tax_representative(agreement, invoice.tax_representative)
    _w_referenced(agreement, "ram:SellerOrderReferencedDocument", invoice.sales_order_reference)
    _w_referenced(agreement, "ram:BuyerOrderReferencedDocument", invoice.purchase_order_reference)
    _w_referenced(agreement, "ram:ContractReferencedDocument", invoice.contract_reference)
    for doc in invoice.supporting_documents:
        node = sub(agreement, "ram:AdditionalReferencedDocument")
        sub(node, "ram:IssuerAssignedID", doc.reference)
        opt(node, "ram:URIID", doc.external_uri)
        sub(node, "ram:TypeCode", SUPPORTING_DOCUMENT)
        opt(node, "ram:Name", doc.description)
        if doc.attachment is not None:
            sub(
                node,
                "ram:AttachmentBinaryObject",
                base64.b64encode(doc.attachment.content).decode("ascii"),
                mimeCode=doc.attachment.mime_code,
                filename=doc.attachment.filename,
            )
    if invoice.tender_reference is not None:
        node = sub(agreement, "ram:AdditionalReferencedDocument")
        sub(node, "ram:IssuerAssignedID", invoice.tender_reference)
        sub(node, "ram:TypeCode", TENDER)
    if invoice.invoiced_object is not None:
        node = sub(agreement, "ram:AdditionalReferencedDocument")
        sub(node, "ram:IssuerAssignedID", invoice.invoiced_object.value)
        sub(node, "ram:TypeCode", INVOICED_OBJECT)
        opt(node, "ram:ReferenceTypeCode", invoice.invoiced_object.scheme)
    if invoice.project_reference is not None:
        project = sub(agreement, "ram:SpecifiedProcuringProject")
        sub(project, "ram:ID", invoice.project_reference)
        sub(project, "ram:Name", "Project reference")


def _w_delivery(transaction: etree._Element, invoice: InvoiceData) -> None:
    node = sub(transaction, "ram:ApplicableHeaderTradeDelivery")
    delivery = invoice.delivery
    if delivery is not None:
        if delivery.party_name is not None or delivery.location is not None or delivery.address is not None:
            party = sub(node, "ram:ShipToTradeParty")
            _w_party_ids(party, [delivery.location] if delivery.location is not None else [])
            opt(party, "ram:Name", delivery.party_name)
            _w_address(party, delivery.address)
        if delivery.actual_date is not None:
            _w_date_time(
                sub(node, "ram:ActualDeliverySupplyChainEvent"), "ram:OccurrenceDateTime", delivery.actual_date
            )
    _w_referenced(node, "ram:DespatchAdviceReferencedDocument", invoice.despatch_advice_reference)
    _w_referenced(node, "ram:ReceivingAdviceReferencedDocument", invoice.receiving_advice_reference)


def _w_amount(parent: etree._Element, tag: str, value: Decimal | None, currency: str | None = None) -> None:
    if value is not None:
        sub(parent, tag, dec(value), currencyID=currency)


def _w_allowance_charge(
    parent: etree._Element, charge: bool, entry: DocumentAllowanceCharge | LineAllowanceCharge
) -> None:
    node = sub(parent, "ram:SpecifiedTradeAllowanceCharge")
    sub(sub(node, "ram:ChargeIndicator"), "udt:Indicator", "true" if charge else "false")
    opt(node, "ram:CalculationPercent", dec(entry.percentage))
    _w_amount(node, "ram:BasisAmount", entry.base_amount)
    _w_amount(node, "ram:ActualAmount", entry.amount)
    opt(node, "ram:ReasonCode", entry.reason_code)
    opt(node, "ram:Reason", entry.reason)
    if isinstance(entry, DocumentAllowanceCharge):
        tax = sub(node, "ram:CategoryTradeTax")
        sub(tax, "ram:TypeCode", "VAT")
        opt(tax, "ram:CategoryCode", entry.vat_category)
        opt(tax, "ram:RateApplicablePercent", dec(entry.vat_rate))


def _w_period(parent: etree._Element, period: Period | None) -> None:
    if period is None:
        return
    node = sub(parent, "ram:BillingSpecifiedPeriod")
    _w_date_time(node, "ram:StartDateTime", period.start)
    _w_date_time(node, "ram:EndDateTime", period.end)


def _w_payment_means(settlement: etree._Element, payment: PaymentInstructions) -> None:
    accounts: list[CreditTransfer | None] = list(payment.credit_transfers) or [None]
    debited = payment.direct_debit.debited_account_id if payment.direct_debit is not None else None
    if not payment.means_code and payment.card is None and not payment.credit_transfers and debited is None:
        return
    for index, account in enumerate(accounts):
        node = sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        sub(node, "ram:TypeCode", payment.means_code)
        opt(node, "ram:Information", payment.means_text)
        if index == 0 and payment.card is not None:
            card = sub(node, "ram:ApplicableTradeSettlementFinancialCard")
            sub(card, "ram:ID", payment.card.primary_account_number)
            opt(card, "ram:CardholderName", payment.card.holder_name)
        if index == 0 and debited is not None:
            sub(sub(node, "ram:PayerPartyDebtorFinancialAccount"), "ram:IBANID", debited)
        if account is not None:
            creditor = sub(node, "ram:PayeePartyCreditorFinancialAccount")
            is_iban = bool(_IBAN.match(account.account_id))
            if is_iban:
                sub(creditor, "ram:IBANID", account.account_id)
            opt(creditor, "ram:AccountName", account.account_name)
            if not is_iban:
                sub(creditor, "ram:ProprietaryID", account.account_id)
            if account.service_provider_id is not None:
                sub(
                    sub(node, "ram:PayeeSpecifiedCreditorFinancialInstitution"),
                    "ram:BICID",
                    account.service_provider_id,
                )


def _w_settlement(transaction: etree._Element, invoice: InvoiceData) -> None:
    node = sub(transaction, "ram:ApplicableHeaderTradeSettlement")
    payment = invoice.payment
    debit = payment.direct_debit if payment is not None else None
    opt(node, "ram:CreditorReferenceID", debit.creditor_id if debit is not None else None)
    opt(node, "ram:PaymentReference", payment.remittance_information if payment is not None else None)
    opt(node, "ram:TaxCurrencyCode", invoice.tax_currency)
    sub(node, "ram:InvoiceCurrencyCode", invoice.currency)
    if invoice.payee is not None:
        party = sub(node, "ram:PayeeTradeParty")
        _w_party_ids(party, [invoice.payee.identifier] if invoice.payee.identifier is not None else [])
        sub(party, "ram:Name", invoice.payee.name)
        _w_legal(party, invoice.payee.legal_registration, None)
    if payment is not None:
        _w_payment_means(node, payment)
    for entry in invoice.vat_breakdown:
        tax = sub(node, "ram:ApplicableTradeTax")
        _w_amount(tax, "ram:CalculatedAmount", entry.tax_amount)
        sub(tax, "ram:TypeCode", "VAT")
        opt(tax, "ram:ExemptionReason", entry.exemption_reason)
        _w_amount(tax, "ram:BasisAmount", entry.taxable_amount)
        sub(tax, "ram:CategoryCode", entry.category)
        opt(tax, "ram:ExemptionReasonCode", entry.exemption_reason_code)
        # BT-7/BT-8 are document-level terms that CII carries on each VAT breakdown entry.
        if invoice.tax_point_date is not None:
            sub(sub(tax, "ram:TaxPointDate"), "udt:DateString", compact(invoice.tax_point_date), format="102")
        opt(tax, "ram:DueDateTypeCode", invoice.tax_point_date_code)
        opt(tax, "ram:RateApplicablePercent", dec(entry.rate))
    _w_period(node, invoice.invoicing_period)
    for allowance in invoice.allowances:
        _w_allowance_charge(node, False, allowance)
    for charge in invoice.charges:
        _w_allowance_charge(node, True, charge)
    mandate = debit.mandate_reference if debit is not None else None
    if invoice.payment_terms is not None or invoice.due_date is not None or mandate is not None:
        terms = sub(node, "ram:SpecifiedTradePaymentTerms")
        opt(terms, "ram:Description", invoice.payment_terms)
        _w_date_time(terms, "ram:DueDateDateTime", invoice.due_date)
        opt(terms, "ram:DirectDebitMandateID", mandate)
    _w_summation(node, invoice)
    # D16B allows a single InvoiceReferencedDocument in the header, so only the first BG-3 fits.
    for preceding in invoice.preceding_invoices[:1]:
        ref = sub(node, "ram:InvoiceReferencedDocument")
        sub(ref, "ram:IssuerAssignedID", preceding.reference)
        if preceding.issue_date is not None:
            formatted = sub(ref, "ram:FormattedIssueDateTime")
            sub(formatted, "qdt:DateTimeString", compact(preceding.issue_date), format="102")
    if invoice.buyer_accounting_reference is not None:
        sub(sub(node, "ram:ReceivableSpecifiedTradeAccountingAccount"), "ram:ID", invoice.buyer_accounting_reference)


def _w_summation(settlement: etree._Element, invoice: InvoiceData) -> None:
    totals = invoice.totals
    node = sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _w_amount(node, "ram:LineTotalAmount", totals.line_net_total)
    _w_amount(node, "ram:ChargeTotalAmount", totals.charge_total)
    _w_amount(node, "ram:AllowanceTotalAmount", totals.allowance_total)
    _w_amount(node, "ram:TaxBasisTotalAmount", totals.tax_exclusive)
    _w_amount(node, "ram:TaxTotalAmount", totals.vat_total, invoice.currency)
    if invoice.tax_currency:
        _w_amount(node, "ram:TaxTotalAmount", totals.vat_total_accounting, invoice.tax_currency)
    _w_amount(node, "ram:RoundingAmount", totals.rounding)
    _w_amount(node, "ram:GrandTotalAmount", totals.tax_inclusive)
    _w_amount(node, "ram:TotalPrepaidAmount", totals.prepaid)
    _w_amount(node, "ram:DuePayableAmount", totals.payable)


def _w_product(line_node: etree._Element, item: Item) -> None:
    node = sub(line_node, "ram:SpecifiedTradeProduct")
    _w_ident(node, "ram:GlobalID", item.standard_id)
    opt(node, "ram:SellerAssignedID", item.seller_id)
    opt(node, "ram:BuyerAssignedID", item.buyer_id)
    sub(node, "ram:Name", item.name)
    opt(node, "ram:Description", item.description)
    for attribute in item.attributes:
        characteristic = sub(node, "ram:ApplicableProductCharacteristic")
        sub(characteristic, "ram:Description", attribute.name)
        sub(characteristic, "ram:Value", attribute.value)
    for code in item.classifications:
        classification = sub(node, "ram:DesignatedProductClassification")
        sub(classification, "ram:ClassCode", code.value, listID=code.scheme, listVersionID=code.scheme_version)
    if item.origin_country is not None:
        sub(sub(node, "ram:OriginTradeCountry"), "ram:ID", item.origin_country)


def _w_line_agreement(line_node: etree._Element, line: InvoiceLine) -> None:
    node = sub(line_node, "ram:SpecifiedLineTradeAgreement")
    if line.order_line_reference is not None:
        sub(sub(node, "ram:BuyerOrderReferencedDocument"), "ram:LineID", line.order_line_reference)
    price = line.price

    def basis(parent: etree._Element) -> None:
        if price.base_quantity is not None:  # a unit (BT-150) alone has no element to live in
            sub(parent, "ram:BasisQuantity", dec(price.base_quantity), unitCode=price.base_quantity_unit)

    if price.gross_price is not None or price.discount is not None:
        gross = sub(node, "ram:GrossPriceProductTradePrice")
        _w_amount(gross, "ram:ChargeAmount", price.gross_price)
        basis(gross)
        if price.discount is not None:
            allowance = sub(gross, "ram:AppliedTradeAllowanceCharge")
            sub(sub(allowance, "ram:ChargeIndicator"), "udt:Indicator", "false")
            _w_amount(allowance, "ram:ActualAmount", price.discount)
    net = sub(node, "ram:NetPriceProductTradePrice")
    _w_amount(net, "ram:ChargeAmount", price.net_price)
    basis(net)


def _w_line(transaction: etree._Element, line: InvoiceLine, parent_id: str | None = None) -> None:
    node = sub(transaction, "ram:IncludedSupplyChainTradeLineItem")
    document = sub(node, "ram:AssociatedDocumentLineDocument")
    sub(document, "ram:LineID", line.id)
    opt(document, "ram:ParentLineID", parent_id)
    if line.note is not None:
        sub(sub(document, "ram:IncludedNote"), "ram:Content", line.note)
    _w_product(node, line.item)
    _w_line_agreement(node, line)
    delivery = sub(node, "ram:SpecifiedLineTradeDelivery")
    if line.quantity is not None or line.unit_code is not None:
        sub(delivery, "ram:BilledQuantity", dec(line.quantity), unitCode=line.unit_code)
    settlement = sub(node, "ram:SpecifiedLineTradeSettlement")
    tax = sub(settlement, "ram:ApplicableTradeTax")
    sub(tax, "ram:TypeCode", "VAT")
    sub(tax, "ram:CategoryCode", line.vat.category)
    opt(tax, "ram:RateApplicablePercent", dec(line.vat.rate))
    _w_period(settlement, line.period)
    for allowance in line.allowances:
        _w_allowance_charge(settlement, False, allowance)
    for charge in line.charges:
        _w_allowance_charge(settlement, True, charge)
    summation = sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _w_amount(summation, "ram:LineTotalAmount", line.net_amount)
    if line.object_identifier is not None:
        ref = sub(settlement, "ram:AdditionalReferencedDocument")
        sub(ref, "ram:IssuerAssignedID", line.object_identifier.value)
        sub(ref, "ram:TypeCode", INVOICED_OBJECT)
        opt(ref, "ram:ReferenceTypeCode", line.object_identifier.scheme)
    if line.accounting_reference is not None:
        sub(sub(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount"), "ram:ID", line.accounting_reference)
    for child in line.sub_lines:  # XRechnung Extension: sub-lines follow their parent, flat
        _w_line(transaction, child, line.id)


def write_cii(invoice: InvoiceData) -> bytes:
    """Write ``invoice`` as a CII D16B CrossIndustryInvoice."""
    root = root_element(ROOT_TAG, {"rsm": CII_RSM, "ram": CII_RAM, "udt": CII_UDT, "qdt": CII_QDT})
    context = sub(root, "rsm:ExchangedDocumentContext")
    if invoice.process.business_process is not None:
        sub(
            sub(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"),
            "ram:ID",
            invoice.process.business_process,
        )
    sub(sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", invoice.process.specification_id)
    document = sub(root, "rsm:ExchangedDocument")
    sub(document, "ram:ID", invoice.number)
    sub(document, "ram:TypeCode", invoice.type_code)
    if invoice.issue_date is not None:
        sub(sub(document, "ram:IssueDateTime"), "udt:DateTimeString", compact(invoice.issue_date), format="102")
    for note in invoice.notes:
        node = sub(document, "ram:IncludedNote")
        sub(node, "ram:Content", note.text)
        opt(node, "ram:SubjectCode", note.subject_code)
    transaction = sub(root, "rsm:SupplyChainTradeTransaction")
    for line in invoice.lines:
        _w_line(transaction, line)
    _w_agreement(transaction, invoice)
    _w_delivery(transaction, invoice)
    _w_settlement(transaction, invoice)
    return serialize(root)
