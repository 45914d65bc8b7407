"""Realistic German (and some English) invoice PDFs with known truth, and scan-like images of them.

Used by the accuracy tests, the benchmark and the demo: every generated invoice comes with the values
printed on it, keyed like the extractor's output, so accuracy is measured rather than eyeballed. Layouts
differ the way real invoices do (DIN 5008 letter with window and footer, a modern header, a table-less
letter, a multi-page list, an English one), as do fonts, date and number styles. Scan variants are
rendered with pypdfium2 and degraded with Pillow (small rotation, noise, blur, grey paper).

All names, addresses and numbers are fictitious; VAT IDs and IBANs carry valid check digits so the
checksum cross-checks behave as they would on real documents.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from PIL import Image, ImageFilter
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from schwifty import IBAN
from stdnum.iso7064 import mod_11_10

CENT = Decimal("0.01")

SELLERS = [
    ("Müller Bürotechnik GmbH", "Hauptstraße 12", "70173", "Stuttgart", "37040044", "HRB 71234"),
    ("Schneider & Söhne KG", "Industriestraße 4a", "50667", "Köln", "37050198", "HRA 2231"),
    ("Nordlicht Software AG", "Am Sandtorkai 27", "20457", "Hamburg", "20050550", "HRB 99812"),
    ("Bäckerei Hoffmann e.K.", "Marktplatz 3", "93047", "Regensburg", "75050000", "HRA 5120"),
    ("Weber Elektroinstallation GmbH & Co. KG", "Gewerbering 18", "04109", "Leipzig", "86055592", "HRA 1734"),
    ("Fischer Logistik GmbH", "Hafenstraße 101", "28195", "Bremen", "29050101", "HRB 30211"),
    ("Grünwerk Gartenbau UG (haftungsbeschränkt)", "Lindenallee 9", "80331", "München", "70150000", "HRB 255713"),
    ("Becker Druck und Medien GmbH", "Druckereiweg 2", "90402", "Nürnberg", "76050101", "HRB 41722"),
]
BUYERS = [
    ("Belegwerk Demo GmbH", "Z. Hd. Buchhaltung", "Kreditorenweg 1", "10115", "Berlin"),
    ("Stadtwerke Musterstadt GmbH", "Einkauf", "Versorgungsstraße 8", "34117", "Kassel"),
    ("Klinikum Beispielhausen gGmbH", "Rechnungseingang", "Gesundheitsplatz 5", "01067", "Dresden"),
    ("Hansen Maschinenbau AG", "Abteilung Finanzen", "Werkstraße 44", "24103", "Kiel"),
]
ITEMS = [
    ("Kopierpapier A4, 80 g/m², 500 Blatt", "Pck", Decimal("4.89"), 19),
    ("Toner schwarz für LaserJet M404", "Stk", Decimal("89.90"), 19),
    ("Wartung Multifunktionsgerät (Pauschale)", "Pausch", Decimal("145.00"), 19),
    ("Montagearbeiten Elektro", "Std", Decimal("68.50"), 19),
    ("Kabelkanal 40x60 mm, 2 m", "Stk", Decimal("7.35"), 19),
    ("Fachbuch Steuerrecht 2024", "Stk", Decimal("49.80"), 7),
    ("Brötchen-Catering für 20 Personen", "Pausch", Decimal("118.00"), 7),
    ("Softwarelizenz Jahresabo, Benutzer", "Lizenz", Decimal("240.00"), 19),
    ("Beratung und Konzeption", "Std", Decimal("125.00"), 19),
    ("Palettentransport Stuttgart–Köln", "Pal", Decimal("92.40"), 19),
    ("Zeitschrift Fachmagazin Jahresabo", "Abo", Decimal("86.00"), 7),
    ("Blumendekoration Empfang", "Stk", Decimal("35.50"), 7),
]
MONTHS_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember"]  # fmt: skip
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]  # fmt: skip
LAYOUTS = ("din", "modern", "letter", "multipage", "english")
FONTS = (("Helvetica", "Helvetica-Bold"), ("Times-Roman", "Times-Bold"), ("Courier", "Courier-Bold"))


@dataclass
class GeneratedInvoice:
    """A generated invoice: its PDF bytes and the truth printed on it (BT-keyed, Decimal/date values)."""

    name: str
    layout: str
    pdf: bytes
    truth: dict[str, Any]
    pages: int = 1
    lines: list[dict[str, Any]] = field(default_factory=list)


def _vat_id(rng: random.Random) -> str:
    body = str(rng.randint(10_000_000, 99_999_999))
    return "DE" + body + mod_11_10.calc_check_digit(body)


def _money_de(v: Decimal) -> str:
    s = f"{v:,.2f}"
    return s.replace(",", "X").replace(".", ",").replace("X", ".")


def _money_en(v: Decimal) -> str:
    return f"{v:,.2f}"


def _date_de(d: date, style: int) -> str:
    if style == 1:
        return f"{d.day}. {MONTHS_DE[d.month - 1]} {d.year}"
    return d.strftime("%d.%m.%Y")


def _date_en(d: date, style: int) -> str:
    if style == 1:
        return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"
    return d.isoformat()


@dataclass
class _Data:
    number: str
    issue: date
    delivery: date
    due: date
    order: str
    despatch: str
    customer: str
    seller: tuple[str, str, str, str, str, str]
    vat_id: str
    tax_number: str
    iban: str
    bic: str
    buyer: tuple[str, str, str, str, str]
    lines: list[dict[str, Any]]
    breakdown: dict[int, tuple[Decimal, Decimal]]
    net: Decimal
    vat: Decimal
    gross: Decimal
    skonto: tuple[Decimal, int] | None
    pay_days: int


def _data(rng: random.Random, n_lines: int) -> _Data:
    seller = rng.choice(SELLERS)
    buyer = rng.choice(BUYERS)
    account = str(rng.randint(10_000_000, 9_999_999_999))
    iban = IBAN.generate("DE", bank_code=seller[4], account_code=account)
    issue = date(2024, 1, 1) + timedelta(days=rng.randint(0, 600))
    lines: list[dict[str, Any]] = []
    for pos in range(1, n_lines + 1):
        name, unit, price, rate = rng.choice(ITEMS)
        qty = Decimal(rng.choice([1, 1, 2, 3, 5, 10, 12, 25]))
        amount = (qty * price).quantize(CENT, ROUND_HALF_UP)
        lines.append({"BT-126": str(pos), "BT-153": name, "BT-129": qty, "unit": unit, "BT-146": price,
                      "BT-131": amount, "rate": rate})  # fmt: skip
    breakdown: dict[int, tuple[Decimal, Decimal]] = {}
    rates: set[int] = {int(ln["rate"]) for ln in lines}
    for rate in sorted(rates, reverse=True):
        base: Decimal = sum((ln["BT-131"] for ln in lines if ln["rate"] == rate), Decimal(0))
        breakdown[rate] = (base, (base * rate / 100).quantize(CENT, ROUND_HALF_UP))
    net = sum((b for b, _ in breakdown.values()), Decimal(0))
    vat = sum((t for _, t in breakdown.values()), Decimal(0))
    pay_days = rng.choice([14, 30])
    return _Data(
        number=rng.choice(["RE-{y}-{n:05d}", "{y}{n:06d}", "R{n:07d}", "{y}/{n:04d}"]).format(
            y=issue.year, n=rng.randint(1, 99999)
        ),
        issue=issue,
        delivery=issue - timedelta(days=rng.randint(0, 10)),
        due=issue + timedelta(days=pay_days),
        order=f"BE-{rng.randint(100000, 999999)}",
        despatch=f"LS{rng.randint(1000000, 9999999)}",
        customer=str(rng.randint(10000, 99999)),
        seller=seller,
        vat_id=_vat_id(rng),
        tax_number=f"{rng.randint(10, 99)}/{rng.randint(100, 999)}/{rng.randint(10000, 99999)}",
        iban=str(iban),
        bic=str(iban.bic) if iban.bic else "COBADEFFXXX",
        buyer=buyer,
        lines=lines,
        breakdown=breakdown,
        net=net,
        vat=vat,
        gross=net + vat,
        skonto=(Decimal("2"), 10) if rng.random() < 0.5 else None,
        pay_days=pay_days,
    )


def _truth(d: _Data) -> dict[str, Any]:
    t: dict[str, Any] = {
        "BT-1": d.number,
        "BT-2": d.issue,
        "BT-5": "EUR",
        "BT-9": d.due,
        "BT-13": d.order,
        "BT-16": d.despatch,
        "BT-27": d.seller[0],
        "BT-31": d.vat_id,
        "BT-32": d.tax_number,
        "BT-44": d.buyer[0],
        "BT-72": d.delivery,
        "BT-84": d.iban,
        "BT-86": d.bic,
        "BT-109": d.net,
        "BT-110": d.vat,
        "BT-112": d.gross,
        "BT-115": d.gross,
        "BG-23": [{"BT-119": Decimal(r), "BT-116": b, "BT-117": v} for r, (b, v) in d.breakdown.items()],
        "BG-25": [{k: v for k, v in ln.items() if k.startswith("BT-")} for ln in d.lines],
    }
    return t


class _Writer:
    """A thin layer over a reportlab canvas with the layout's fonts and number style."""

    def __init__(self, fonts: tuple[str, str], english: bool) -> None:
        self.buf = io.BytesIO()
        self.c = Canvas(self.buf, pagesize=A4, invariant=True)
        self.c.setTitle("Rechnung" if not english else "Invoice")
        self.regular, self.bold = fonts
        self.english = english
        self.w, self.h = A4

    def text(
        self, x: float, y_from_top: float, s: str, size: float = 9, bold: bool = False, right: bool = False
    ) -> None:
        self.c.setFont(self.bold if bold else self.regular, size)
        y = self.h - y_from_top
        if right:
            self.c.drawRightString(x, y, s)
        else:
            self.c.drawString(x, y, s)

    def money(self, v: Decimal) -> str:
        return _money_en(v) if self.english else _money_de(v)

    def line(self, x0: float, y: float, x1: float) -> None:
        self.c.setLineWidth(0.5)
        self.c.line(x0, self.h - y, x1, self.h - y)

    def done(self) -> bytes:
        self.c.save()
        return self.buf.getvalue()


