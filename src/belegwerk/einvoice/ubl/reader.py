"""Reading UBL 2.1 Invoice and CreditNote into :class:`InvoiceData` (EN 16931 UBL syntax binding).

Reading is tolerant of what the schemas allow but EN 16931 does not use (it is ignored).
"""

from __future__ import annotations

import base64
import binascii
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
    decimal_at,
    every,
    first,
    iso_date,
    path,
    text,
)
from belegwerk.xml.ns import UBL_CREDIT_NOTE, UBL_INVOICE
from belegwerk.xml.safe import parse_xml

P = path

# Document-level paths -------------------------------------------------------------------------
CUSTOMIZATION = P("cbc:CustomizationID")
PROFILE = P("cbc:ProfileID")
ID = P("cbc:ID")
ISSUE_DATE = P("cbc:IssueDate")
DUE_DATE = P("cbc:DueDate")
INVOICE_TYPE = P("cbc:InvoiceTypeCode")
CREDIT_NOTE_TYPE = P("cbc:CreditNoteTypeCode")
NOTE = P("cbc:Note")
TAX_POINT_DATE = P("cbc:TaxPointDate")
CURRENCY = P("cbc:DocumentCurrencyCode")
TAX_CURRENCY = P("cbc:TaxCurrencyCode")
ACCOUNTING_COST = P("cbc:AccountingCost")
BUYER_REFERENCE = P("cbc:BuyerReference")
INVOICE_PERIOD = P("cac:InvoicePeriod")
START_DATE = P("cbc:StartDate")
END_DATE = P("cbc:EndDate")
DESCRIPTION_CODE = P("cbc:DescriptionCode")
ORDER_ID = P("cac:OrderReference/cbc:ID")
SALES_ORDER_ID = P("cac:OrderReference/cbc:SalesOrderID")
BILLING_REFERENCE = P("cac:BillingReference/cac:InvoiceDocumentReference")
DESPATCH_ID = P("cac:DespatchDocumentReference/cbc:ID")
RECEIPT_ID = P("cac:ReceiptDocumentReference/cbc:ID")
ORIGINATOR_ID = P("cac:OriginatorDocumentReference/cbc:ID")
CONTRACT_ID = P("cac:ContractDocumentReference/cbc:ID")
ADDITIONAL_DOC = P("cac:AdditionalDocumentReference")
PROJECT_ID = P("cac:ProjectReference/cbc:ID")
SUPPLIER_PARTY = P("cac:AccountingSupplierParty/cac:Party")
CUSTOMER_PARTY = P("cac:AccountingCustomerParty/cac:Party")
PAYEE_PARTY = P("cac:PayeeParty")
TAX_REP_PARTY = P("cac:TaxRepresentativeParty")
DELIVERY = P("cac:Delivery")
PAYMENT_MEANS = P("cac:PaymentMeans")
PAYMENT_TERMS_NOTE = P("cac:PaymentTerms/cbc:Note")
ALLOWANCE_CHARGE = P("cac:AllowanceCharge")
TAX_TOTAL = P("cac:TaxTotal")
LEGAL_TOTAL = P("cac:LegalMonetaryTotal")
INVOICE_LINE = P("cac:InvoiceLine")
CREDIT_NOTE_LINE = P("cac:CreditNoteLine")
SUB_INVOICE_LINE = P("cac:SubInvoiceLine")
SUB_CREDIT_NOTE_LINE = P("cac:SubCreditNoteLine")

