"""Writing :class:`InvoiceData` as UBL 2.1 Invoice or CreditNote, following the EN 16931 UBL binding.

The output is in schema order and contains only the elements the binding defines.
"""

from __future__ import annotations

import base64
from decimal import Decimal

from lxml import etree

from belegwerk.domain.invoice import (
    Address,
    Buyer,
    Contact,
    CreditTransfer,
    Delivery,
    DocumentAllowanceCharge,
    DocumentTotals,
    Identifier,
    InvoiceData,
    InvoiceLine,
    LineAllowanceCharge,
    Payee,
    Period,
    PriceDetails,
    SupportingDocument,
    TaxRepresentative,
)
from belegwerk.einvoice._xml import (
    dec,
    iso,
    opt,
    root_element,
    serialize,
    sub,
)
from belegwerk.einvoice.ubl.reader import INVOICED_OBJECT_CODE, ORDER_PLACEHOLDER, PROJECT_CODE, SEPA
from belegwerk.xml.ns import UBL_CAC, UBL_CBC, UBL_CREDIT_NOTE, UBL_INVOICE


def _w_ident(parent: etree._Element, name: str, ident: Identifier | None) -> None:
    if ident is not None:
        sub(parent, name, ident.value, schemeID=ident.scheme)


def _w_amount(parent: etree._Element, name: str, value: Decimal | None, currency: str) -> None:
    if value is not None:
        sub(parent, name, dec(value), currencyID=currency)


def _w_address(parent: etree._Element, name: str, address: Address | None) -> None:
    if address is None:
        return
    node = sub(parent, name)
    opt(node, "cbc:StreetName", address.line1)
    opt(node, "cbc:AdditionalStreetName", address.line2)
    opt(node, "cbc:CityName", address.city)
    opt(node, "cbc:PostalZone", address.post_code)
    opt(node, "cbc:CountrySubentity", address.subdivision)
    if address.line3 is not None:
        sub(sub(node, "cac:AddressLine"), "cbc:Line", address.line3)
    sub(sub(node, "cac:Country"), "cbc:IdentificationCode", address.country_code)


def _w_tax_scheme(party: etree._Element, company_id: str | None, scheme: str) -> None:
    if company_id is None:
        return
    node = sub(party, "cac:PartyTaxScheme")
    sub(node, "cbc:CompanyID", company_id)
    sub(sub(node, "cac:TaxScheme"), "cbc:ID", scheme)


def _w_contact(party: etree._Element, contact: Contact | None) -> None:
    if contact is None:
        return
    node = sub(party, "cac:Contact")
    opt(node, "cbc:Name", contact.name)
    opt(node, "cbc:Telephone", contact.telephone)
    opt(node, "cbc:ElectronicMail", contact.email)


def _w_seller(root: etree._Element, invoice: InvoiceData, creditor_id: str | None) -> None:
    seller = invoice.seller
    party = sub(sub(root, "cac:AccountingSupplierParty"), "cac:Party")
    _w_ident(party, "cbc:EndpointID", seller.electronic_address)
    for ident in seller.identifiers:
        _w_ident(sub(party, "cac:PartyIdentification"), "cbc:ID", ident)
    if creditor_id is not None:
        sub(sub(party, "cac:PartyIdentification"), "cbc:ID", creditor_id, schemeID=SEPA)
    if seller.trading_name is not None:
        sub(sub(party, "cac:PartyName"), "cbc:Name", seller.trading_name)
    _w_address(party, "cac:PostalAddress", seller.address)
    _w_tax_scheme(party, seller.vat_id, "VAT")
    _w_tax_scheme(party, seller.tax_registration_id, "FC")
    legal = sub(party, "cac:PartyLegalEntity")
    sub(legal, "cbc:RegistrationName", seller.name)
    _w_ident(legal, "cbc:CompanyID", seller.legal_registration)
    opt(legal, "cbc:CompanyLegalForm", seller.additional_legal_info)
    _w_contact(party, seller.contact)


def _w_buyer(root: etree._Element, buyer: Buyer) -> None:
    party = sub(sub(root, "cac:AccountingCustomerParty"), "cac:Party")
    _w_ident(party, "cbc:EndpointID", buyer.electronic_address)
    if buyer.identifier is not None:
        _w_ident(sub(party, "cac:PartyIdentification"), "cbc:ID", buyer.identifier)
    if buyer.trading_name is not None:
        sub(sub(party, "cac:PartyName"), "cbc:Name", buyer.trading_name)
    _w_address(party, "cac:PostalAddress", buyer.address)
    _w_tax_scheme(party, buyer.vat_id, "VAT")
    legal = sub(party, "cac:PartyLegalEntity")
    sub(legal, "cbc:RegistrationName", buyer.name)
    _w_ident(legal, "cbc:CompanyID", buyer.legal_registration)
    _w_contact(party, buyer.contact)


