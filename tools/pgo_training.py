"""The training run for the profile-guided build of the rule packs (see ``build_native_rules.py``).

    python tools/pgo_training.py [--count N] [--rounds N]

Run once against the instrumented build: it validates a fixed, generated set of e-invoices, and
the compiler records which branches and calls are hot. The final build then lays the hot code out
together and optimises it for speed, the rest for size. Nothing here influences a verdict — the
profile only steers the compiler's choices; the compiled and the source packs are compared finding
for finding on the whole corpus by the test suite.

The documents come from Belegwerk's own writers, never from the reference corpus, so the build is
the same on every machine and is not tuned to the files the benchmark measures: invoices with one
to forty lines, several VAT categories, allowances, charges and payment means, every other one
with most optional business terms filled in (notes, references, party identifiers, payee, tax
representative, delivery, periods, attachments, line and item details), as UBL Invoice,
UBL CreditNote and CII, for plain EN 16931, XRechnung and Peppol BIS; and the same documents with
seeded damage (an element removed, emptied, doubled or given a wrong value), so the profile also
covers the paths that report findings.
"""

from __future__ import annotations

import argparse
import copy
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal

from lxml import etree

from belegwerk.demo import sample_einvoice
from belegwerk.domain import invoice as bt
from belegwerk.einvoice.cii import write_cii
from belegwerk.einvoice.ubl import write_ubl
from belegwerk.rules.validate import validate_bytes
from belegwerk.xml.safe import parse_xml

SPECIFICATIONS = (
    "urn:cen.eu:en16931:2017",
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
)
#: (category, rate, exemption reason) — the VAT categories the packs treat differently.
CATEGORIES: tuple[tuple[str, Decimal | None, str | None], ...] = (
    ("S", Decimal("19"), None),
    ("S", Decimal("7"), None),
    ("Z", Decimal("0"), None),
    ("E", Decimal("0"), "Steuerfrei nach § 4 Nr. 11 UStG"),
    ("AE", Decimal("0"), "Steuerschuldnerschaft des Leistungsempfängers"),
    ("K", Decimal("0"), "Innergemeinschaftliche Lieferung"),
    ("G", Decimal("0"), "Ausfuhrlieferung"),
)
CENT = Decimal("0.01")

#: An attachment long enough (4 KB of base64) for the XSD step to lend its value a short one
#: (``scan.with_short_binaries``), so that the training runs that path too.
_TRAINING_PDF = b"%PDF-1.4 training\n" + bytes(range(256)) * 12