def _footer(w: _Writer, d: _Data) -> None:
    s = d.seller
    y = w.h - 22 * mm
    w.line(20 * mm, y - 10, w.w - 20 * mm)
    cols = [
        [s[0], s[1], f"{s[2]} {s[3]}"],
        [f"Amtsgericht {s[3]} {s[5]}", f"USt-IdNr.: {d.vat_id}", f"Steuernummer: {d.tax_number}"],
        ["Bankverbindung", f"IBAN: {_group_iban(d.iban)}", f"BIC: {d.bic}"],
    ]
    if w.english:
        cols[1] = [f"Register court {s[3]} {s[5]}", f"VAT ID: {d.vat_id}", f"Tax number: {d.tax_number}"]
        cols[2] = ["Bank details", f"IBAN: {_group_iban(d.iban)}", f"BIC: {d.bic}"]
    for i, col in enumerate(cols):
        for j, t in enumerate(col):
            w.text(20 * mm + i * 60 * mm, y + j * 9, t, size=7)


def _group_iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _table(w: _Writer, d: _Data, top: float, rows: list[dict[str, Any]], header: bool = True) -> float:
    x = [20 * mm, 32 * mm, 50 * mm, 150 * mm, 190 * mm]
    labels = (
        ["Pos.", "Menge", "Bezeichnung", "Einzelpreis", "Gesamtpreis"]
        if not w.english
        else ["Item", "Qty", "Description", "Unit price", "Amount"]
    )
    y = top
    if header:
        for i, lab in enumerate(labels):
            w.text(x[i], y, lab, bold=True, right=i >= 3)
        w.line(20 * mm, y + 4, 190 * mm)
        y += 16
    for ln in rows:
        qty = f"{ln['BT-129']} {ln['unit']}"
        w.text(x[0], y, ln["BT-126"])
        w.text(x[1], y, qty)
        w.text(x[2], y, ln["BT-153"])
        w.text(x[3], y, w.money(ln["BT-146"]), right=True)
        w.text(x[4], y, w.money(ln["BT-131"]), right=True)
        y += 14
    return y


