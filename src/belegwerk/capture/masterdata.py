"""Vendor master data and goods receipts from CSV, and matching the captured seller against them.

A matched vendor confirms what was read (a printed IBAN that equals the master-data IBAN is almost
certainly right) and fills what was not (GL account, cost centre, payment terms). A *different* IBAN for
a known vendor is a classic fraud pattern, so it lowers confidence and raises a warning instead.

Matching order, strongest evidence first: VAT ID, IBAN, tax number, then fuzzy name + address.
The CSV layouts are documented with examples in ``docs/capture.md``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rapidfuzz import fuzz

from belegwerk.capture.errors import CaptureError
from belegwerk.capture.model import CaptureResult, Field
from belegwerk.capture.parse import find_dates, parse_amount

_VENDOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("number", "vendor_number", "kreditor", "kreditorennummer", "lieferantennummer", "nr"),
    "name": ("name", "vendor_name", "firma", "lieferant"),
    "street": ("street", "strasse", "straße", "address"),
    "postcode": ("postcode", "zip", "plz", "postleitzahl"),
    "city": ("city", "ort", "stadt"),
    "country": ("country", "land", "country_code"),
    "vat_id": ("vat_id", "ust_idnr", "ustid", "vat"),
    "tax_number": ("tax_number", "steuernummer", "stnr"),
    "iban": ("iban",),
    "bic": ("bic", "swift"),
    "gl_account": ("gl_account", "sachkonto", "konto", "account"),
    "cost_center": ("cost_center", "cost_centre", "kostenstelle"),
    "payment_terms": ("payment_terms", "zahlungsbedingung", "zahlungsbedingungen", "terms"),
}
_RECEIPT_COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("number", "receipt_number", "wareneingang", "we_nummer", "we_nr", "gr_number"),
    "date": ("date", "receipt_date", "datum", "eingangsdatum"),
    "vendor_number": ("vendor_number", "vendor", "kreditor", "lieferant"),
    "order_number": ("order_number", "po_number", "bestellnummer", "bestellung"),
    "delivery_note": ("delivery_note", "lieferschein", "lieferscheinnummer"),
    "item": ("item", "article", "artikel", "material", "description"),
    "quantity": ("quantity", "qty", "menge"),
    "unit": ("unit", "einheit", "uom"),
    "net_amount": ("net_amount", "amount", "wert", "betrag"),
}


@dataclass(frozen=True, slots=True)
class Vendor:
    """One vendor (creditor) from the ERP's master data."""

    number: str
    name: str
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    vat_id: str = ""
    tax_number: str = ""
    iban: str = ""
    bic: str = ""
    gl_account: str = ""
    cost_center: str = ""
    payment_terms: str = ""


@dataclass(frozen=True, slots=True)
class GoodsReceipt:
    """One goods-receipt line: what arrived, when, against which order and delivery note."""

    number: str
    date: date | None
    vendor_number: str
    order_number: str
    delivery_note: str
    item: str
    quantity: Decimal | None
    unit: str = ""
    net_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class VendorMatch:
    """Which vendor matched, by what evidence, and how sure (0..1)."""

    vendor: Vendor
    by: str
    score: float


@dataclass
class MasterData:
    """Vendors and goods receipts held in memory (the database persistence comes with ``db/``)."""

    vendors: list[Vendor] = field(default_factory=list)
    receipts: list[GoodsReceipt] = field(default_factory=list)


def _compact(value: str) -> str:
    return re.sub(r"[\s./\-]", "", value).upper()


