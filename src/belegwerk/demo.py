"""The demo company "Muster GmbH": users for each role and sample documents.

Used by ``belegwerk demo`` so a fresh machine shows a working system within a minute.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from belegwerk import tenancy
from belegwerk.archive.blobstore import BlobStore
from belegwerk.db.models import Company, Role
from belegwerk.domain.invoice import (
    Address,
    Buyer,
    Contact,
    CreditTransfer,
    Delivery,
    DocumentTotals,
    Identifier,
    InvoiceData,
    InvoiceLine,
    Item,
    LineVat,
    PaymentInstructions,
    PriceDetails,
    ProcessControl,
    Seller,
    VatBreakdown,
)
from belegwerk.intake.receive import receive

DEMO_COMPANY = "MUSTER"
DEMO_COMPANY_NAME = "Muster GmbH"
DEMO_USERS: list[tuple[str, str, Role, bool]] = [
    ("admin", "Anna Admin", Role.ADMIN, True),
    ("clerk", "Klaus Kreditor (AP clerk)", Role.POWER_USER, False),
    ("approver", "Petra Prüfer (approver)", Role.APPROVER, False),
    ("auditor", "Bernd Betriebsprüfer (auditor)", Role.AUDITOR, False),
]


@dataclass(frozen=True)
class DemoCredentials:
    username: str
    role: Role
    password: str


def demo_exists(session: Session) -> bool:
    return session.get(Company, DEMO_COMPANY) is not None


def seed(session: Session, store: BlobStore) -> list[DemoCredentials]:
    """Create the demo company, one user per role (random passwords, returned once) and samples."""
    tenancy.create_company(session, DEMO_COMPANY, DEMO_COMPANY_NAME, actor="demo")
    creds: list[DemoCredentials] = []
    for username, name, role, sysadmin in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        user = tenancy.create_user(session, username, password, actor="demo", display_name=name, system_admin=sysadmin)
        tenancy.grant(session, user, DEMO_COMPANY, role, actor="demo")
        creds.append(DemoCredentials(username, role, password))
    for filename, data in sample_documents():
        receive(session, store, company_id=DEMO_COMPANY, filename=filename, data=data, source="demo", actor="demo")
    return creds


def sample_documents() -> list[tuple[str, bytes]]:
    """Sample incoming documents, generated (no third-party files shipped): a plain PDF invoice for
    capture, a valid XRechnung (UBL), a ZUGFeRD/Factur-X PDF, and an XRechnung (CII) whose total is
    wrong so the inbox shows a rejected e-invoice too."""
    from belegwerk.einvoice.cii import write_cii
    from belegwerk.einvoice.facturx import build_facturx
    from belegwerk.einvoice.ubl import write_ubl

    good = sample_einvoice("RE-2026-1001")
    broken = sample_einvoice("RE-2026-1002")
    broken.totals.tax_inclusive = Decimal("999.99")
    broken.totals.payable = Decimal("999.99")
    hybrid = sample_einvoice("RE-2026-1003")
    hybrid.process.specification_id = "urn:cen.eu:en16931:2017"
    return [
        ("Rechnung-2026-0815.pdf", sample_invoice_pdf()),
        ("XRechnung-RE-2026-1001.xml", write_ubl(good)),
        ("ZUGFeRD-RE-2026-1003.pdf", build_facturx(sample_invoice_pdf(), hybrid)),
        ("XRechnung-RE-2026-1002-cii.xml", write_cii(broken)),
    ]


def sample_einvoice(number: str) -> InvoiceData:
    """A complete XRechnung 3.0 for the demo: one office-supplies line at 19 % VAT."""
    net = Decimal("250.00")
    vat = Decimal("47.50")
    seller_address = Address(line1="Hauptstraße 12", city="Berlin", post_code="10115", country_code="DE")
    buyer_address = Address(line1="Musterweg 1", city="Frankfurt am Main", post_code="60311", country_code="DE")
    return InvoiceData(
        number=number,
        issue_date=date(2026, 11, 2),
        type_code="380",
        currency="EUR",
        due_date=date(2026, 12, 2),
        buyer_reference="04011000-12345-03",
        purchase_order_reference="PO-4711",
        payment_terms="Zahlbar innerhalb von 30 Tagen ohne Abzug.",
        process=ProcessControl(
            specification_id="urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
            business_process="urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
        ),
        seller=Seller(
            name="Bürobedarf Schmidt GmbH",
            vat_id="DE123456788",
            electronic_address=Identifier("rechnung@buerobedarf-schmidt.example", "EM"),
            address=seller_address,
            contact=Contact(
                name="Sabine Schmidt", telephone="+49 30 1234567", email="buchhaltung@buerobedarf-schmidt.example"
            ),
        ),
        buyer=Buyer(
            name=DEMO_COMPANY_NAME,
            electronic_address=Identifier("eingangsrechnung@muster-gmbh.example", "EM"),
            address=buyer_address,
        ),
        delivery=Delivery(actual_date=date(2026, 10, 30)),
        payment=PaymentInstructions(
            means_code="58",
            credit_transfers=[CreditTransfer(account_id="DE02120300000000202051", service_provider_id="BYLADEM1001")],
        ),
        totals=DocumentTotals(
            line_net_total=net, tax_exclusive=net, vat_total=vat, tax_inclusive=net + vat, payable=net + vat
        ),
        vat_breakdown=[VatBreakdown(taxable_amount=net, tax_amount=vat, category="S", rate=Decimal("19"))],
        lines=[
            InvoiceLine(
                id="1",
                quantity=Decimal("10"),
                unit_code="C62",
                net_amount=net,
                price=PriceDetails(net_price=Decimal("25.00")),
                vat=LineVat(category="S", rate=Decimal("19")),
                item=Item(name="Kopierpapier A4, 80 g, Karton"),
            )
        ],
    )


def sample_invoice_pdf() -> bytes:
    """A simple German supplier invoice as a text PDF."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    _w, h = A4
    c.setTitle("Rechnung 2026-0815")
    c.setFont("Helvetica-Bold", 14)
    c.drawString(50, h - 60, "Bürobedarf Schmidt GmbH")
    c.setFont("Helvetica", 8)
    c.drawString(50, h - 100, "Bürobedarf Schmidt GmbH · Hauptstraße 12 · 10115 Berlin")
    c.setFont("Helvetica", 10)
    y = h - 130
    for line in ("Muster GmbH", "Kreditorenbuchhaltung", "Musterweg 1", "60311 Frankfurt am Main"):
        c.drawString(50, y, line)
        y -= 13
    c.setFont("Helvetica-Bold", 12)
    c.drawString(50, h - 230, "Rechnung")
    c.setFont("Helvetica", 10)
    issued = date(2026, 11, 2)
    c.drawString(50, h - 250, "Rechnungsnummer: 2026-0815")
    c.drawString(50, h - 263, f"Rechnungsdatum: {issued:%d.%m.%Y}")
    c.drawString(50, h - 276, "Bestellnummer: PO-4711")
    net = Decimal("250.00")
    vat = (net * Decimal("0.19")).quantize(Decimal("0.01"))
    rows = [("1", "Kopierpapier A4, 80 g, Karton", "10", "25,00", "250,00")]
    y = h - 320
    c.drawString(50, y, "Pos.   Bezeichnung                                   Menge   Einzelpreis   Gesamt EUR")
    for pos, text, qty, price, total in rows:
        y -= 15
        c.drawString(50, y, f"{pos}      {text:<40} {qty:>6}   {price:>10}   {total:>10}")
    y -= 30
    c.drawString(330, y, f"Nettobetrag:          {net:>10} EUR".replace(".", ","))
    c.drawString(330, y - 13, f"USt 19 %:             {vat:>10} EUR".replace(".", ","))
    c.drawString(330, y - 26, f"Rechnungsbetrag:      {net + vat:>10} EUR".replace(".", ","))
    c.drawString(50, y - 70, "Zahlbar innerhalb von 30 Tagen ohne Abzug.")
    c.setFont("Helvetica", 8)
    c.drawString(50, 60, "Bürobedarf Schmidt GmbH · Geschäftsführerin: Sabine Schmidt · Amtsgericht Charlottenburg HRB 12345")
    c.drawString(50, 48, "USt-IdNr. DE123456788 · IBAN DE02 1203 0000 0000 2020 51 · BIC BYLADEM1001")
    c.showPage()
    c.save()
    return buf.getvalue()