def _totals(w: _Writer, d: _Data, y: float, labels: tuple[str, str, str]) -> float:
    xl, xr = 120 * mm, 190 * mm
    w.line(xl, y - 8, xr)
    w.text(xl, y, labels[0])
    w.text(xr, y, f"{w.money(d.net)} €" if not w.english else f"EUR {w.money(d.net)}", right=True)
    y += 13
    for rate, (_base, tax) in d.breakdown.items():
        lab = labels[1].format(rate=rate)
        w.text(xl, y, lab)
        w.text(xr, y, f"{w.money(tax)} €" if not w.english else f"EUR {w.money(tax)}", right=True)
        y += 13
    w.line(xl, y - 8, xr)
    w.text(xl, y + 2, labels[2], bold=True)
    w.text(xr, y + 2, f"{w.money(d.gross)} €" if not w.english else f"EUR {w.money(d.gross)}", bold=True, right=True)
    return y + 24


def _payment_text(w: _Writer, d: _Data, y: float, date_style: int) -> float:
    if w.english:
        lines = [f"Please pay within {d.pay_days} days, by {_date_en(d.due, date_style)}, without deduction."]
    else:
        lines = [f"Zahlbar innerhalb von {d.pay_days} Tagen ohne Abzug bis zum {_date_de(d.due, date_style)}."]
        if d.skonto:
            lines.append(f"Bei Zahlung innerhalb von {d.skonto[1]} Tagen gewähren wir {d.skonto[0]} % Skonto.")
    for t in lines:
        w.text(20 * mm, y, t)
        y += 12
    return y