def _read_csv(path: Path, columns: dict[str, tuple[str, ...]], required: Sequence[str]) -> list[dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaptureError(f"cannot read {path}: {exc}") from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";"
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if reader.fieldnames is None:
        raise CaptureError(f"{path.name} is empty")
    mapping: dict[str, str] = {}
    for header in reader.fieldnames:
        key = header.strip().lower().replace(" ", "_").replace("-", "_")
        for name, aliases in columns.items():
            if key in aliases and name not in mapping:
                mapping[name] = header
    missing = [r for r in required if r not in mapping]
    if missing:
        raise CaptureError(
            f"{path.name} lacks the column(s) {', '.join(missing)}; found {', '.join(reader.fieldnames)}"
        )
    rows = []
    for row in reader:
        rows.append({name: (row.get(header) or "").strip() for name, header in mapping.items()})
    return rows


def load_vendors(path: Path) -> list[Vendor]:
    """Vendors from a CSV file (``;`` or ``,`` separated, UTF-8, header names in English or German)."""
    rows = _read_csv(path, _VENDOR_COLUMNS, ("number", "name"))
    vendors = []
    for r in rows:
        if not r.get("number") or not r.get("name"):
            continue
        vendors.append(
            Vendor(
                number=r["number"],
                name=r["name"],
                street=r.get("street", ""),
                postcode=r.get("postcode", ""),
                city=r.get("city", ""),
                country=r.get("country", ""),
                vat_id=_compact(r.get("vat_id", "")),
                tax_number=r.get("tax_number", ""),
                iban=_compact(r.get("iban", "")),
                bic=_compact(r.get("bic", "")),
                gl_account=r.get("gl_account", ""),
                cost_center=r.get("cost_center", ""),
                payment_terms=r.get("payment_terms", ""),
            )
        )
    return vendors


def _decimal(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        return Decimal(text) if re.fullmatch(r"-?\d+(?:\.\d+)?", text) else parse_amount(text)
    except InvalidOperation:
        return None


def load_goods_receipts(path: Path) -> list[GoodsReceipt]:
    """Goods receipts from a CSV file (one row per received item)."""
    rows = _read_csv(path, _RECEIPT_COLUMNS, ("number", "order_number"))
    out = []
    for r in rows:
        dates = list(find_dates(r.get("date", "")))
        out.append(
            GoodsReceipt(
                number=r["number"],
                date=dates[0].value if dates else None,
                vendor_number=r.get("vendor_number", ""),
                order_number=r["order_number"],
                delivery_note=r.get("delivery_note", ""),
                item=r.get("item", ""),
                quantity=_decimal(r.get("quantity", "")),
                unit=r.get("unit", ""),
                net_amount=_decimal(r.get("net_amount", "")),
            )
        )
    return out


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def match_vendor(result: CaptureResult, vendors: Iterable[Vendor]) -> VendorMatch | None:
    """The vendor the captured seller is, by the strongest evidence available."""
    vendors = list(vendors)
    vat_id = _compact(str(result.value("BT-31") or ""))
    iban = _compact(str(result.value("BT-84") or ""))
    tax_number = _digits(str(result.value("BT-32") or ""))
    for key, by, score in ((vat_id, "vat_id", 0.98), (iban, "iban", 0.95)):
        if key:
            hits = [v for v in vendors if getattr(v, by) == key]
            if len(hits) == 1:
                return VendorMatch(hits[0], by, score)
    if tax_number:
        hits = [v for v in vendors if v.tax_number and _digits(v.tax_number) == tax_number]
        if len(hits) == 1:
            return VendorMatch(hits[0], "tax_number", 0.93)
    name = str(result.value("BT-27") or "")
    if not name:
        return None
    place = " ".join(str(result.value(k) or "") for k in ("BT-35", "BT-38", "BT-37")).strip()
    best: VendorMatch | None = None
    for v in vendors:
        s_name = fuzz.token_set_ratio(name.lower(), v.name.lower()) / 100
        if s_name < 0.8:
            continue
        s_place = (
            fuzz.token_set_ratio(place.lower(), f"{v.street} {v.postcode} {v.city}".lower()) / 100 if place else 0.5
        )
        score = 0.7 * s_name + 0.3 * s_place
        if score >= 0.8 and (best is None or score > best.score):
            best = VendorMatch(v, "name_address", round(score * 0.9, 3))
    return best


def apply_vendor_match(result: CaptureResult, vendors: Iterable[Vendor]) -> VendorMatch | None:
    """Match the seller and confirm or fill fields from the master data; returns the match."""
    match = match_vendor(result, vendors)
    if match is None:
        return None
    v = match.vendor
    result.vendor_number = v.number
    note = f"vendor {v.number} matched by {match.by.replace('_', ' ')}"
    pairs = {
        "BT-27": v.name,
        "BT-31": v.vat_id,
        "BT-32": v.tax_number,
        "BT-84": v.iban,
        "BT-86": v.bic,
        "BT-35": v.street,
        "BT-38": v.postcode,
        "BT-37": v.city,
        "BT-40": v.country,
        "BT-20": v.payment_terms,
    }
    for key, master in pairs.items():
        if not master:
            continue
        current = result.fields.get(key)
        if current is None:
            result.fields[key] = Field(master, round(match.score * 0.95, 3), None, None, [f"from master data: {note}"])
            continue
        same = (
            _compact(str(current.value)) == _compact(master)
            if key in ("BT-31", "BT-84", "BT-86", "BT-32")
            else fuzz.token_set_ratio(str(current.value).lower(), master.lower()) >= 90
        )
        if same:
            current.adjust(max(0.0, match.score - current.confidence), f"confirmed by master data ({note})")
        elif key == "BT-84":
            current.adjust(-0.5, f"IBAN differs from master data {master} ({note})")
            result.warnings.append(
                f"the invoice names IBAN {current.value}, master data of vendor {v.number} has {master}: "
                "check before paying (bank detail changes are a common fraud pattern)"
            )
        elif key in ("BT-31", "BT-32"):
            current.adjust(-0.2, f"differs from master data {master} ({note})")
    if v.gl_account:
        result.fields["gl_account"] = Field(v.gl_account, match.score, None, None, [note])
    if v.cost_center:
        result.fields["cost_center"] = Field(v.cost_center, match.score, None, None, [note])
    return match


def receipts_for(result: CaptureResult, receipts: Iterable[GoodsReceipt]) -> list[GoodsReceipt]:
    """Goods receipts that belong to the captured invoice: same order number or delivery note
    (and same vendor when the vendor is known)."""
    order = _compact(str(result.value("BT-13") or ""))
    note = _compact(str(result.value("BT-16") or ""))
    out = []
    for r in receipts:
        if result.vendor_number and r.vendor_number and r.vendor_number != result.vendor_number:
            continue
        if (order and _compact(r.order_number) == order) or (note and _compact(r.delivery_note) == note):
            out.append(r)
    return out