# Reused relative paths ----------------------------------------------------------------------
DOC_TYPE_CODE = P("cbc:DocumentTypeCode")
DOC_DESCRIPTION = P("cbc:DocumentDescription")
EMBEDDED = P("cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
EXTERNAL_URI = P("cac:Attachment/cac:ExternalReference/cbc:URI")
ENDPOINT = P("cbc:EndpointID")
PARTY_ID = P("cac:PartyIdentification/cbc:ID")
PARTY_NAME = P("cac:PartyName/cbc:Name")
POSTAL_ADDRESS = P("cac:PostalAddress")
PARTY_TAX_SCHEME = P("cac:PartyTaxScheme")
COMPANY_ID = P("cbc:CompanyID")
TAX_SCHEME_ID = P("cac:TaxScheme/cbc:ID")
LEGAL_ENTITY = P("cac:PartyLegalEntity")
REGISTRATION_NAME = P("cbc:RegistrationName")
LEGAL_FORM = P("cbc:CompanyLegalForm")
CONTACT = P("cac:Contact")
NAME = P("cbc:Name")
TELEPHONE = P("cbc:Telephone")
EMAIL = P("cbc:ElectronicMail")
STREET = P("cbc:StreetName")
ADDITIONAL_STREET = P("cbc:AdditionalStreetName")
CITY = P("cbc:CityName")
POSTAL_ZONE = P("cbc:PostalZone")
SUBENTITY = P("cbc:CountrySubentity")
ADDRESS_LINE = P("cac:AddressLine/cbc:Line")
COUNTRY = P("cac:Country/cbc:IdentificationCode")
ACTUAL_DELIVERY = P("cbc:ActualDeliveryDate")
DELIVERY_LOCATION = P("cac:DeliveryLocation")
DELIVERY_ADDRESS = P("cac:Address")
DELIVERY_PARTY_NAME = P("cac:DeliveryParty/cac:PartyName/cbc:Name")
MEANS_CODE = P("cbc:PaymentMeansCode")
PAYMENT_DUE_DATE = P("cbc:PaymentDueDate")
PAYMENT_ID = P("cbc:PaymentID")
CARD = P("cac:CardAccount")
PAN = P("cbc:PrimaryAccountNumberID")
HOLDER = P("cbc:HolderName")
PAYEE_ACCOUNT = P("cac:PayeeFinancialAccount")
BRANCH_ID = P("cac:FinancialInstitutionBranch/cbc:ID")
MANDATE = P("cac:PaymentMandate")
PAYER_ACCOUNT_ID = P("cac:PayerFinancialAccount/cbc:ID")
CHARGE_INDICATOR = P("cbc:ChargeIndicator")
REASON_CODE = P("cbc:AllowanceChargeReasonCode")
REASON = P("cbc:AllowanceChargeReason")
MULTIPLIER = P("cbc:MultiplierFactorNumeric")
AMOUNT = P("cbc:Amount")
BASE_AMOUNT = P("cbc:BaseAmount")
TAX_CATEGORY = P("cac:TaxCategory")
PERCENT = P("cbc:Percent")
TAX_AMOUNT = P("cbc:TaxAmount")
TAX_SUBTOTAL = P("cac:TaxSubtotal")
TAXABLE_AMOUNT = P("cbc:TaxableAmount")
EXEMPTION_REASON_CODE = P("cbc:TaxExemptionReasonCode")
EXEMPTION_REASON = P("cbc:TaxExemptionReason")
LINE_EXTENSION = P("cbc:LineExtensionAmount")
TAX_EXCLUSIVE = P("cbc:TaxExclusiveAmount")
TAX_INCLUSIVE = P("cbc:TaxInclusiveAmount")
ALLOWANCE_TOTAL = P("cbc:AllowanceTotalAmount")
CHARGE_TOTAL = P("cbc:ChargeTotalAmount")
PREPAID = P("cbc:PrepaidAmount")
ROUNDING = P("cbc:PayableRoundingAmount")
PAYABLE = P("cbc:PayableAmount")
INVOICED_QUANTITY = P("cbc:InvoicedQuantity")
CREDITED_QUANTITY = P("cbc:CreditedQuantity")
ORDER_LINE_ID = P("cac:OrderLineReference/cbc:LineID")
LINE_DOC_REF = P("cac:DocumentReference")
ITEM = P("cac:Item")
DESCRIPTION = P("cbc:Description")
BUYERS_ITEM_ID = P("cac:BuyersItemIdentification/cbc:ID")
SELLERS_ITEM_ID = P("cac:SellersItemIdentification/cbc:ID")
STANDARD_ITEM_ID = P("cac:StandardItemIdentification/cbc:ID")
ORIGIN_COUNTRY = P("cac:OriginCountry/cbc:IdentificationCode")
CLASSIFICATION = P("cac:CommodityClassification/cbc:ItemClassificationCode")
CLASSIFIED_TAX = P("cac:ClassifiedTaxCategory")
ITEM_PROPERTY = P("cac:AdditionalItemProperty")
VALUE = P("cbc:Value")
PRICE = P("cac:Price")
PRICE_AMOUNT = P("cbc:PriceAmount")
BASE_QUANTITY = P("cbc:BaseQuantity")

#: ``DocumentTypeCode`` values that give an AdditionalDocumentReference a special meaning.
INVOICED_OBJECT_CODE: Final = "130"
PROJECT_CODE: Final = "50"
#: Scheme that marks the SEPA creditor identifier (BT-90) among party identifiers.
SEPA: Final = "SEPA"
#: cac:OrderReference/cbc:ID is mandatory; this stands in when only BT-14 exists.
ORDER_PLACEHOLDER: Final = "NA"


# ================================================================================================
# Reading
# ================================================================================================


def _ident(node: etree._Element | None) -> Identifier | None:
    value = text(node)
    if value is None:
        return None
    return Identifier(value, attr(node, (), "schemeID"))


def _address(node: etree._Element | None) -> Address | None:
    if node is None:
        return None
    return Address(
        line1=text(node, STREET),
        line2=text(node, ADDITIONAL_STREET),
        line3=text(node, ADDRESS_LINE),
        city=text(node, CITY),
        post_code=text(node, POSTAL_ZONE),
        subdivision=text(node, SUBENTITY),
        country_code=text(node, COUNTRY) or "",
    )


def _contact(party: etree._Element) -> Contact | None:
    node = first(party, CONTACT)
    if node is None:
        return None
    return Contact(name=text(node, NAME), telephone=text(node, TELEPHONE), email=text(node, EMAIL))


def _tax_ids(party: etree._Element) -> tuple[str | None, str | None]:
    """(VAT identifier, other tax registration) from the party's PartyTaxScheme entries."""
    vat_id: str | None = None
    other: str | None = None
    for scheme in every(party, PARTY_TAX_SCHEME):
        company_id = text(scheme, COMPANY_ID)
        if (text(scheme, TAX_SCHEME_ID) or "").upper() == "VAT":
            vat_id = vat_id if vat_id is not None else company_id
        else:
            other = other if other is not None else company_id
    return vat_id, other


def _read_seller(party: etree._Element | None) -> tuple[Seller, str | None]:
    """The seller and, separately, a SEPA creditor identifier (BT-90) found among its ids."""
    if party is None:
        return Seller(), None
    creditor_id: str | None = None
    identifiers: list[Identifier] = []
    for node in every(party, PARTY_ID):
        ident = _ident(node)
        if ident is None:
            continue
        if ident.scheme == SEPA:
            creditor_id = creditor_id if creditor_id is not None else ident.value
        else:
            identifiers.append(ident)
    legal = first(party, LEGAL_ENTITY)
    vat_id, tax_id = _tax_ids(party)
    seller = Seller(
        name=text(legal, REGISTRATION_NAME) or "",
        trading_name=text(party, PARTY_NAME),
        identifiers=identifiers,
        legal_registration=_ident(first(legal, COMPANY_ID)),
        vat_id=vat_id,
        tax_registration_id=tax_id,
        additional_legal_info=text(legal, LEGAL_FORM),
        electronic_address=_ident(first(party, ENDPOINT)),
        address=_address(first(party, POSTAL_ADDRESS)) or Address(),
        contact=_contact(party),
    )
    return seller, creditor_id


def _read_buyer(party: etree._Element | None) -> Buyer:
    if party is None:
        return Buyer()
    legal = first(party, LEGAL_ENTITY)
    vat_id, _ = _tax_ids(party)
    return Buyer(
        name=text(legal, REGISTRATION_NAME) or "",
        trading_name=text(party, PARTY_NAME),
        identifier=_ident(first(party, PARTY_ID)),
        legal_registration=_ident(first(legal, COMPANY_ID)),
        vat_id=vat_id,
        electronic_address=_ident(first(party, ENDPOINT)),
        address=_address(first(party, POSTAL_ADDRESS)) or Address(),
        contact=_contact(party),
    )


def _read_payee(party: etree._Element | None) -> tuple[Payee | None, str | None]:
    if party is None:
        return None, None
    identifier: Identifier | None = None
    creditor_id: str | None = None
    for node in every(party, PARTY_ID):
        ident = _ident(node)
        if ident is None:
            continue
        if ident.scheme == SEPA:
            creditor_id = creditor_id if creditor_id is not None else ident.value
        elif identifier is None:
            identifier = ident
    payee = Payee(
        name=text(party, PARTY_NAME) or "",
        identifier=identifier,
        legal_registration=_ident(first(party, (*LEGAL_ENTITY, *COMPANY_ID))),
    )
    return payee, creditor_id


def _read_tax_representative(party: etree._Element | None) -> TaxRepresentative | None:
    if party is None:
        return None
    vat_id, _ = _tax_ids(party)
    return TaxRepresentative(
        name=text(party, PARTY_NAME) or "",
        vat_id=vat_id or "",
        address=_address(first(party, POSTAL_ADDRESS)) or Address(),
    )


def _read_delivery(node: etree._Element | None) -> Delivery | None:
    if node is None:
        return None
    location = first(node, DELIVERY_LOCATION)
    return Delivery(
        party_name=text(node, DELIVERY_PARTY_NAME),
        location=_ident(first(location, ID)),
        actual_date=iso_date(node, ACTUAL_DELIVERY),
        address=_address(first(location, DELIVERY_ADDRESS)),
    )


def _period(node: etree._Element | None) -> Period | None:
    if node is None:
        return None
    start, end = iso_date(node, START_DATE), iso_date(node, END_DATE)
    if start is None and end is None:
        return None
    return Period(start=start, end=end)


def _read_payment(root: etree._Element, creditor_id: str | None) -> PaymentInstructions | None:
    means = list(every(root, PAYMENT_MEANS))
    if not means and creditor_id is None:
        return None
    head = means[0] if means else None
    transfers: list[CreditTransfer] = []
    card: PaymentCard | None = None
    mandate_ref: str | None = None
    debited: str | None = None
    remittance: str | None = None
    for node in means:
        remittance = remittance if remittance is not None else text(node, PAYMENT_ID)
        for account in every(node, PAYEE_ACCOUNT):
            transfers.append(
                CreditTransfer(
                    account_id=text(account, ID) or "",
                    account_name=text(account, NAME),
                    service_provider_id=text(account, BRANCH_ID),
                )
            )
        card_node = first(node, CARD)
        if card_node is not None and card is None:
            card = PaymentCard(primary_account_number=text(card_node, PAN) or "", holder_name=text(card_node, HOLDER))
        mandate = first(node, MANDATE)
        if mandate is not None:
            mandate_ref = mandate_ref if mandate_ref is not None else text(mandate, ID)
            debited = debited if debited is not None else text(mandate, PAYER_ACCOUNT_ID)
    direct_debit = None
    if mandate_ref is not None or debited is not None or creditor_id is not None:
        direct_debit = DirectDebit(mandate_reference=mandate_ref, creditor_id=creditor_id, debited_account_id=debited)
    return PaymentInstructions(
        means_code=text(head, MEANS_CODE) or "",
        means_text=attr(head, MEANS_CODE, "name"),
        remittance_information=remittance,
        credit_transfers=transfers,
        card=card,
        direct_debit=direct_debit,
    )


def _read_document_allowances(
    root: etree._Element,
) -> tuple[list[DocumentAllowanceCharge], list[DocumentAllowanceCharge]]:
    allowances: list[DocumentAllowanceCharge] = []
    charges: list[DocumentAllowanceCharge] = []
    for node in every(root, ALLOWANCE_CHARGE):
        category = first(node, TAX_CATEGORY)
        entry = DocumentAllowanceCharge(
            amount=decimal_at(node, AMOUNT),
            base_amount=decimal_at(node, BASE_AMOUNT),
            percentage=decimal_at(node, MULTIPLIER),
            vat_category=text(category, ID),
            vat_rate=decimal_at(category, PERCENT),
            reason=text(node, REASON),
            reason_code=text(node, REASON_CODE),
        )
        (charges if _is_charge(node) else allowances).append(entry)
    return allowances, charges


def _is_charge(node: etree._Element) -> bool:
    return (text(node, CHARGE_INDICATOR) or "").lower() == "true"


def _read_line_allowances(line: etree._Element) -> tuple[list[LineAllowanceCharge], list[LineAllowanceCharge]]:
    allowances: list[LineAllowanceCharge] = []
    charges: list[LineAllowanceCharge] = []
    for node in every(line, ALLOWANCE_CHARGE):
        entry = LineAllowanceCharge(
            amount=decimal_at(node, AMOUNT),
            base_amount=decimal_at(node, BASE_AMOUNT),
            percentage=decimal_at(node, MULTIPLIER),
            reason=text(node, REASON),
            reason_code=text(node, REASON_CODE),
        )
        (charges if _is_charge(node) else allowances).append(entry)
    return allowances, charges


def _read_tax_totals(
    root: etree._Element, currency: str, tax_currency: str | None
) -> tuple[Decimal | None, Decimal | None, list[VatBreakdown]]:
    vat_total: Decimal | None = None
    vat_total_accounting: Decimal | None = None
    breakdown: list[VatBreakdown] = []
    for total in every(root, TAX_TOTAL):
        amount = decimal_at(total, TAX_AMOUNT)
        amount_currency = attr(total, TAX_AMOUNT, "currencyID")
        in_tax_currency = tax_currency is not None and tax_currency != currency and amount_currency == tax_currency
        if in_tax_currency:
            vat_total_accounting = amount
            continue
        if vat_total is None:
            vat_total = amount
        for subtotal in every(total, TAX_SUBTOTAL):
            category = first(subtotal, TAX_CATEGORY)
            breakdown.append(
                VatBreakdown(
                    taxable_amount=decimal_at(subtotal, TAXABLE_AMOUNT),
                    tax_amount=decimal_at(subtotal, TAX_AMOUNT),
                    category=text(category, ID) or "",
                    rate=decimal_at(category, PERCENT),
                    exemption_reason=text(category, EXEMPTION_REASON),
                    exemption_reason_code=text(category, EXEMPTION_REASON_CODE),
                )
            )
    return vat_total, vat_total_accounting, breakdown


def _read_totals(root: etree._Element, vat_total: Decimal | None, vat_accounting: Decimal | None) -> DocumentTotals:
    node = first(root, LEGAL_TOTAL)
    return DocumentTotals(
        line_net_total=decimal_at(node, LINE_EXTENSION),
        allowance_total=decimal_at(node, ALLOWANCE_TOTAL),
        charge_total=decimal_at(node, CHARGE_TOTAL),
        tax_exclusive=decimal_at(node, TAX_EXCLUSIVE),
        vat_total=vat_total,
        vat_total_accounting=vat_accounting,
        tax_inclusive=decimal_at(node, TAX_INCLUSIVE),
        prepaid=decimal_at(node, PREPAID),
        rounding=decimal_at(node, ROUNDING),
        payable=decimal_at(node, PAYABLE),
    )


def _read_attachment(node: etree._Element | None) -> BinaryObject | None:
    if node is None:
        return None
    try:
        content = base64.b64decode((node.text or "").encode("ascii"), validate=False)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise InvoiceReadError(f"embedded document is not valid base64: {exc}") from exc
    return BinaryObject(content=content, mime_code=node.get("mimeCode") or "", filename=node.get("filename") or "")


def _read_document_references(
    root: etree._Element, credit_note: bool
) -> tuple[list[SupportingDocument], Identifier | None, str | None]:
    """Supporting documents (BG-24), invoiced object (BT-18) and, in a CreditNote, project (BT-11).

    UBL 2.1 CreditNote has no ProjectReference, so the binding carries BT-11 there as an
    AdditionalDocumentReference with document type code 50.
    """
    documents: list[SupportingDocument] = []
    invoiced_object: Identifier | None = None
    project: str | None = None
    for node in every(root, ADDITIONAL_DOC):
        code = text(node, DOC_TYPE_CODE)
        if code == INVOICED_OBJECT_CODE and invoiced_object is None:
            invoiced_object = _ident(first(node, ID))
            continue
        if code == PROJECT_CODE and credit_note and project is None:
            project = text(node, ID)
            continue
        documents.append(
            SupportingDocument(
                reference=text(node, ID) or "",
                description=text(node, DOC_DESCRIPTION),
                external_uri=text(node, EXTERNAL_URI),
                attachment=_read_attachment(first(node, EMBEDDED)),
            )
        )
    return documents, invoiced_object, project


def _read_notes(root: etree._Element) -> list[Note]:
    notes: list[Note] = []
    for node in every(root, NOTE):
        raw = text(node) or ""
        subject: str | None = None
        # Peppol and XRechnung put the subject code (BT-21) in front: "#AAI#the note".
        if raw.startswith("#") and raw.count("#") >= 2:
            code, _, rest = raw[1:].partition("#")
            if code and len(code) <= 3 and code.isalnum():
                subject, raw = code, rest
        notes.append(Note(text=raw, subject_code=subject))
    return notes


def _read_item(node: etree._Element | None) -> Item:
    if node is None:
        return Item()
    standard = first(node, STANDARD_ITEM_ID)
    classifications = []
    for code in every(node, CLASSIFICATION):
        classifications.append(Identifier(text(code) or "", code.get("listID"), code.get("listVersionID")))
    return Item(
        name=text(node, NAME) or "",
        description=text(node, DESCRIPTION),
        seller_id=text(node, SELLERS_ITEM_ID),
        buyer_id=text(node, BUYERS_ITEM_ID),
        standard_id=_ident(standard),
        classifications=classifications,
        origin_country=text(node, ORIGIN_COUNTRY),
        attributes=[
            ItemAttribute(name=text(prop, NAME) or "", value=text(prop, VALUE) or "")
            for prop in every(node, ITEM_PROPERTY)
        ],
    )


def _read_price(node: etree._Element | None) -> PriceDetails:
    if node is None:
        return PriceDetails()
    discount = first(node, ALLOWANCE_CHARGE)
    return PriceDetails(
        net_price=decimal_at(node, PRICE_AMOUNT),
        discount=decimal_at(discount, AMOUNT),
        gross_price=decimal_at(discount, BASE_AMOUNT),
        base_quantity=decimal_at(node, BASE_QUANTITY),
        base_quantity_unit=attr(node, BASE_QUANTITY, "unitCode"),
    )


def _read_line(node: etree._Element, credit_note: bool) -> InvoiceLine:
    allowances, charges = _read_line_allowances(node)
    object_identifier: Identifier | None = None
    for ref in every(node, LINE_DOC_REF):
        if text(ref, DOC_TYPE_CODE) == INVOICED_OBJECT_CODE:
            object_identifier = _ident(first(ref, ID))
            break
    item = first(node, ITEM)
    tax = first(item, CLASSIFIED_TAX)
    quantity_path = CREDITED_QUANTITY if credit_note else INVOICED_QUANTITY
    sub_path = SUB_CREDIT_NOTE_LINE if credit_note else SUB_INVOICE_LINE
    return InvoiceLine(
        id=text(node, ID) or "",
        note=text(node, NOTE),
        object_identifier=object_identifier,
        quantity=decimal_at(node, quantity_path),
        unit_code=attr(node, quantity_path, "unitCode"),
        net_amount=decimal_at(node, LINE_EXTENSION),
        order_line_reference=text(node, ORDER_LINE_ID),
        accounting_reference=text(node, ACCOUNTING_COST),
        period=_period(first(node, INVOICE_PERIOD)),
        allowances=allowances,
        charges=charges,
        price=_read_price(first(node, PRICE)),
        vat=LineVat(category=text(tax, ID) or "", rate=decimal_at(tax, PERCENT)),
        item=_read_item(item),
        sub_lines=[_read_line(child, credit_note) for child in every(node, sub_path)],
    )


def read_ubl(data: bytes | etree._Element) -> InvoiceData:
    """Read a UBL 2.1 Invoice or CreditNote (bytes or an already parsed root) into the model."""
    root = parse_xml(data) if isinstance(data, bytes | bytearray) else data
    if root.tag == f"{{{UBL_INVOICE}}}Invoice":
        credit_note = False
    elif root.tag == f"{{{UBL_CREDIT_NOTE}}}CreditNote":
        credit_note = True
    else:
        raise InvoiceReadError(f"not a UBL Invoice or CreditNote: root element is {root.tag}")
    with child_index():
        return _read_root(root, credit_note)


def _purchase_order(root: etree._Element) -> str | None:
    """BT-13; "NA" is the binding's placeholder when only the sales order (BT-14) is known."""
    order_id = text(root, ORDER_ID)
    if order_id == ORDER_PLACEHOLDER and text(root, SALES_ORDER_ID) is not None:
        return None
    return order_id


def _read_root(root: etree._Element, credit_note: bool) -> InvoiceData:
    currency = text(root, CURRENCY) or ""
    tax_currency = text(root, TAX_CURRENCY)
    seller, creditor_id = _read_seller(first(root, SUPPLIER_PARTY))
    payee, payee_creditor_id = _read_payee(first(root, PAYEE_PARTY))
    vat_total, vat_accounting, breakdown = _read_tax_totals(root, currency, tax_currency)
    allowances, charges = _read_document_allowances(root)
    documents, invoiced_object, project_from_docs = _read_document_references(root, credit_note)
    period_node = first(root, INVOICE_PERIOD)
    due_date = iso_date(root, DUE_DATE)
    if due_date is None:
        for means in every(root, PAYMENT_MEANS):
            due_date = iso_date(means, PAYMENT_DUE_DATE)
            if due_date is not None:
                break
    lines = [_read_line(line, credit_note) for line in every(root, CREDIT_NOTE_LINE if credit_note else INVOICE_LINE)]
    payment_terms = [t for t in (text(n) for n in every(root, PAYMENT_TERMS_NOTE)) if t is not None]
    return InvoiceData(
        number=text(root, ID) or "",
        issue_date=iso_date(root, ISSUE_DATE),
        type_code=text(root, CREDIT_NOTE_TYPE if credit_note else INVOICE_TYPE) or "",
        currency=currency,
        tax_currency=tax_currency,
        tax_point_date=iso_date(root, TAX_POINT_DATE),
        tax_point_date_code=text(period_node, DESCRIPTION_CODE),
        due_date=due_date,
        buyer_reference=text(root, BUYER_REFERENCE),
        project_reference=text(root, PROJECT_ID) or project_from_docs,
        contract_reference=text(root, CONTRACT_ID),
        purchase_order_reference=_purchase_order(root),
        sales_order_reference=text(root, SALES_ORDER_ID),
        receiving_advice_reference=text(root, RECEIPT_ID),
        despatch_advice_reference=text(root, DESPATCH_ID),
        tender_reference=text(root, ORIGINATOR_ID),
        invoiced_object=invoiced_object,
        buyer_accounting_reference=text(root, ACCOUNTING_COST),
        payment_terms="\n".join(payment_terms) if payment_terms else None,
        notes=_read_notes(root),
        process=ProcessControl(specification_id=text(root, CUSTOMIZATION) or "", business_process=text(root, PROFILE)),
        preceding_invoices=[
            PrecedingInvoice(reference=text(ref, ID) or "", issue_date=iso_date(ref, ISSUE_DATE))
            for ref in every(root, BILLING_REFERENCE)
        ],
        seller=seller,
        buyer=_read_buyer(first(root, CUSTOMER_PARTY)),
        payee=payee,
        tax_representative=_read_tax_representative(first(root, TAX_REP_PARTY)),
        delivery=_read_delivery(first(root, DELIVERY)),
        invoicing_period=_period(period_node),
        payment=_read_payment(root, payee_creditor_id or creditor_id),
        allowances=allowances,
        charges=charges,
        totals=_read_totals(root, vat_total, vat_accounting),
        vat_breakdown=breakdown,
        supporting_documents=documents,
        lines=lines,
    )
