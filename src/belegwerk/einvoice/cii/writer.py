"""Writing :class:`InvoiceData` as a CII D16B CrossIndustryInvoice, following the EN 16931 CII binding.

Elements come in the order of the D16B schema (and of the Factur-X schemas, which share it).
"""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

from lxml import etree

from belegwerk.domain.invoice import (
    Address,
    Buyer,
    Contact,
    CreditTransfer,
    DocumentAllowanceCharge,
    Identifier,
    InvoiceData,
    InvoiceLine,
    Item,
    LineAllowanceCharge,
    PaymentInstructions,
    Period,
    Seller,
    TaxRepresentative,
)
from belegwerk.einvoice._xml import (
    compact,
    dec,
    opt,
    root_element,
    serialize,
    sub,
)
from belegwerk.einvoice.cii.reader import (
    _IBAN,
    FISCAL_SCHEME,
    INVOICED_OBJECT,
    ROOT_TAG,
    SUPPORTING_DOCUMENT,
    TENDER,
    VAT_SCHEME,
)
from belegwerk.xml.ns import CII_QDT, CII_RAM, CII_RSM, CII_UDT


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