def _din(d: _Data, fonts: tuple[str, str], date_style: int, multipage: bool = False) -> tuple[bytes, int]:
    w = _Writer(fonts, english=False)
    s, b = d.seller, d.buyer
    pages = 1

    def letterhead() -> None:
        w.text(20 * mm, 20 * mm, s[0], size=16, bold=True)
        w.text(20 * mm, 27 * mm, f"{s[1]} · {s[2]} {s[3]}", size=8)
        w.text(20 * mm, 48 * mm, f"{s[0]} · {s[1]} · {s[2]} {s[3]}", size=6)

    letterhead()
    for i, t in enumerate([b[0], b[1], b[2], f"{b[3]} {b[4]}"]):
        w.text(20 * mm, 55 * mm + i * 12, t, size=10)
    info = [
        ("Rechnungsnummer:", d.number),
        ("Rechnungsdatum:", _date_de(d.issue, date_style)),
        ("Kundennummer:", d.customer),
        ("Lieferdatum:", _date_de(d.delivery, date_style)),
        ("Ihre Bestellung:", d.order),
        ("Lieferschein-Nr.:", d.despatch),
    ]
    for i, (lab, val) in enumerate(info):
        w.text(125 * mm, 50 * mm + i * 12, lab, size=8)
        w.text(160 * mm, 50 * mm + i * 12, val, size=8)
    w.text(20 * mm, 100 * mm, f"Rechnung {d.number}", size=13, bold=True)
    w.text(20 * mm, 108 * mm, "Sehr geehrte Damen und Herren,")
    w.text(20 * mm, 113 * mm, "für unsere Lieferungen und Leistungen berechnen wir Ihnen:")
    y = 125 * mm
    per_page = 28 if multipage else 99
    rows = d.lines
    while rows:
        chunk, rows = rows[:per_page], rows[per_page:]
        y = _table(w, d, y, chunk, header=True)
        if rows:
            sub = sum((r["BT-131"] for r in d.lines[: int(chunk[-1]["BT-126"])]), Decimal(0))
            w.text(120 * mm, y + 6, "Übertrag")
            w.text(190 * mm, y + 6, f"{w.money(sub)} €", right=True)
            _footer(w, d)
            w.text(190 * mm, w.h - 8 * mm, f"Seite {pages}", size=7, right=True)
            w.c.showPage()
            pages += 1
            letterhead()
            w.text(
                20 * mm, 60 * mm, f"Rechnung {d.number} vom {_date_de(d.issue, date_style)} – Fortsetzung", bold=True
            )
            y = 72 * mm
    y = _totals(w, d, y + 10, ("Nettobetrag", "zzgl. {rate} % MwSt.", "Rechnungsbetrag"))
    y = _payment_text(w, d, y + 6, date_style)
    _footer(w, d)
    if pages > 1:
        w.text(190 * mm, w.h - 8 * mm, f"Seite {pages}", size=7, right=True)
    return w.done(), pages


