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
    """Sample incoming documents, generated (no third-party files shipped)."""
    return [("Rechnung-2026-0815.pdf", sample_invoice_pdf())]


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
    c.setFont("Helvetica", 9)
    c.drawString(50, h - 75, "Hauptstraße 12 · 10115 Berlin · USt-IdNr. DE123456788")
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
    c.drawString(50, y - 83, "IBAN DE02 1203 0000 0000 2020 51 · BIC BYLADEM1001")
    c.showPage()
    c.save()
    return buf.getvalue()
