"""Hypothesis strategies for valid-ish :class:`InvoiceData` that both syntaxes can carry.

"Valid-ish" means: structurally what EN 16931 allows, not necessarily arithmetically correct.
The few constraints below mirror real limits of the syntax bindings, each noted where applied:
texts are trimmed (readers trim), optional groups are never empty (an empty group has no
representation), schemes of party identifiers come after unschemed ones (CII schema order).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

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

_FIRST = "A-Za-z0-9ÄÖÜäöüß€&<>'\"(["
_INNER = _FIRST + " .,:;/_+-]"
#: Non-empty, trimmed text with XML-special characters, never starting with "#" (UBL note codes).
texts = st.from_regex(rf"[{_FIRST}]([{_INNER}]{{0,24}}[{_FIRST}])?", fullmatch=True)
codes = st.from_regex(r"[A-Z0-9]{1,4}", fullmatch=True)
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))
amounts = st.builds(
    lambda units, places: Decimal(units).scaleb(-places),
    st.integers(min_value=-10_000_000, max_value=10_000_000),
    st.integers(min_value=0, max_value=4),
)
percentages = st.sampled_from([Decimal("0"), Decimal("7"), Decimal("19"), Decimal("19.00"), Decimal("5.5")])
countries = st.sampled_from(["DE", "AT", "FR", "NL", "SE", "IT"])
currencies = st.sampled_from(["EUR", "USD", "SEK", "GBP"])
schemes = st.sampled_from(["0088", "0060", "0204", "9930", "EM"])
vat_categories = st.sampled_from(["S", "Z", "E", "AE", "K", "G", "O", "L", "M"])


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:  # type: ignore[type-arg]
    return st.none() | strategy


identifiers = st.builds(Identifier, texts, optional(schemes))
addresses = st.builds(
    Address,
    line1=optional(texts),
    line2=optional(texts),
    line3=optional(texts),
    city=optional(texts),
    post_code=optional(codes),
    subdivision=optional(texts),
    country_code=countries,
)
contacts = st.builds(Contact, name=texts, telephone=optional(codes), email=optional(texts))  # never an empty group
periods = st.one_of(
    st.builds(Period, start=dates, end=optional(dates)),
    st.builds(Period, start=st.none(), end=dates),
)


@st.composite
def party_identifiers(draw: st.DrawFn) -> list[Identifier]:
    plain = draw(st.lists(st.builds(Identifier, texts), max_size=2))
    schemed = draw(st.lists(st.builds(Identifier, texts, schemes), max_size=2))
    return plain + schemed  # CII writes unschemed ids (ram:ID) before schemed ones (ram:GlobalID)


sellers = st.builds(
    Seller,
    name=texts,
    trading_name=optional(texts),
    identifiers=party_identifiers(),
    legal_registration=optional(identifiers),
    vat_id=optional(texts),
    tax_registration_id=optional(texts),
    additional_legal_info=optional(texts),
    electronic_address=optional(st.builds(Identifier, texts, schemes)),
    address=addresses,
    contact=optional(contacts),
)
buyers = st.builds(
    Buyer,
    name=texts,
    trading_name=optional(texts),
    identifier=optional(identifiers),
    legal_registration=optional(identifiers),
    vat_id=optional(texts),
    electronic_address=optional(st.builds(Identifier, texts, schemes)),
    address=addresses,
    contact=optional(contacts),
)
payees = st.builds(Payee, name=texts, identifier=optional(identifiers), legal_registration=optional(identifiers))
tax_representatives = st.builds(TaxRepresentative, name=texts, vat_id=texts, address=addresses)
deliveries = st.builds(
    Delivery,
    party_name=optional(texts),
    location=optional(identifiers),
    actual_date=dates,  # never an empty group
    address=optional(addresses),
)
payments = st.builds(
    PaymentInstructions,
    means_code=st.sampled_from(["30", "31", "42", "48", "49", "58", "59", "1"]),
    means_text=optional(texts),
    remittance_information=optional(texts),
    credit_transfers=st.lists(
        st.builds(
            CreditTransfer,
            account_id=st.sampled_from(["DE02120300000000202051", "12345678", "SE4550000000058398257466"]),
            account_name=optional(texts),
            service_provider_id=optional(st.sampled_from(["BYLADEM1001", "ESSESESS"])),
        ),
        max_size=2,
    ),
    card=optional(st.builds(PaymentCard, primary_account_number=codes, holder_name=optional(texts))),
    direct_debit=optional(
        st.builds(DirectDebit, mandate_reference=texts, creditor_id=optional(texts), debited_account_id=optional(codes))
    ),
)
document_allowances = st.builds(
    DocumentAllowanceCharge,
    amount=amounts,
    base_amount=optional(amounts),
    percentage=optional(percentages),
    vat_category=vat_categories,
    vat_rate=optional(percentages),
    reason=optional(texts),
    reason_code=optional(codes),
)
line_allowances = st.builds(
    LineAllowanceCharge,
    amount=amounts,
    base_amount=optional(amounts),
    percentage=optional(percentages),
    reason=optional(texts),
    reason_code=optional(codes),
)
attachments = st.builds(
    BinaryObject,
    content=st.binary(min_size=0, max_size=64),
    mime_code=st.sampled_from(["application/pdf", "image/png", "text/csv"]),
    filename=texts,
)
supporting_documents = st.builds(
    SupportingDocument,
    reference=texts,
    description=optional(texts),
    external_uri=optional(st.just("https://example.org/doc.pdf")),
    attachment=optional(attachments),
)
items = st.builds(
    Item,
    name=texts,
    description=optional(texts),
    seller_id=optional(texts),
    buyer_id=optional(texts),
    standard_id=optional(st.builds(Identifier, texts, schemes)),
    classifications=st.lists(
        st.builds(Identifier, texts, st.sampled_from(["STI", "IB", "CV"]), optional(st.just("1.0"))), max_size=2
    ),
    origin_country=optional(countries),
    attributes=st.lists(st.builds(ItemAttribute, texts, texts), max_size=2),
)


@st.composite
def prices(draw: st.DrawFn) -> PriceDetails:
    """Price details as the bindings can carry them: UBL needs a discount amount next to a gross
    price and CII a gross price next to a discount; a base-quantity unit needs a base quantity."""
    gross = draw(optional(amounts))
    base_quantity = draw(optional(amounts))
    return PriceDetails(
        net_price=draw(amounts),
        discount=draw(amounts) if gross is not None else None,
        gross_price=gross,
        base_quantity=base_quantity,
        base_quantity_unit=draw(optional(st.just("C62"))) if base_quantity is not None else None,
    )


plain_lines = st.builds(
    InvoiceLine,
    id=codes,
    note=optional(texts),
    object_identifier=optional(identifiers),
    quantity=amounts,
    unit_code=st.sampled_from(["C62", "H87", "HUR", "KGM", "XPP"]),
    net_amount=amounts,
    order_line_reference=optional(codes),
    accounting_reference=optional(texts),
    period=optional(periods),
    allowances=st.lists(line_allowances, max_size=2),
    charges=st.lists(line_allowances, max_size=2),
    price=prices(),
    vat=st.builds(LineVat, category=vat_categories, rate=optional(percentages)),
    item=items,
)


@st.composite
def lines(draw: st.DrawFn) -> InvoiceLine:
    """A line, sometimes with XRechnung-Extension sub-lines (ids "<parent>.<n>", unique below it)."""
    line = draw(plain_lines)
    children = draw(st.lists(plain_lines, max_size=2)) if draw(st.integers(0, 4)) == 0 else []
    for number, child in enumerate(children, start=1):
        child.id = f"{line.id}.{number}"
    line.sub_lines = children
    return line


vat_breakdowns = st.builds(
    VatBreakdown,
    taxable_amount=amounts,
    tax_amount=amounts,
    category=vat_categories,
    rate=optional(percentages),
    exemption_reason=optional(texts),
    exemption_reason_code=optional(st.sampled_from(["VATEX-EU-AE", "VATEX-EU-IC", "VATEX-EU-O"])),
)
totals = st.builds(
    DocumentTotals,
    line_net_total=amounts,
    allowance_total=optional(amounts),
    charge_total=optional(amounts),
    tax_exclusive=amounts,
    vat_total=amounts,  # UBL needs cbc:TaxAmount wherever there is a VAT breakdown
    tax_inclusive=amounts,
    prepaid=optional(amounts),
    rounding=optional(amounts),
    payable=amounts,
)


@st.composite
def invoices(draw: st.DrawFn) -> InvoiceData:
    """An invoice or credit note with any mix of optional terms and groups."""
    currency = draw(currencies)
    tax_currency = draw(optional(currencies.filter(lambda c: c != currency)))
    document_totals = draw(totals)
    if tax_currency is not None:
        document_totals.vat_total_accounting = draw(optional(amounts))
    type_code = draw(st.sampled_from(["380", "381", "384", "389", "326", "875"]))
    payment = draw(optional(payments))
    # UBL CreditNote carries the due date inside PaymentMeans, so it needs payment instructions.
    due_date = draw(optional(dates)) if payment is not None or type_code != "381" else None
    return InvoiceData(
        number=draw(texts),
        issue_date=draw(dates),
        type_code=type_code,
        currency=currency,
        tax_currency=tax_currency,
        tax_point_date=draw(optional(dates)),
        tax_point_date_code=draw(optional(st.sampled_from(["3", "35", "432"]))),
        due_date=due_date,
        buyer_reference=draw(optional(texts)),
        project_reference=draw(optional(texts)),
        contract_reference=draw(optional(texts)),
        purchase_order_reference=draw(optional(texts)),
        sales_order_reference=draw(optional(texts)),
        receiving_advice_reference=draw(optional(texts)),
        despatch_advice_reference=draw(optional(texts)),
        tender_reference=draw(optional(texts)),
        invoiced_object=draw(optional(identifiers)),
        buyer_accounting_reference=draw(optional(texts)),
        payment_terms=draw(optional(texts)),
        notes=draw(
            st.lists(st.builds(Note, texts, optional(st.sampled_from(["AAI", "ADU", "SUR", "REG"]))), max_size=3)
        ),
        process=ProcessControl(
            specification_id=draw(
                st.sampled_from(
                    [
                        "urn:cen.eu:en16931:2017",
                        "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
                        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
                    ]
                )
            ),
            business_process=draw(optional(st.just("urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"))),
        ),
        # CII D16B has room for one preceding invoice reference only
        preceding_invoices=draw(st.lists(st.builds(PrecedingInvoice, texts, optional(dates)), max_size=1)),
        seller=draw(sellers),
        buyer=draw(buyers),
        payee=draw(optional(payees)),
        tax_representative=draw(optional(tax_representatives)),
        delivery=draw(optional(deliveries)),
        invoicing_period=draw(optional(periods)),
        payment=payment,
        allowances=draw(st.lists(document_allowances, max_size=2)),
        charges=draw(st.lists(document_allowances, max_size=2)),
        totals=document_totals,
        # at least one entry: CII carries BT-7/BT-8 on the VAT breakdown
        vat_breakdown=draw(st.lists(vat_breakdowns, min_size=1, max_size=3)),
        supporting_documents=draw(st.lists(supporting_documents, max_size=2)),
        lines=draw(st.lists(lines(), min_size=1, max_size=3)),
    )