def _modern(d: _Data, fonts: tuple[str, str], date_style: int) -> tuple[bytes, int]:
    w = _Writer(fonts, english=False)
    s, b = d.seller, d.buyer
    w.text(190 * mm, 20 * mm, s[0], size=13, bold=True, right=True)
    for i, t in enumerate([s[1], f"{s[2]} {s[3]}", f"USt-IdNr. {d.vat_id}"]):
        w.text(190 * mm, 26 * mm + i * 10, t, size=8, right=True)
    w.text(20 * mm, 45 * mm, "Rechnungsempfänger", size=7)
    for i, t in enumerate([b[0], b[2], f"{b[3]} {b[4]}"]):
        w.text(20 * mm, 50 * mm + i * 11, t, size=10)
    w.text(20 * mm, 90 * mm, "RECHNUNG", size=22, bold=True)
    meta = [
        ("Rechnung Nr.", d.number),
        ("Datum", _date_de(d.issue, date_style)),
        ("Leistungsdatum", _date_de(d.delivery, date_style)),
        ("Bestellnummer", d.order),
        ("Lieferschein", d.despatch),
    ]
    for i, (lab, val) in enumerate(meta):
        w.text(20 * mm + i * 36 * mm, 100 * mm, lab, size=7)
        w.text(20 * mm + i * 36 * mm, 105 * mm, val, size=9, bold=True)
    y = _table(w, d, 120 * mm, d.lines)
    y = _totals(w, d, y + 10, ("Summe netto", "USt. {rate} %", "Gesamtbetrag"))
    y = _payment_text(w, d, y + 6, date_style)
    _footer(w, d)
    return w.done(), 1


def _letter(d: _Data, fonts: tuple[str, str], date_style: int) -> tuple[bytes, int]:
    """A table-less invoice, as small firms write them in a word processor."""
    w = _Writer(fonts, english=False)
    s, b = d.seller, d.buyer
    for i, t in enumerate([s[0], s[1], f"{s[2]} {s[3]}"]):
        w.text(130 * mm, 20 * mm + i * 11, t, size=10, bold=i == 0)
    for i, t in enumerate([b[0], b[1], b[2], f"{b[3]} {b[4]}"]):
        w.text(20 * mm, 50 * mm + i * 12, t, size=10)
    w.text(190 * mm, 85 * mm, f"{s[3]}, {_date_de(d.issue, date_style)}", right=True)
    w.text(20 * mm, 100 * mm, f"Rechnung Nr. {d.number}", size=12, bold=True)
    w.text(20 * mm, 110 * mm, f"Leistungszeitraum: {_date_de(d.delivery, 0)} bis {_date_de(d.issue, 0)}")
    w.text(20 * mm, 120 * mm, "Für die erbrachten Leistungen erlaube ich mir wie folgt zu berechnen:")
    y = 132 * mm
    for ln in d.lines:
        w.text(25 * mm, y, f"{ln['BT-129']} {ln['unit']} {ln['BT-153']}")
        w.text(190 * mm, y, f"{w.money(ln['BT-131'])} EUR", right=True)
        y += 13
    y = _totals(w, d, y + 12, ("Summe netto", "zzgl. Umsatzsteuer {rate} %", "Gesamtbetrag"))
    w.text(20 * mm, y, f"Bitte überweisen Sie den Betrag bis zum {_date_de(d.due, 0)} auf folgendes Konto:")
    w.text(20 * mm, y + 12, f"IBAN {_group_iban(d.iban)} · BIC {d.bic}")
    w.text(20 * mm, y + 30, f"Steuernummer: {d.tax_number} · USt-IdNr.: {d.vat_id}")
    return w.done(), 1