def invoice(rng: random.Random, number: int) -> bt.InvoiceData:
    """A consistent invoice: lines in one or two VAT categories, totals and breakdown that add up."""
    base = sample_einvoice(f"TR-{number:04d}")
    categories = rng.sample(CATEGORIES[:2], 1) if rng.random() < 0.6 else rng.sample(CATEGORIES, 2)
    lines: list[bt.InvoiceLine] = []
    for i in range(rng.choice((1, 2, 3, 5, 8, 13, 40))):
        category, rate, _ = categories[i % len(categories)]
        quantity = Decimal(rng.randint(1, 50))
        price = Decimal(rng.randint(100, 99_999)) * CENT
        lines.append(
            bt.InvoiceLine(
                id=str(i + 1),
                quantity=quantity,
                unit_code=rng.choice(("C62", "H87", "HUR", "KGM")),
                net_amount=(quantity * price).quantize(CENT),
                price=bt.PriceDetails(net_price=price),
                vat=bt.LineVat(category=category, rate=rate),
                item=bt.Item(name=f"Artikel {i + 1}", seller_id=f"A-{rng.randint(1000, 9999)}"),
            )
        )
    allowance = charge = Decimal("0")
    allowances: list[bt.DocumentAllowanceCharge] = []
    charges: list[bt.DocumentAllowanceCharge] = []
    first_category, first_rate, _ = categories[0]
    if rng.random() < 0.3:
        allowance = Decimal("5.00")
        allowances.append(
            bt.DocumentAllowanceCharge(
                amount=allowance, vat_category=first_category, vat_rate=first_rate, reason="Rabatt", reason_code="95"
            )
        )
    if rng.random() < 0.3:
        charge = Decimal("7.50")
        charges.append(
            bt.DocumentAllowanceCharge(
                amount=charge, vat_category=first_category, vat_rate=first_rate, reason="Fracht", reason_code="FC"
            )
        )
    breakdown: list[bt.VatBreakdown] = []
    for category, rate, reason in categories:
        taxable = sum(
            (line.net_amount or Decimal("0") for line in lines if line.vat.category == category), Decimal("0")
        )
        if category == first_category:
            taxable += charge - allowance
        tax = (taxable * (rate or Decimal("0")) / 100).quantize(CENT)
        breakdown.append(
            bt.VatBreakdown(
                taxable_amount=taxable, tax_amount=tax, category=category, rate=rate, exemption_reason=reason
            )
        )
    line_total = sum((line.net_amount or Decimal("0") for line in lines), Decimal("0"))
    exclusive = line_total - allowance + charge
    vat = sum((b.tax_amount or Decimal("0") for b in breakdown), Decimal("0"))
    totals = replace(
        base.totals,
        line_net_total=line_total,
        allowance_total=allowance if allowances else None,
        charge_total=charge if charges else None,
        tax_exclusive=exclusive,
        vat_total=vat,
        tax_inclusive=exclusive + vat,
        payable=exclusive + vat,
    )
    payment = base.payment
    kind = rng.random()
    if kind < 0.15:
        payment = bt.PaymentInstructions(
            means_code="59", direct_debit=bt.DirectDebit("M-1", "DE98ZZZ09999999999", "DE02120300000000202051")
        )
    elif kind < 0.25:
        payment = bt.PaymentInstructions(means_code="48", card=bt.PaymentCard("1234", "Sabine Schmidt"))
    return replace(
        base,
        type_code=rng.choice(("380", "380", "381", "384", "326")),
        process=replace(base.process, specification_id=rng.choice(SPECIFICATIONS)),
        lines=lines,
        allowances=allowances,
        charges=charges,
        vat_breakdown=breakdown,
        totals=totals,
        payment=payment,
    )