def _w_payee(root: etree._Element, payee: Payee | None, creditor_id: str | None) -> None:
    if payee is None:
        return
    party = sub(root, "cac:PayeeParty")
    if payee.identifier is not None:
        _w_ident(sub(party, "cac:PartyIdentification"), "cbc:ID", payee.identifier)
    if creditor_id is not None:
        sub(sub(party, "cac:PartyIdentification"), "cbc:ID", creditor_id, schemeID=SEPA)
    sub(sub(party, "cac:PartyName"), "cbc:Name", payee.name)
    if payee.legal_registration is not None:
        _w_ident(sub(party, "cac:PartyLegalEntity"), "cbc:CompanyID", payee.legal_registration)


def _w_tax_representative(root: etree._Element, rep: TaxRepresentative | None) -> None:
    if rep is None:
        return
    party = sub(root, "cac:TaxRepresentativeParty")
    sub(sub(party, "cac:PartyName"), "cbc:Name", rep.name)
    _w_address(party, "cac:PostalAddress", rep.address)
    _w_tax_scheme(party, rep.vat_id, "VAT")


def _w_delivery(root: etree._Element, delivery: Delivery | None) -> None:
    if delivery is None:
        return
    node = sub(root, "cac:Delivery")
    opt(node, "cbc:ActualDeliveryDate", iso(delivery.actual_date))
    if delivery.location is not None or delivery.address is not None:
        location = sub(node, "cac:DeliveryLocation")
        _w_ident(location, "cbc:ID", delivery.location)
        _w_address(location, "cac:Address", delivery.address)
    if delivery.party_name is not None:
        sub(sub(sub(node, "cac:DeliveryParty"), "cac:PartyName"), "cbc:Name", delivery.party_name)


def _w_payment_means(root: etree._Element, invoice: InvoiceData) -> None:
    payment = invoice.payment
    due_in_means = invoice.is_credit_note and invoice.due_date is not None
    if payment is None:
        if due_in_means:  # a CreditNote has no DueDate; without payment means BT-9 cannot be written
            raise ValueError("a credit note with a due date (BT-9) needs payment instructions (BG-16) in UBL")
        return
    # One PaymentMeans per account; card and mandate ride on the first, as the binding allows.
    accounts: list[CreditTransfer | None] = list(payment.credit_transfers) or [None]
    for index, account in enumerate(accounts):
        node = sub(root, "cac:PaymentMeans")
        sub(node, "cbc:PaymentMeansCode", payment.means_code, name=payment.means_text)
        if due_in_means:
            sub(node, "cbc:PaymentDueDate", iso(invoice.due_date))
        opt(node, "cbc:PaymentID", payment.remittance_information)
        if index == 0 and payment.card is not None:
            card = sub(node, "cac:CardAccount")
            sub(card, "cbc:PrimaryAccountNumberID", payment.card.primary_account_number)
            sub(card, "cbc:NetworkID", "NA")
            opt(card, "cbc:HolderName", payment.card.holder_name)
        if account is not None:
            financial = sub(node, "cac:PayeeFinancialAccount")
            sub(financial, "cbc:ID", account.account_id)
            opt(financial, "cbc:Name", account.account_name)
            if account.service_provider_id is not None:
                sub(sub(financial, "cac:FinancialInstitutionBranch"), "cbc:ID", account.service_provider_id)
        debit = payment.direct_debit
        if index == 0 and debit is not None and (debit.mandate_reference or debit.debited_account_id) is not None:
            mandate = sub(node, "cac:PaymentMandate")
            opt(mandate, "cbc:ID", debit.mandate_reference)
            if debit.debited_account_id is not None:
                sub(sub(mandate, "cac:PayerFinancialAccount"), "cbc:ID", debit.debited_account_id)


def _w_tax_category(parent: etree._Element, name: str, category: str | None, rate: Decimal | None) -> etree._Element:
    node = sub(parent, name)
    sub(node, "cbc:ID", category or "")
    opt(node, "cbc:Percent", dec(rate))
    return node