def _english(d: _Data, fonts: tuple[str, str], date_style: int) -> tuple[bytes, int]:
    w = _Writer(fonts, english=True)
    s, b = d.seller, d.buyer
    w.text(20 * mm, 20 * mm, s[0], size=15, bold=True)
    w.text(20 * mm, 27 * mm, f"{s[1]}, {s[2]} {s[3]}, Germany", size=8)
    w.text(150 * mm, 20 * mm, "INVOICE", size=20, bold=True)
    w.text(20 * mm, 45 * mm, "Bill to:", bold=True)
    for i, t in enumerate([b[0], b[2], f"{b[3]} {b[4]}"]):
        w.text(20 * mm, 51 * mm + i * 11, t)
    meta = [
        ("Invoice No.:", d.number),
        ("Invoice date:", _date_en(d.issue, date_style)),
        ("Delivery date:", _date_en(d.delivery, date_style)),
        ("PO Number:", d.order),
        ("Due date:", _date_en(d.due, date_style)),
    ]
    for i, (lab, val) in enumerate(meta):
        w.text(120 * mm, 45 * mm + i * 12, lab)
        w.text(190 * mm, 45 * mm + i * 12, val, right=True)
    y = _table(w, d, 100 * mm, d.lines)
    y = _totals(w, d, y + 10, ("Subtotal", "VAT {rate}%", "Total due"))
    y = _payment_text(w, d, y + 6, date_style)
    _footer(w, d)
    return w.done(), 1


def epc_payload(truth: dict[str, Any]) -> str:
    """The GiroCode (EPC QR) text for paying a generated invoice."""
    return "\n".join(
        ["BCD", "002", "1", "SCT", truth["BT-86"], truth["BT-27"][:70], truth["BT-84"], f"EUR{truth['BT-112']}", "",
         truth["BT-1"], ""]
    )  # fmt: skip


def _stamp_codes(pdf: bytes, codes: list[tuple[str, str]]) -> bytes:
    """Draw barcodes (format name, content) at the bottom right of page 1 of ``pdf``."""
    import zxingcpp
    from pypdf import PdfReader, PdfWriter
    from reportlab.lib.utils import ImageReader

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=True)
    x = 190 * mm
    for fmt, content in codes:
        code = zxingcpp.create_barcode(content, getattr(zxingcpp.BarcodeFormat, fmt))
        img = _zx_image(code)
        w = 28 * mm if fmt in ("QRCode", "DataMatrix") else 60 * mm
        h = 28 * mm if fmt in ("QRCode", "DataMatrix") else 12 * mm
        x -= w
        c.drawImage(ImageReader(img), x, 32 * mm, width=w, height=h)
        x -= 6 * mm
    c.showPage()
    c.save()
    overlay = PdfReader(io.BytesIO(buf.getvalue())).pages[0]
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.pages[0].merge_page(overlay)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _zx_image(code: Any) -> Image.Image:
    import zxingcpp

    raw: Any = zxingcpp.write_barcode_to_image(code, scale=4)
    view = memoryview(raw)
    shape = view.shape or (0, 0)
    return Image.frombytes("L", (shape[1], shape[0]), bytes(view))


def generate_invoice(
    seed: int, layout: str | None = None, codes: list[tuple[str, str]] | None = None, giro_code: bool = False
) -> GeneratedInvoice:
    """One invoice, fully determined by ``seed`` (and optionally forced to a layout).

    ``giro_code`` prints an EPC payment QR code; ``codes`` adds further barcodes as (zxing format name,
    content), e.g. ``("Code128", "RE-2024-00001")``.
    """
    rng = random.Random(seed)
    layout = layout or LAYOUTS[seed % len(LAYOUTS)]
    n_lines = rng.randint(38, 60) if layout == "multipage" else rng.randint(1, 7)
    d = _data(rng, n_lines)
    fonts = FONTS[rng.randrange(len(FONTS))]
    date_style = rng.randrange(2)
    if layout == "din":
        pdf, pages = _din(d, fonts, date_style)
    elif layout == "multipage":
        pdf, pages = _din(d, fonts, date_style, multipage=True)
    elif layout == "modern":
        pdf, pages = _modern(d, fonts, date_style)
    elif layout == "letter":
        pdf, pages = _letter(d, fonts, date_style)
    elif layout == "english":
        pdf, pages = _english(d, fonts, date_style)
    else:
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    truth = _truth(d)
    if layout == "letter":
        for key in ("BT-13", "BT-16", "BT-72", "BT-86", "BT-9"):
            truth.pop(key, None)
    if layout == "english":
        truth.pop("BT-16", None)
    stamps = list(codes or [])
    if giro_code:
        stamps.insert(0, ("QRCode", epc_payload(truth)))
    if stamps:
        pdf = _stamp_codes(pdf, stamps)
    return GeneratedInvoice(f"{layout}-{seed:03d}", layout, pdf, truth, pages, d.lines)


