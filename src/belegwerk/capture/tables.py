"""Invoice line items from a table: find the header row, then read rows until the totals.

Columns are located by header words (quantity, description, unit price, amount). A row is a line with an
amount in the amount column; lines without one continue the previous row's description.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from belegwerk.capture.layout import Line, PageLayout
from belegwerk.capture.model import Field
from belegwerk.capture.parse import NumberStyle, find_amounts

_HEADERS = {
    "qty": re.compile(r"^(?:menge|anzahl|anz\.?|qty|quantity|aantal|nombre|quantité|qté|stück|stk\.?)$", re.I),
    "desc": re.compile(
        r"^(?:beschreibung|bezeichnung|artikel(?:bezeichnung)?|leistung|description|item|product|omschrijving|"
        r"désignation|designation|produkt|text|title)$",
        re.I,
    ),
    "price": re.compile(
        r"^(?:einzelpreis|e-preis|preis|ep|unit\s*price|price|rate|prijs(?:\s+per\s+stuk)?|p\.u\.(?:\s*ht)?|"
        r"vk-preis|stückpreis)$",
        re.I,
    ),
    "amount": re.compile(
        r"^(?:gesamt(?:preis|betrag)?|betrag|summe|amount|total|line\s+total|bedrag|montant(?:\s+ht)?|"
        r"zeilenbetrag|gp|nettobetrag|prijs\s+incl\.?\s+btw)$",
        re.I,
    ),
}
_STOP = re.compile(
    r"^(?:zwischensumme|summe|gesamt|netto|total|subtotal|sub-total|nettobetrag|rechnungsbetrag|übertrag|"
    r"exclusief|subtotaal|totaal|montant|total\s+ht)\b",
    re.I,
)


def _header(line: Line) -> dict[str, tuple[float, float]] | None:
    cols: dict[str, tuple[float, float]] = {}
    for seg in line.segments:
        for w in [seg.text, *(w.text for w in seg.words)]:
            for key, rx in _HEADERS.items():
                if key not in cols and rx.match(w.strip(" :")):
                    cols[key] = (seg.bbox[0], seg.bbox[2])
    return cols if len(cols) >= 3 and "amount" in cols else None


def extract_lines(layouts: list[PageLayout], style: NumberStyle) -> Field | None:
    """The line items of the first table with a recognisable header, or None."""
    rows: list[dict[str, Any]] = []
    page_first: int | None = None
    for lay in layouts:
        cols = None
        for line in lay.lines:
            if cols is None:
                cols = _header(line)
                continue
            if _STOP.match(line.segments[0].text) or any(_STOP.match(s.text) for s in line.segments[1:2]):
                cols = None
                continue
            amt_x0, amt_x1 = cols["amount"]
            amount_seg = None
            for seg in reversed(line.segments):
                if seg.bbox[2] >= amt_x0 - 30 and seg.bbox[0] <= amt_x1 + 40:
                    found = [a for a in find_amounts(seg.text, style) if a.has_decimals]
                    if found:
                        amount_seg = (seg, found[-1].value)
                        break
            desc_parts = []
            qty: Decimal | None = None
            price: Decimal | None = None
            for seg in line.segments:
                if amount_seg is not None and seg is amount_seg[0]:
                    continue
                cx = (seg.bbox[0] + seg.bbox[2]) / 2
                if "qty" in cols and _near(cx, cols["qty"]) and re.fullmatch(r"[\d.,]+(?:\s*\w{1,5})?", seg.text):
                    qv = [a.value for a in find_amounts(seg.text, style)]
                    qty = qv[0] if qv else qty
                elif "price" in cols and _near(cx, cols["price"]):
                    pv = [a.value for a in find_amounts(seg.text, style) if a.has_decimals]
                    price = pv[-1] if pv else price
                elif not re.fullmatch(r"[\d.,%\s€$]+", seg.text):
                    desc_parts.append(seg.text)
            if amount_seg is not None:
                row: dict[str, Any] = {"BT-126": str(len(rows) + 1), "BT-153": " ".join(desc_parts).strip()}
                if qty is not None:
                    row["BT-129"] = qty
                if price is not None:
                    row["BT-146"] = price
                row["BT-131"] = amount_seg[1]
                rows.append(row)
                page_first = page_first or lay.number
            elif rows and desc_parts and len(rows[-1]["BT-153"]) < 200:
                rows[-1]["BT-153"] = (rows[-1]["BT-153"] + "\n" + " ".join(desc_parts)).strip()
    if not rows:
        return None
    return Field(rows, 0.6, page_first, None)


def _near(x: float, col: tuple[float, float]) -> bool:
    return col[0] - 40 <= x <= col[1] + 40