def enriched(model: bt.InvoiceData, rng: random.Random) -> bt.InvoiceData:
    """``model`` with the optional business terms real invoices often carry: notes, references,
    party identifiers and contacts, payee, tax representative, delivery, periods, attachments,
    and per line notes, references, periods, allowances, prices and item details. Amounts stay
    as they are, so a consistent invoice stays consistent."""
    period = bt.Period(start=date(2026, 10, 1), end=date(2026, 10, 31))
    address = bt.Address(line1="Lagerstraße 5", city="Hamburg", post_code="20095", country_code="DE")
    lines = [
        replace(
            line,
            note=f"Position {line.id}",
            object_identifier=bt.Identifier(f"OBJ-{line.id}", "AAA"),
            order_line_reference=line.id,
            accounting_reference=f"4711-{line.id}",
            period=period,
            allowances=[bt.LineAllowanceCharge(amount=Decimal("0.00"), reason="Rabatt", reason_code="95")],
            price=replace(
                line.price,
                discount=Decimal("0.00"),
                gross_price=line.price.net_price,
                base_quantity=Decimal("1"),
                base_quantity_unit=line.unit_code,
            ),
            item=replace(
                line.item,
                description="Beschreibung",
                buyer_id=f"K-{line.id}",
                standard_id=bt.Identifier(f"0{rng.randint(10**12, 10**13 - 1)}", "0160"),
                classifications=[bt.Identifier("43211503", "STI")],
                origin_country="DE",
                attributes=[bt.ItemAttribute("Farbe", "blau")],
            ),
        )
        for line in model.lines
    ]
    return replace(
        model,
        tax_point_date=None,
        project_reference="PRJ-7",
        contract_reference="V-2026-1",
        sales_order_reference="SO-9",
        receiving_advice_reference="WE-3",
        despatch_advice_reference="LS-5",
        tender_reference="LOS-1",
        invoiced_object=bt.Identifier("ZAEHLER-1", "AAA"),
        buyer_accounting_reference="KST-100",
        notes=[bt.Note("Vielen Dank für Ihren Auftrag.", "AAI"), bt.Note("Lieferung frei Haus.")],
        preceding_invoices=[bt.PrecedingInvoice("RE-2026-0999", date(2026, 9, 30))],
        seller=replace(
            model.seller,
            trading_name="Schmidt Büro",
            identifiers=[bt.Identifier("4000001000005", "0088")],
            legal_registration=bt.Identifier("HRB 12345", None),
            tax_registration_id="30/123/45678",
            additional_legal_info="Geschäftsführerin: Sabine Schmidt",
        ),
        buyer=replace(
            model.buyer,
            trading_name="Muster",
            identifier=bt.Identifier("4000001000012", "0088"),
            legal_registration=bt.Identifier("HRB 54321", None),
            vat_id="DE987654320",
            contact=bt.Contact(name="Einkauf", telephone="+49 69 7654321", email="einkauf@muster-gmbh.example"),
        ),
        payee=bt.Payee(name="Factoring AG", identifier=bt.Identifier("4000001000036", "0088")),
        tax_representative=bt.TaxRepresentative(name="Steuer GmbH", vat_id="DE111111125", address=address),
        delivery=bt.Delivery(
            party_name="Lager Hamburg",
            location=bt.Identifier("4000001000029", "0088"),
            actual_date=date(2026, 10, 30),
            address=address,
        ),
        invoicing_period=period,
        supporting_documents=[
            bt.SupportingDocument(
                "LS-5", "Lieferschein", attachment=bt.BinaryObject(_TRAINING_PDF, "application/pdf", "ls.pdf")
            ),
            bt.SupportingDocument("ZEIT-1", "Zeitnachweis", external_uri="https://example.invalid/zeit.pdf"),
        ],
        lines=lines,
    )


def damaged(data: bytes, rng: random.Random) -> bytes:
    """``data`` with one to three seeded faults: an element removed, emptied, doubled or its value replaced."""
    root = parse_xml(data)
    elements = [el for el in root.iter(etree.Element) if el is not root]
    for _ in range(rng.randint(1, 3)):
        el = rng.choice(elements)
        parent = el.getparent()
        action = rng.randrange(4)
        if action == 0 and parent is not None:
            parent.remove(el)
            elements = [e for e in root.iter(etree.Element) if e is not root]
        elif action == 1:
            el.text = ""
        elif action == 2 and parent is not None:
            parent.insert(parent.index(el), copy.deepcopy(el))
        elif len(el) == 0:
            el.text = rng.choice(("XX", "-1", "2026-13-45", "0.001", "ZZZ", "1e3"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def documents(count: int, seed: int = 20261206) -> Iterator[bytes]:
    """``count`` invoices, each as UBL and CII, intact and damaged."""
    rng = random.Random(seed)
    for number in range(count):
        model = invoice(rng, number)
        if number % 2:
            model = enriched(model, rng)
        for data in (write_ubl(model), write_cii(model)):
            yield data
            yield damaged(data, rng)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=60, help="invoices to generate (each gives four documents)")
    parser.add_argument("--rounds", type=int, default=3, help="validations of each document")
    args = parser.parse_args()
    training_set = list(documents(args.count))
    invalid = 0
    for _ in range(args.rounds):
        for data in training_set:
            report = validate_bytes(data)
            invalid += not report.valid
    print(f"trained on {len(training_set)} documents x {args.rounds} ({invalid // args.rounds} invalid)")


if __name__ == "__main__":
    main()