def generate_set(count: int, start_seed: int = 1) -> list[GeneratedInvoice]:
    """``count`` invoices cycling through every layout."""
    return [generate_invoice(seed) for seed in range(start_seed, start_seed + count)]


@dataclass
class ScanOptions:
    """How to make a PDF look scanned."""

    dpi: int = 200
    rotation: float = 0.0
    """Small skew in degrees (a sheet fed askew)."""
    quarter_turns: int = 0
    """0-3: the sheet was fed sideways or upside down."""
    noise: float = 0.0
    """0..1: amount of speckle."""
    blur: bool = False
    seed: int = 0


def scan_images(pdf: bytes, options: ScanOptions) -> list[Image.Image]:
    """Render each page and degrade it like a scanner would."""
    rng = random.Random(options.seed)
    doc = pdfium.PdfDocument(pdf)
    out = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            img = page.render(scale=options.dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            # paper tone and uneven contrast
            img = img.point(lambda p: int(p * 0.9 + 18))
            if options.blur:
                img = img.filter(ImageFilter.GaussianBlur(0.7))
            if options.noise > 0:
                # seeded (Image.effect_noise is not), so every run sees the same scan
                noise = Image.frombytes("L", img.size, rng.randbytes(img.width * img.height))
                img = Image.blend(img, noise, 0.12 * options.noise)
                specks = Image.new("L", img.size, 255)
                for _ in range(int(1500 * options.noise)):
                    x, y = rng.randrange(img.width), rng.randrange(img.height)
                    specks.putpixel((x, y), 0)
                img = Image.composite(img, specks, specks.point(lambda p: 255 if p > 0 else 0))
            if options.rotation:
                img = img.rotate(options.rotation, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=235)
            if options.quarter_turns:
                img = img.rotate(90 * options.quarter_turns, expand=True)
            out.append(img)
    finally:
        doc.close()
    return out


def scanned_pdf(pdf: bytes, options: ScanOptions) -> bytes:
    """An image-only PDF (no text layer) of the degraded pages, as a scanner would produce."""
    images = scan_images(pdf, options)
    buf = io.BytesIO()
    images[0].save(buf, format="PDF", save_all=True, append_images=images[1:], resolution=float(options.dpi))
    return buf.getvalue()


def scanned_image(pdf: bytes, options: ScanOptions, fmt: str = "PNG") -> bytes:
    """The degraded pages as one image file (TIFF keeps all pages; PNG/JPEG the first)."""
    images = scan_images(pdf, options)
    buf = io.BytesIO()
    if fmt.upper() == "TIFF":
        images[0].save(buf, format="TIFF", save_all=True, append_images=images[1:], dpi=(options.dpi, options.dpi),
                       compression="tiff_deflate")  # fmt: skip
    else:
        images[0].save(buf, format=fmt.upper(), dpi=(options.dpi, options.dpi))
    return buf.getvalue()


def write_set(folder: Path, count: int, start_seed: int = 1) -> list[Path]:
    """Write ``count`` invoices and their truth (JSON) to ``folder``; for demos and manual checks."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for inv in generate_set(count, start_seed):
        path = folder / f"{inv.name}.pdf"
        path.write_bytes(inv.pdf)
        (folder / f"{inv.name}.json").write_text(json.dumps(inv.truth, default=str, indent=2, ensure_ascii=False))
        paths.append(path)
    return paths