def _w_allowance_charge(
    parent: etree._Element,
    charge: bool,
    entry: DocumentAllowanceCharge | LineAllowanceCharge,
    currency: str,
) -> None:
    node = sub(parent, "cac:AllowanceCharge")
    sub(node, "cbc:ChargeIndicator", "true" if charge else "false")
    opt(node, "cbc:AllowanceChargeReasonCode", entry.reason_code)
    opt(node, "cbc:AllowanceChargeReason", entry.reason)
    opt(node, "cbc:MultiplierFactorNumeric", dec(entry.percentage))
    _w_amount(node, "cbc:Amount", entry.amount, currency)
    _w_amount(node, "cbc:BaseAmount", entry.base_amount, currency)
    if isinstance(entry, DocumentAllowanceCharge):
        category = _w_tax_category(node, "cac:TaxCategory", entry.vat_category, entry.vat_rate)
        sub(sub(category, "cac:TaxScheme"), "cbc:ID", "VAT")


def _w_tax_totals(root: etree._Element, invoice: InvoiceData) -> None:
    currency = invoice.currency
    totals = invoice.totals
    if totals.vat_total is not None or invoice.vat_breakdown:
        total = sub(root, "cac:TaxTotal")
        _w_amount(total, "cbc:TaxAmount", totals.vat_total, currency)
        for entry in invoice.vat_breakdown:
            subtotal = sub(total, "cac:TaxSubtotal")
            _w_amount(subtotal, "cbc:TaxableAmount", entry.taxable_amount, currency)
            _w_amount(subtotal, "cbc:TaxAmount", entry.tax_amount, currency)
            category = _w_tax_category(subtotal, "cac:TaxCategory", entry.category, entry.rate)
            opt(category, "cbc:TaxExemptionReasonCode", entry.exemption_reason_code)
            opt(category, "cbc:TaxExemptionReason", entry.exemption_reason)
            sub(sub(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    if totals.vat_total_accounting is not None and invoice.tax_currency:
        total = sub(root, "cac:TaxTotal")
        sub(total, "cbc:TaxAmount", dec(totals.vat_total_accounting), currencyID=invoice.tax_currency)


def _w_legal_total(root: etree._Element, totals: DocumentTotals, currency: str) -> None:
    node = sub(root, "cac:LegalMonetaryTotal")
    _w_amount(node, "cbc:LineExtensionAmount", totals.line_net_total, currency)
    _w_amount(node, "cbc:TaxExclusiveAmount", totals.tax_exclusive, currency)
    _w_amount(node, "cbc:TaxInclusiveAmount", totals.tax_inclusive, currency)
    _w_amount(node, "cbc:AllowanceTotalAmount", totals.allowance_total, currency)
    _w_amount(node, "cbc:ChargeTotalAmount", totals.charge_total, currency)
    _w_amount(node, "cbc:PrepaidAmount", totals.prepaid, currency)
    _w_amount(node, "cbc:PayableRoundingAmount", totals.rounding, currency)
    _w_amount(node, "cbc:PayableAmount", totals.payable, currency)


def _w_period(parent: etree._Element, period: Period | None, code: str | None = None) -> None:
    if period is None and code is None:
        return
    node = sub(parent, "cac:InvoicePeriod")
    if period is not None:
        opt(node, "cbc:StartDate", iso(period.start))
        opt(node, "cbc:EndDate", iso(period.end))
    opt(node, "cbc:DescriptionCode", code)


def _w_document_reference(parent: etree._Element, doc: SupportingDocument) -> None:
    node = sub(parent, "cac:AdditionalDocumentReference")
    sub(node, "cbc:ID", doc.reference)
    opt(node, "cbc:DocumentDescription", doc.description)
    if doc.attachment is not None or doc.external_uri is not None:
        attachment = sub(node, "cac:Attachment")
        if doc.attachment is not None:
            sub(
                attachment,
                "cbc:EmbeddedDocumentBinaryObject",
                base64.b64encode(doc.attachment.content).decode("ascii"),
                mimeCode=doc.attachment.mime_code,
                filename=doc.attachment.filename,
            )
        if doc.external_uri is not None:
            sub(sub(attachment, "cac:ExternalReference"), "cbc:URI", doc.external_uri)


def _w_line(
    root: etree._Element, line: InvoiceLine, credit_note: bool, currency: str, *, sub_line: bool = False
) -> None:
    if sub_line:
        tag = "cac:SubCreditNoteLine" if credit_note else "cac:SubInvoiceLine"
    else:
        tag = "cac:CreditNoteLine" if credit_note else "cac:InvoiceLine"
    node = sub(root, tag)
    sub(node, "cbc:ID", line.id)
    opt(node, "cbc:Note", line.note)
    if line.quantity is not None or line.unit_code is not None:
        quantity_tag = "cbc:CreditedQuantity" if credit_note else "cbc:InvoicedQuantity"
        sub(node, quantity_tag, dec(line.quantity), unitCode=line.unit_code)
    _w_amount(node, "cbc:LineExtensionAmount", line.net_amount, currency)
    opt(node, "cbc:AccountingCost", line.accounting_reference)
    _w_period(node, line.period)
    if line.order_line_reference is not None:
        sub(sub(node, "cac:OrderLineReference"), "cbc:LineID", line.order_line_reference)
    if line.object_identifier is not None:
        ref = sub(node, "cac:DocumentReference")
        _w_ident(ref, "cbc:ID", line.object_identifier)
        sub(ref, "cbc:DocumentTypeCode", INVOICED_OBJECT_CODE)
    for allowance in line.allowances:
        _w_allowance_charge(node, False, allowance, currency)
    for charge in line.charges:
        _w_allowance_charge(node, True, charge, currency)
    _w_item(node, line)
    _w_price(node, line.price, currency)
    for child in line.sub_lines:
        _w_line(node, child, credit_note, currency, sub_line=True)


def _w_item(parent: etree._Element, line: InvoiceLine) -> None:
    item = line.item
    node = sub(parent, "cac:Item")
    opt(node, "cbc:Description", item.description)
    sub(node, "cbc:Name", item.name)
    if item.buyer_id is not None:
        sub(sub(node, "cac:BuyersItemIdentification"), "cbc:ID", item.buyer_id)
    if item.seller_id is not None:
        sub(sub(node, "cac:SellersItemIdentification"), "cbc:ID", item.seller_id)
    if item.standard_id is not None:
        _w_ident(sub(node, "cac:StandardItemIdentification"), "cbc:ID", item.standard_id)
    if item.origin_country is not None:
        sub(sub(node, "cac:OriginCountry"), "cbc:IdentificationCode", item.origin_country)
    for code in item.classifications:
        sub(
            sub(node, "cac:CommodityClassification"),
            "cbc:ItemClassificationCode",
            code.value,
            listID=code.scheme,
            listVersionID=code.scheme_version,
        )
    category = _w_tax_category(node, "cac:ClassifiedTaxCategory", line.vat.category, line.vat.rate)
    sub(sub(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    for attribute in item.attributes:
        prop = sub(node, "cac:AdditionalItemProperty")
        sub(prop, "cbc:Name", attribute.name)
        sub(prop, "cbc:Value", attribute.value)


def _w_price(parent: etree._Element, price: PriceDetails, currency: str) -> None:
    node = sub(parent, "cac:Price")
    _w_amount(node, "cbc:PriceAmount", price.net_price, currency)
    if price.base_quantity is not None:  # a unit (BT-150) alone has no element to live in
        sub(node, "cbc:BaseQuantity", dec(price.base_quantity), unitCode=price.base_quantity_unit)
    if price.discount is not None or price.gross_price is not None:
        # UBL carries the gross price (BT-148) only as the base of a price discount (BT-147), whose
        # amount the schema requires: a gross price without a discount is written as discount 0
        discount = sub(node, "cac:AllowanceCharge")
        sub(discount, "cbc:ChargeIndicator", "false")
        amount = price.discount if price.discount is not None else Decimal("0.00")
        _w_amount(discount, "cbc:Amount", amount, currency)
        _w_amount(discount, "cbc:BaseAmount", price.gross_price, currency)


def write_ubl(invoice: InvoiceData) -> bytes:
    """Write ``invoice`` as UBL 2.1: a ``CreditNote`` for credit-note type codes, else an ``Invoice``."""
    credit_note = invoice.is_credit_note
    ns = UBL_CREDIT_NOTE if credit_note else UBL_INVOICE
    root = root_element(
        f"{{{ns}}}{'CreditNote' if credit_note else 'Invoice'}",
        nsmap={None: ns, "cac": UBL_CAC, "cbc": UBL_CBC},
    )
    currency = invoice.currency
    process = invoice.process
    opt(root, "cbc:CustomizationID", process.specification_id)
    opt(root, "cbc:ProfileID", process.business_process)
    sub(root, "cbc:ID", invoice.number)
    opt(root, "cbc:IssueDate", iso(invoice.issue_date))
    if credit_note:
        opt(root, "cbc:TaxPointDate", iso(invoice.tax_point_date))
        sub(root, "cbc:CreditNoteTypeCode", invoice.type_code)
    else:
        opt(root, "cbc:DueDate", iso(invoice.due_date))
        sub(root, "cbc:InvoiceTypeCode", invoice.type_code)
    for note in invoice.notes:
        sub(root, "cbc:Note", f"#{note.subject_code}#{note.text}" if note.subject_code else note.text)
    if not credit_note:
        opt(root, "cbc:TaxPointDate", iso(invoice.tax_point_date))
    sub(root, "cbc:DocumentCurrencyCode", currency)
    opt(root, "cbc:TaxCurrencyCode", invoice.tax_currency)
    opt(root, "cbc:AccountingCost", invoice.buyer_accounting_reference)
    opt(root, "cbc:BuyerReference", invoice.buyer_reference)
    _w_period(root, invoice.invoicing_period, invoice.tax_point_date_code)
    if invoice.purchase_order_reference is not None or invoice.sales_order_reference is not None:
        order = sub(root, "cac:OrderReference")
        order_id = invoice.purchase_order_reference
        sub(order, "cbc:ID", order_id if order_id is not None else ORDER_PLACEHOLDER)
        opt(order, "cbc:SalesOrderID", invoice.sales_order_reference)
    for preceding in invoice.preceding_invoices:
        ref = sub(sub(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        sub(ref, "cbc:ID", preceding.reference)
        opt(ref, "cbc:IssueDate", iso(preceding.issue_date))
    if invoice.despatch_advice_reference is not None:
        sub(sub(root, "cac:DespatchDocumentReference"), "cbc:ID", invoice.despatch_advice_reference)
    if invoice.receiving_advice_reference is not None:
        sub(sub(root, "cac:ReceiptDocumentReference"), "cbc:ID", invoice.receiving_advice_reference)

    def originator() -> None:
        if invoice.tender_reference is not None:
            sub(sub(root, "cac:OriginatorDocumentReference"), "cbc:ID", invoice.tender_reference)

    def contract() -> None:
        if invoice.contract_reference is not None:
            sub(sub(root, "cac:ContractDocumentReference"), "cbc:ID", invoice.contract_reference)

    def additional() -> None:
        if invoice.invoiced_object is not None:
            ref = sub(root, "cac:AdditionalDocumentReference")
            _w_ident(ref, "cbc:ID", invoice.invoiced_object)
            sub(ref, "cbc:DocumentTypeCode", INVOICED_OBJECT_CODE)
        if credit_note and invoice.project_reference is not None:
            ref = sub(root, "cac:AdditionalDocumentReference")
            sub(ref, "cbc:ID", invoice.project_reference)
            sub(ref, "cbc:DocumentTypeCode", PROJECT_CODE)
        for doc in invoice.supporting_documents:
            _w_document_reference(root, doc)

    if credit_note:  # the two document types order these references differently
        contract()
        additional()
        originator()
    else:
        originator()
        contract()
        additional()
        if invoice.project_reference is not None:
            sub(sub(root, "cac:ProjectReference"), "cbc:ID", invoice.project_reference)
    debit = invoice.payment.direct_debit if invoice.payment is not None else None
    creditor_id = debit.creditor_id if debit is not None else None
    _w_seller(root, invoice, creditor_id if invoice.payee is None else None)
    _w_buyer(root, invoice.buyer)
    _w_payee(root, invoice.payee, creditor_id)
    _w_tax_representative(root, invoice.tax_representative)
    _w_delivery(root, invoice.delivery)
    _w_payment_means(root, invoice)
    if invoice.payment_terms is not None:
        sub(sub(root, "cac:PaymentTerms"), "cbc:Note", invoice.payment_terms)
    for allowance in invoice.allowances:
        _w_allowance_charge(root, False, allowance, currency)
    for charge in invoice.charges:
        _w_allowance_charge(root, True, charge, currency)
    _w_tax_totals(root, invoice)
    _w_legal_total(root, invoice.totals, currency)
    for line in invoice.lines:
        _w_line(root, line, credit_note, currency)
    return serialize(root)
