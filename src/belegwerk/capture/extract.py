"""Template-free field extraction: labels, positions and arithmetic instead of per-vendor rules.

For each field we collect *candidates* — a value found next to (right of, or below) a label, scored by how
specific the label is and where the value sat — and keep the best. Totals are chosen jointly: a net, VAT
and gross that add up beat three individually likelier numbers that do not.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from belegwerk.capture import labels as L
from belegwerk.capture.identifiers import find_bics, find_ibans, find_tax_numbers, find_vat_ids
from belegwerk.capture.layout import PageLayout, Segment, build_layout, segments_below, segments_right
from belegwerk.capture.model import BBox, DocumentText, Field
from belegwerk.capture.parse import (
    NumberStyle,
    detect_month_first,
    detect_number_style,
    find_amounts,
    find_dates,
)

RIGHT, SAME, BELOW = 0.95, 1.0, 0.8
"""Position factors: value in the label's segment, to its right, or under it."""


@dataclass(slots=True)
class Candidate:
    """A possible value for a field with its score (0..1) and where it was read."""

    value: Any
    score: float
    page: int
    bbox: BBox
    note: str = ""


@dataclass(slots=True)
class Hit:
    """A label found at the start of a segment, with the text after it."""

    layout: PageLayout
    segment: Segment
    rest: str
    rest_bbox: BBox | None
    weight: float


@dataclass(slots=True)
class Extraction:
    """The working state of one extraction run."""

    layouts: list[PageLayout]
    style: NumberStyle
    month_first: bool
    fields: dict[str, Field] = field(default_factory=dict)


def extract_fields(text: DocumentText) -> dict[str, Field]:
    """Every field we can find in ``text``, keyed by EN 16931 business-term id."""
    layouts = [build_layout(p) for p in text.pages]
    full = "\n".join(ln.text for lay in layouts for ln in lay.lines)
    ex = Extraction(layouts, detect_number_style(full), detect_month_first(full))
    _identifiers(ex)
    _references(ex)
    _dates(ex)
    _totals(ex)
    _vat_breakdown(ex)
    _currency(ex, full)
    _parties(ex)
    _payment_terms(ex, full)
    from belegwerk.capture.tables import extract_lines

    lines = extract_lines(layouts, ex.style)
    if lines:
        ex.fields["BG-25"] = lines
    return ex.fields


# --------------------------------------------------------------------------- label search


def _segment_offsets(seg: Segment) -> list[int]:
    offs, pos = [], 0
    for w in seg.words:
        offs.append(pos)
        pos += len(w.text) + 1
    return offs


def _bbox_from(seg: Segment, char_start: int) -> BBox | None:
    offs = _segment_offsets(seg)
    words = [w for w, o in zip(seg.words, offs, strict=True) if o + len(w.text) > char_start]
    if not words:
        return None
    return (min(w.x0 for w in words), min(w.y0 for w in words), max(w.x1 for w in words), max(w.y1 for w in words))


def label_hits(ex: Extraction, labels: Sequence[L.Label], pages: int | None = None) -> Iterator[Hit]:
    """Segments that start with one of ``labels`` (longest, most specific match per segment)."""
    for lay in ex.layouts[:pages]:
        for line in lay.lines:
            for seg in line.segments:
                txt = seg.text
                best: tuple[int, float] | None = None
                for rx, weight in labels:
                    m = rx.match(txt)
                    if (
                        m
                        and m.end() < len(txt)
                        and (txt[m.end() - 1].isalnum() and (txt[m.end()].isalnum() or txt[m.end()] == "_"))
                    ):
                        continue  # the label is only the start of a longer word ("Kunde" in "Kundennr.")
                    if m and (best is None or (m.end(), weight) > best):
                        best = (m.end(), weight)
                if best is None:
                    continue
                end, weight = best
                rest = txt[end:].strip()
                yield Hit(lay, seg, rest, _bbox_from(seg, end) if rest else None, weight)


def _values_near(hit: Hit, read: Any, below: bool = True) -> Iterator[Candidate]:
    """Values that ``read`` finds after the label, to its right, and (optionally) under it."""
    seg = hit.segment
    if hit.rest:
        v = read(hit.rest)
        if v is not None:
            yield Candidate(v, hit.weight * SAME * seg.conf, seg.page, hit.rest_bbox or seg.bbox, "same")
    right = segments_right(hit.layout, seg)[:2]
    for i, s in enumerate(right):
        v = read(s.text)
        if v is None and i == 0 and len(right) > 1 and right[1].bbox[0] - s.bbox[2] < 4 * max(s.height, 6.0):
            # OCR often splits one value ("7." | "Januar 2024") into two segments
            v = read(s.text + " " + right[1].text)
        if v is not None:
            yield Candidate(v, hit.weight * (RIGHT - 0.1 * i) * s.conf, s.page, s.bbox, "right")
    if below:
        for s in segments_below(hit.layout, seg):
            v = read(s.text)
            if v is not None:
                yield Candidate(v, hit.weight * BELOW * s.conf, s.page, s.bbox, "below")
                break


def _best(cands: Iterator[Candidate] | list[Candidate]) -> Candidate | None:
    best: Candidate | None = None
    for c in cands:
        if best is None or c.score > best.score:
            best = c
    return best


def _set(ex: Extraction, key: str, c: Candidate | None) -> None:
    if c is not None:
        ex.fields[key] = Field(c.value, round(min(c.score, 1.0), 3), c.page, c.bbox)


# --------------------------------------------------------------------------- readers

_ID_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.\-]*[A-Za-z0-9]|\d")
_NOT_IDS = re.compile(r"^(?:nr|no|nummer|number|datum|date|page|seite|von|of|du|le|the)\.?$", re.I)


def read_identifier(text: str) -> str | None:
    """The first token that looks like a document number (has a digit, not a date or amount alone)."""
    t = text.strip().lstrip("#:").strip()
    t = re.sub(r"^(?:n[°º]|nr\.?|no\.?)\s*", "", t, flags=re.I)
    for m in _ID_TOKEN.finditer(t):
        tok = m.group(0)
        if _NOT_IDS.match(tok):
            continue
        if not re.search(r"\d", tok) or len(tok) > 40:
            return None
        if re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", tok):
            return None
        return tok
    return None


def _date_reader(ex: Extraction) -> Any:
    def read(text: str) -> date | None:
        for d in find_dates(text, ex.month_first):
            return d.value
        return None

    return read


def _amount_reader(ex: Extraction, last: bool = True) -> Any:
    def read(text: str) -> Decimal | None:
        found = list(find_amounts(text, ex.style))
        if not found:
            return None
        with_dec = [a for a in found if a.has_decimals] or found
        return (with_dec[-1] if last else with_dec[0]).value

    return read


# --------------------------------------------------------------------------- fields


def _references(ex: Extraction) -> None:
    cands = [c for h in label_hits(ex, L.INVOICE_NUMBER, 2) for c in _values_near(h, read_identifier)]
    # Prefer page 1 and an earlier occurrence when scores tie.
    _set(ex, "BT-1", _best(sorted(cands, key=lambda c: c.page)))
    for key, labels in (
        ("BT-13", L.ORDER_REFERENCE),
        ("BT-16", L.DESPATCH_REFERENCE),
        ("BT-10", L.BUYER_REFERENCE),
        ("BT-46", L.BUYER_ID),
    ):
        best = _best(c for h in label_hits(ex, labels, 2) for c in _values_near(h, read_identifier))
        if best is not None and key != "BT-1" and ex.fields.get("BT-1") and best.value == ex.fields["BT-1"].value:
            continue
        _set(ex, key, best)


def _dates(ex: Extraction) -> None:
    read = _date_reader(ex)
    cands = [c for h in label_hits(ex, L.INVOICE_DATE, 2) for c in _values_near(h, read)]
    number = ex.fields.get("BT-1")
    if number is not None and number.bbox is not None:
        # "Facture n° 4711 du 02 juillet 2015": the date in the invoice number's own segment.
        for lay in ex.layouts[:2]:
            for line in lay.lines:
                for seg in line.segments:
                    if str(number.value) in seg.text:
                        d = read(seg.text.split(str(number.value), 1)[1])
                        if d is not None:
                            cands.append(Candidate(d, 0.7, seg.page, seg.bbox, "with-number"))
    best = _best(sorted(cands, key=lambda c: c.page))
    if best is None:
        first = _first_date(ex)
        if first is not None:
            best = first
    _set(ex, "BT-2", best)
    _set(ex, "BT-9", _best(c for h in label_hits(ex, L.DUE_DATE, 2) for c in _values_near(h, read)))
    _set(ex, "BT-72", _best(c for h in label_hits(ex, L.DELIVERY_DATE, 2) for c in _values_near(h, read)))
    for h in label_hits(ex, L.PERIOD, 2):
        texts = [h.rest] + [s.text for s in segments_right(h.layout, h.segment)[:2]]
        dates = [d.value for t in texts for d in find_dates(t, ex.month_first)]
        if len(dates) >= 2 and dates[0] <= dates[1]:
            bbox = h.rest_bbox or h.segment.bbox
            ex.fields["BT-73"] = Field(dates[0], round(0.8 * h.weight, 3), h.segment.page, bbox)
            ex.fields["BT-74"] = Field(dates[1], round(0.8 * h.weight, 3), h.segment.page, bbox)
            break
        period = _month_period(" ".join(texts))
        if period is not None:
            bbox = h.rest_bbox or h.segment.bbox
            ex.fields["BT-73"] = Field(period[0], round(0.7 * h.weight, 3), h.segment.page, bbox)
            ex.fields["BT-74"] = Field(period[1], round(0.7 * h.weight, 3), h.segment.page, bbox)
            break


def _month_period(text: str) -> tuple[date, date] | None:
    """ "July 1 - July 31 , 2014" style ranges where only the end carries the year."""
    from belegwerk.capture.parse import MONTHS

    m = re.search(r"([A-Za-zäéû]+)\.?\s+(\d{1,2})\s*[-–]\s*([A-Za-zäéû]+)\.?\s+(\d{1,2})\s*,?\s*(\d{4})", text)
    if not m:
        return None
    m1, m2 = MONTHS.get(m.group(1).lower()), MONTHS.get(m.group(3).lower())
    if not m1 or not m2:
        return None
    try:
        year = int(m.group(5))
        return date(year, m1, int(m.group(2))), date(year, m2, int(m.group(4)))
    except ValueError:
        return None


def _first_date(ex: Extraction) -> Candidate | None:
    for lay in ex.layouts[:1]:
        for line in lay.lines:
            for seg in line.segments:
                for d in find_dates(seg.text, ex.month_first):
                    return Candidate(d.value, 0.35, seg.page, seg.bbox, "first-date")
    return None


# --------------------------------------------------------------------------- totals


def _amount_candidates(ex: Extraction, labels: Sequence[L.Label]) -> list[Candidate]:
    out: list[Candidate] = []
    for h in label_hits(ex, labels):
        # all amounts after the label on its line, the rightmost scored highest
        pieces: list[tuple[str, Segment | None]] = [(h.rest, None)]
        pieces += [(s.text, s) for s in segments_right(h.layout, h.segment)[:3]]
        found: list[tuple[Decimal, bool, BBox]] = []
        for text, seg in pieces:
            for a in find_amounts(text, ex.style):
                bbox = seg.bbox if seg is not None else (h.rest_bbox or h.segment.bbox)
                found.append((a.value, a.has_decimals, bbox))
        for i, (value, has_dec, bbox) in enumerate(reversed(found)):
            score = h.weight * (1.0 if i == 0 else 0.7) * (1.0 if has_dec else 0.8) * h.segment.conf
            out.append(Candidate(value, score, h.segment.page, bbox, "label-first" if i == 0 else "label"))
        if not found:
            for s in segments_below(h.layout, h.segment, 1):
                line = h.layout.lines[s.line_index]
                if len(list(find_amounts(line.text, ex.style))) != 1:
                    continue  # a table row under a column header, not a total under its label
                read = _amount_reader(ex)(s.text)
                if read is not None:
                    out.append(Candidate(read, h.weight * BELOW * s.conf, s.page, s.bbox, "below"))
    return out


def _row_triples(ex: Extraction) -> list[tuple[Candidate, Candidate, Candidate]]:
    """Lines whose amounts contain net, VAT and gross in order (a + b = c): total rows, VAT tables."""
    out = []
    for lay in ex.layouts:
        for line in lay.lines:
            amounts = [a for a in find_amounts(line.text, ex.style) if a.has_decimals]
            vals = [a.value for a in amounts]
            for i in range(len(vals) - 2):
                a, b, c = vals[i], vals[i + 1], vals[i + 2]
                if a > 0 and b >= 0 and a + b == c:
                    bonus = 0.2 if any(rx.match(line.text) for rx, _ in L.GROSS + L.NET) else 0.0
                    bb = (line.words[0].x0, line.y0, line.words[-1].x1, line.y1)
                    conf = min(w.conf for w in line.words)
                    score = (0.55 + bonus) * conf
                    out.append(
                        (
                            Candidate(a, score, line.page, bb, "row"),
                            Candidate(b, score, line.page, bb, "row"),
                            Candidate(c, score, line.page, bb, "row"),
                        )
                    )
    return out


def _between_totals(ex: Extraction, net: list[Candidate], gross: list[Candidate]) -> list[Candidate]:
    """VAT as the amounts printed between the net and the gross line of a totals block.

    When OCR garbles the VAT labels, the block's shape still tells: net on top, gross at the bottom, and
    the lines in between add up to the difference.
    """
    out: list[Candidate] = []
    for n in [c for c in net if c.note == "label-first"][:4]:
        for g in [c for c in gross if c.note == "label-first" and c.page == n.page][:4]:
            if not (n.bbox[1] < g.bbox[1] and g.value > n.value):
                continue
            lay = ex.layouts[n.page - 1]
            values = []
            for line in lay.lines:
                if n.bbox[3] <= line.y0 and line.y1 <= g.bbox[1] + 1:
                    found = [a.value for a in find_amounts(line.segments[-1].text, ex.style) if a.has_decimals]
                    if found:
                        values.append(found[-1])
            if values and len(values) <= 4 and sum(values, Decimal(0)) == g.value - n.value:
                out.append(Candidate(g.value - n.value, 0.6 * min(n.score, g.score), n.page, n.bbox, "between"))
    return out


def _vat_sums(firsts: list[Candidate]) -> list[Candidate]:
    """Totals of several VAT lines (19 % and 7 % printed separately) as extra VAT candidates."""
    from itertools import combinations

    firsts = firsts[:5]
    out = []
    for k in range(2, len(firsts) + 1):
        for combo in combinations(firsts, k):
            if len({(c.page, c.bbox[1]) for c in combo}) < k:
                continue
            value = sum((c.value for c in combo), Decimal(0))
            score = min(c.score for c in combo) * 0.95
            out.append(Candidate(value, score, combo[0].page, combo[0].bbox, "vat-sum"))
    return out


def _totals(ex: Extraction) -> None:
    gross = _amount_candidates(ex, L.GROSS)
    net = _amount_candidates(ex, L.NET)
    vat = _amount_candidates(ex, L.VAT)
    vat += _vat_sums([c for c in vat if c.note == "label-first"])
    vat += _between_totals(ex, net, gross)
    triples = _row_triples(ex)
    best: tuple[float, Candidate | None, Candidate | None, Candidate] | None = None
    for g in gross:
        for n in net:
            for v in vat:
                if n.value + v.value == g.value and g.value > 0:
                    s = g.score + n.score + v.score + 1.0
                    if best is None or s > best[0]:
                        best = (s, n, v, g)
    for n, v, g in triples:
        # a row triple is supported when a labelled gross candidate has the same value
        support = max((x.score for x in gross if x.value == g.value), default=0.0)
        s = n.score + v.score + g.score + 0.5 + support
        if best is None or s > best[0]:
            best = (s, n, v, g)
    plain_g = _best(gross)
    if best is not None and (plain_g is None or best[0] >= plain_g.score + 1.0 or best[3].value == plain_g.value):
        _, n_c, v_c, g_c = best
        for key, c in (("BT-109", n_c), ("BT-110", v_c), ("BT-112", g_c)):
            assert c is not None
            ex.fields[key] = Field(c.value, round(min(1.0, c.score + 0.15), 3), c.page, c.bbox, ["net + VAT = gross"])
    elif plain_g is not None:
        _set(ex, "BT-112", plain_g)
        g = plain_g
        v_best = _best(x for x in vat if abs(x.value) < g.value)
        n_best = _best(x for x in net if x.value <= g.value)
        if n_best is not None and n_best.value == g.value:
            _set(ex, "BT-109", n_best)
            ex.fields["BT-110"] = Field(Decimal("0.00"), round(0.6 * n_best.score, 3), None, None, ["net equals gross"])
        elif v_best is not None:
            _set(ex, "BT-110", v_best)
            ex.fields["BT-109"] = Field(
                g.value - v_best.value, round(0.6 * v_best.score, 3), None, None, ["gross - VAT"]
            )
        else:
            if n_best is not None:
                _set(ex, "BT-109", n_best)
                ex.fields["BT-109"].adjust(-0.3, "net + VAT = gross not confirmed")
            else:
                # No VAT shown at all (small amounts, reverse charge, receipts): net is the gross.
                ex.fields["BT-109"] = Field(g.value, round(0.5 * g.score, 3), g.page, g.bbox, ["no VAT shown"])
    gross_f = ex.fields.get("BT-112")
    if gross_f is not None:
        due = _best(
            c
            for c in _amount_candidates(ex, L._labels((r"(?:amount\s+due|zahlbetrag|zu\s+zahlen|balance\s+due)", 1.0)))
        )
        value = due.value if due is not None else gross_f.value
        conf = due.score if due is not None else gross_f.confidence * 0.9
        ex.fields["BT-115"] = Field(value, round(min(conf, 1.0), 3), gross_f.page, gross_f.bbox)


def _vat_breakdown(ex: Extraction) -> None:
    """VAT rate rows: "MwSt 19 % auf 100,00 19,00", "BTW 21% € 124,61", "21 % 41,31 8,68 49,99"."""
    rows: dict[Decimal, dict[str, Any]] = {}
    rate_rx = re.compile(r"(?<![\d,.])(\d{1,2}(?:[.,]\d{1,2})?)\s*%")
    vat_kw = re.compile(r"mwst|ust|umsatzsteuer|vat|tax|tva|btw|steuer", re.I)
    for lay in ex.layouts:
        prev_has_kw = False
        for line in lay.lines:
            txt = line.text
            has_kw = bool(vat_kw.search(txt))
            m = rate_rx.search(txt)
            if m and (has_kw or prev_has_kw):
                rate = Decimal(m.group(1).replace(",", "."))
                after = txt[m.end() :]
                amounts = [a.value for a in find_amounts(after, ex.style) if a.has_decimals]
                row: dict[str, Any] | None = None
                if len(amounts) >= 2:
                    base, tax = amounts[0], amounts[1]
                    if abs(base * rate / 100 - tax) <= Decimal("0.05") + base * Decimal("0.0005"):
                        row = {"BT-119": rate, "BT-116": base, "BT-117": tax}
                if row is None and amounts:
                    tax = amounts[-1] if len(amounts) == 1 else amounts[0]
                    row = {"BT-119": rate, "BT-117": tax}
                if row is not None and (rate not in rows or "BT-116" not in rows[rate]):
                    row["page"] = line.page
                    rows[rate] = row
            prev_has_kw = has_kw and not m
    if not rows:
        return
    items = [{k: v for k, v in r.items() if k != "page"} for r in rows.values()]
    conf = 0.6
    vat_total = ex.fields.get("BT-110")
    if vat_total is not None and isinstance(vat_total.value, Decimal):
        if sum((r["BT-117"] for r in items), Decimal(0)) == vat_total.value:
            conf = 0.9
            vat_total.adjust(0.05, "VAT breakdown sums to VAT total")
        else:
            conf = 0.4
    first = next(iter(rows.values()))
    ex.fields["BG-23"] = Field(items, conf, first["page"], None)


# --------------------------------------------------------------------------- currency


_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "₹": "INR", "¥": "JPY", "zł": "PLN", "CHF": "CHF", "Fr.": "CHF"}
_ISO = re.compile(r"\b(EUR|USD|GBP|CHF|INR|PLN|CZK|SEK|NOK|DKK|JPY|CAD|AUD|HUF|RON|CNY)\b")
_WORDS = [
    (re.compile(r"\bUS\s*Dollars?\b", re.I), "USD"),
    (re.compile(r"\bRs\.?\s*-?\d", re.I), "INR"),
    (re.compile(r"\bEuro?s?\b", re.I), "EUR"),
    (re.compile(r"\bRupees?\b", re.I), "INR"),
]


def _currency(ex: Extraction, full: str) -> None:
    votes: Counter[str] = Counter()
    for h in label_hits(ex, L.CURRENCY):
        m = _ISO.search(h.rest)
        if m:
            ex.fields["BT-5"] = Field(m.group(1), 0.95 * h.weight, h.segment.page, h.rest_bbox)
            return
    for m in _ISO.finditer(full):
        votes[m.group(1)] += 2
    for sym, code in _SYMBOLS.items():
        votes[code] += full.count(sym)
    for rx, code in _WORDS:
        votes[code] += 2 * len(rx.findall(full))
    if not votes:
        ex.fields["BT-5"] = Field("EUR", 0.3, None, None, ["no currency shown; EUR assumed"])
        return
    (code, n), *rest = votes.most_common()
    second = rest[0][1] if rest else 0
    conf = 0.95 if n >= 3 * max(second, 1) else 0.75 if n > second else 0.5
    ex.fields["BT-5"] = Field(code, conf, None, None)


# --------------------------------------------------------------------------- identifiers


def _identifiers(ex: Extraction) -> None:
    vat_cands: list[Candidate] = []
    buyer_vat: list[Candidate] = []
    ibans: list[Candidate] = []
    bics: list[Candidate] = []
    stnrs: list[Candidate] = []
    for lay in ex.layouts:
        for line in lay.lines:
            for seg in line.segments:
                txt = seg.text
                labelled = bool(L.SELLER_VAT.search(txt))
                iban_spans = [(m.start, m.end) for m in find_ibans(txt)]
                for m in find_vat_ids(txt):
                    if any(a <= m.start < b for a, b in iban_spans):
                        continue
                    if not m.valid and not (labelled and len(re.sub(r"\D", "", m.value)) >= 8):
                        continue
                    prefix = txt[: m.start]
                    c = Candidate(
                        m.value,
                        (0.6 + (0.3 if m.valid else 0.0) + (0.1 if labelled else 0.0)) * seg.conf,
                        seg.page,
                        seg.bbox,
                    )
                    before = " ".join(s.text for s in line.segments if s.bbox[2] <= seg.bbox[0]) + " " + prefix
                    (buyer_vat if L.BUYER_MARKER.search(before[-40:]) else vat_cands).append(c)
                for m in find_ibans(txt):
                    if m.valid or L.IBAN_LABEL.search(txt):
                        ibans.append(Candidate(m.value, (0.95 if m.valid else 0.4) * seg.conf, seg.page, seg.bbox))
                for m in find_bics(txt):
                    if re.search(r"\b(?:bic|swift)\b", txt, re.I) or any(
                        re.search(r"\b(?:bic|swift)\b", s.text, re.I) for s in line.segments
                    ):
                        bics.append(Candidate(m.value, 0.9 * seg.conf, seg.page, seg.bbox))
                tm = L.TAX_NUMBER.search(txt)
                if tm:
                    for t in find_tax_numbers(txt[tm.end() :]):
                        stnrs.append(Candidate(t.value, (0.9 if t.valid else 0.6) * seg.conf, seg.page, seg.bbox))
                        break
    if vat_cands:
        counts = Counter(c.value for c in vat_cands)
        for c in vat_cands:
            c.score = min(1.0, c.score + 0.05 * (counts[c.value] - 1))
    _set(ex, "BT-31", _best(vat_cands))
    if buyer_vat:
        _set(ex, "BT-48", _best(buyer_vat))
    best_iban = _best(ibans)
    if best_iban is None:
        for h in label_hits(ex, L.ACCOUNT_LABEL):
            v = read_identifier(h.rest) if h.rest else None
            if v is None:
                nxt = segments_right(h.layout, h.segment)[:1] or segments_below(h.layout, h.segment, 1)
                v = read_identifier(nxt[0].text) if nxt else None
            if v is not None:
                best_iban = Candidate(v, 0.4 * h.weight, h.segment.page, h.segment.bbox, "account")
                break
    _set(ex, "BT-84", best_iban)
    _set(ex, "BT-86", _best(bics))
    _set(ex, "BT-32", _best(stnrs))


# --------------------------------------------------------------------------- parties


def _clean_name(text: str) -> str:
    return re.sub(r"[\s,:;]+$", "", text).strip()


def _parties(ex: Extraction) -> None:
    if not ex.layouts:
        return
    first = ex.layouts[0]
    cands: list[Candidate] = []
    for h in _seller_label_hits(ex):
        below = [s.text for s in segments_below(h.layout, h.segment, 2) if not s.text.startswith("(")]
        name = h.rest or (below[0] if below else "")
        name = _clean_name(re.split(r"\s+[-–|·]\s+|,\s(?=\d)", name)[0]) if name else ""
        if len(name) >= 2 and re.search(r"[A-Za-z]", name):
            cands.append(Candidate(name, 0.8 * h.weight, h.segment.page, h.rest_bbox or h.segment.bbox, "label"))
    # DIN 5008 return-address line: "Firma GmbH · Straße 1 · 12345 Ort" above the address window.
    for line in first.lines:
        if line.y0 > first.height * 0.4:
            break
        parts = re.split(r"\s+[-–|·•]\s+|\s{2,}", line.text)
        if len(parts) >= 3 and re.search(r"\b\d{4,5}\b", line.text) and len(line.text) < 120:
            cands.append(Candidate(_clean_name(parts[0]), 0.75, line.page, line.segments[0].bbox, "sender-line"))
            break
    # Company names with a legal form; repeated ones (header + footer) are likelier the issuer.
    legal: list[Candidate] = []
    buyer_zone = _buyer_zone(ex)
    for lay in ex.layouts[:1]:
        for line in lay.lines:
            for seg in line.segments:
                m = L.LEGAL_FORM.search(seg.text)
                if not m or seg.line_index in buyer_zone or len(seg.text) > 60:
                    continue
                name = _clean_name(seg.text[: m.end()])
                name = re.split(r":\s+", name)[-1]
                if L.DOCUMENT_TITLE.match(name) or len(name) < 3:
                    continue
                legal.append(Candidate(name, 0.55, seg.page, seg.bbox, "legal-form"))
    counts = Counter(c.value.lower() for c in legal)
    for c in legal:
        c.score = min(0.85, c.score + 0.1 * (counts[c.value.lower()] - 1))
    cands += legal
    # Fallback: a line at the top that is not a title, a date or the buyer; one with an address under it
    # (a letterhead) beats a bare slogan.
    top: list[Candidate] = []
    for line in first.lines[:8]:
        for seg in line.segments:
            t = _clean_name(seg.text)
            if line.index in buyer_zone or L.DOCUMENT_TITLE.match(t) or not re.search(r"[A-Za-z]{3}", t):
                continue
            if "@" in t or re.search(r"\d{2}[./]\d{2}|\d{4,}|^#", t) or len(t) > 50 or _is_label(t):
                continue
            under = " ".join(s.text for s in segments_below(first, seg, 3))
            letterhead = bool(_POSTCODE.search(under))
            top.append(Candidate(t, 0.45 if letterhead else 0.4 - 0.01 * len(top), seg.page, seg.bbox, "top"))
    best_top = _best(top)
    if best_top is not None:
        cands.append(best_top)
    best = _best(cands)
    if best is not None:
        agree = sum(1 for c in cands if c is not best and _same_name(c.value, best.value))
        _set(ex, "BT-27", best)
        if agree:
            ex.fields["BT-27"].adjust(min(0.1 * agree, 0.2), "several places name the same seller")
        _seller_address(ex, best)
    _buyer(ex, buyer_zone)
    _trading_name(ex, buyer_zone)


_POSTCODE = re.compile(r"\b\d{4,5}\s+[A-ZÄÖÜ][a-zäöü]|\b[A-Z]{2}\s+\d{5}\b|\b\d{4}\s?[A-Z]{2}\b")
_ALL_LABELS = [
    rx
    for group in (
        L.INVOICE_NUMBER,
        L.INVOICE_DATE,
        L.DUE_DATE,
        L.DELIVERY_DATE,
        L.PERIOD,
        L.ORDER_REFERENCE,
        L.DESPATCH_REFERENCE,
        L.BUYER_REFERENCE,
        L.BUYER_ID,
        L.PAYMENT_TERMS,
        L.GROSS,
        L.NET,
        L.VAT,
        L.BUYER_NAME,
    )
    for rx, _ in group
]


def _is_label(text: str) -> bool:
    return any(rx.match(text) for rx in _ALL_LABELS)


def _seller_label_hits(ex: Extraction) -> Iterator[Hit]:
    """Seller labels anywhere in a segment ("BRED – Titulaire du compte : NETPRESSE")."""
    for lay in ex.layouts:
        for line in lay.lines:
            for seg in line.segments:
                for rx, weight in L.SELLER_NAME:
                    m = rx.search(seg.text)
                    if m:
                        rest = seg.text[m.end() :].strip()
                        yield Hit(lay, seg, rest, _bbox_from(seg, m.end()) if rest else None, weight)
                        break


_DOMAIN = re.compile(
    r"(?:https?://|www\.|@)?((?:[a-z0-9-]+\.)+(?:com|de|nl|fr|at|ch|eu|net|org|io|co|in|uk|be|it|es))\b", re.I
)


def _trading_name(ex: Extraction, buyer_zone: set[int]) -> None:
    """BT-28 from the web or e-mail domain the document names most (the brand behind the legal name)."""
    counts: Counter[str] = Counter()
    where: dict[str, Segment] = {}
    for lay in ex.layouts:
        for line in lay.lines:
            if lay.number == 1 and line.index in buyer_zone:
                continue
            for seg in line.segments:
                for m in _DOMAIN.finditer(seg.text):
                    parts = m.group(1).lower().split(".")
                    if len(parts) < 2:
                        continue
                    core = parts[-2]
                    if core in {"example", "fake", "gmail", "web", "gmx", "outlook", "hotmail", "yahoo", "t-online"}:
                        continue
                    counts[core] += 1
                    where.setdefault(core, seg)
    if not counts:
        return
    core, _ = counts.most_common(1)[0]
    seller = ex.fields.get("BT-27")
    name = core.replace("-", " ").title()
    if seller is not None and _same_name(str(seller.value), name):
        return
    seg = where[core]
    ex.fields["BT-28"] = Field(name, 0.3, seg.page, seg.bbox, ["derived from the web/e-mail domain"])


def _same_name(a: str, b: str) -> bool:
    from rapidfuzz import fuzz

    return bool(fuzz.token_set_ratio(a.lower(), b.lower()) >= 85)


def _buyer_zone(ex: Extraction) -> set[int]:
    """Line indices (page 1) of the buyer's address block: after a bill-to label or in the DIN window."""
    zone: set[int] = set()
    for h in label_hits(ex, L.BUYER_NAME, 1):
        start = h.segment.line_index
        zone.update(range(start, start + 5))
    if not zone and ex.layouts:
        lay = ex.layouts[0]
        # DIN 5008 address window: 45-90 mm from the top, left half.
        for line in lay.lines:
            if 120 <= line.y0 <= 260 and line.words[0].x0 < lay.width * 0.45:
                zone.add(line.index)
    return zone


from belegwerk.capture.tables import _HEADERS as _TABLE_HEADERS  # noqa: E402


def _not_a_name(text: str) -> bool:
    """Labels, titles and field headers that sit where a name is expected."""
    return (
        not text
        or _is_label(text)
        or bool(L.DOCUMENT_TITLE.match(text))
        or bool(re.fullmatch(r"(?:address|adresse|ship\s+to|lieferadresse|afleveradres)\W*", text, re.I))
        or any(rx.match(text) for rx in _TABLE_HEADERS.values())
    )


def _buyer(ex: Extraction, zone: set[int]) -> None:
    for h in label_hits(ex, L.BUYER_NAME, 1):
        name = _clean_name(h.rest)
        bbox = h.rest_bbox
        if not name or _not_a_name(name):
            below = segments_below(h.layout, h.segment, 1)
            name, bbox = (_clean_name(below[0].text), below[0].bbox) if below else ("", None)
            name = re.sub(r"^(?:attn|z\.?\s*hd\.?)\s*:?\s*", "", name, flags=re.I)
        if _not_a_name(name):
            continue
        if name and re.search(r"[A-Za-z]{2}", name) and not re.search(r"\d{2}[./]\d{2}", name):
            ex.fields["BT-44"] = Field(name, round(0.75 * h.weight, 3), h.segment.page, bbox)
            return
    if zone and ex.layouts:
        lay = ex.layouts[0]
        lines = [lay.lines[i] for i in sorted(zone) if i < len(lay.lines)]
        for line in lines:
            t = line.segments[0].text
            if re.search(r"[-–·|]\s.*\d{5}", t) or re.fullmatch(r"(?:herrn?|frau|firma|an)", t, re.I):
                continue
            if _not_a_name(t) or re.match(r"\d", t) or ":" in t or any(rx.match(t) for rx, _ in L.BUYER_NAME):
                continue
            ex.fields["BT-44"] = Field(_clean_name(t), 0.55, line.page, line.segments[0].bbox)
            return


_POSTCODE_CITY = re.compile(
    r"(?:(?P<cc>[A-Z]{1,2})-)?(?P<zip>\d{4,5}(?:\s?[A-Z]{2})?)\s+(?P<city>[A-ZÄÖÜ][\wÄÖÜäöüßéè .'-]+)"
)


def _seller_address(ex: Extraction, name: Candidate) -> None:
    """Street, postcode and city near where the seller's name was found."""
    lay = ex.layouts[name.page - 1]
    texts: list[tuple[str, BBox]] = []
    for line in lay.lines:
        for seg in line.segments:
            if seg.bbox == name.bbox or (seg.bbox[1] >= name.bbox[1] - 1 and name.value in seg.text):
                rest = seg.text.split(name.value, 1)[-1]
                texts += [(p, seg.bbox) for p in re.split(r"\s+[-–|·•]\s+|,\s+", rest) if p.strip()]
                texts += [(s.text, s.bbox) for s in segments_below(lay, seg, 3)]
                break
        if texts:
            break
    street = city = None
    for t, bbox in texts[:5]:
        m = _POSTCODE_CITY.fullmatch(t.strip())
        if m and city is None:
            city = (m, bbox)
        elif street is None and city is None and re.search(r"[A-Za-zäöüß]{3}.*\d", t) and len(t) < 60:
            street = (t.strip(), bbox)
    if street:
        ex.fields["BT-35"] = Field(street[0], 0.6, name.page, street[1])
    if city:
        m, bbox = city
        ex.fields["BT-38"] = Field(m.group("zip"), 0.6, name.page, bbox)
        ex.fields["BT-37"] = Field(m.group("city").strip(), 0.6, name.page, bbox)
        if m.group("cc"):
            cc = {"D": "DE", "A": "AT", "CH": "CH", "F": "FR", "NL": "NL", "B": "BE"}.get(m.group("cc"))
            if cc:
                ex.fields["BT-40"] = Field(cc, 0.6, name.page, bbox)


# --------------------------------------------------------------------------- payment terms

_DAYS_BY = re.compile(
    r"(?:within|innerhalb\s+von|innerhalb|binnen)\s+(\d{1,3})\s+(?:days|tagen|tage)\b[^\n]{0,40}?"
    r"(?:\bby|bis\s+zum|bis|until|spätestens\s+am)\s+(?P<date>[^\n]{6,20})",
    re.IGNORECASE,
)


def _issue_from_terms(ex: Extraction, full: str) -> None:
    """ "Pay within 14 days, by 04.06.2024" implies the invoice date: a cross-check, or a fallback."""
    from datetime import timedelta

    m = _DAYS_BY.search(full)
    if not m:
        return
    dates = list(find_dates(m.group("date"), ex.month_first))
    if not dates:
        return
    implied = dates[0].value - timedelta(days=int(m.group(1)))
    issue = ex.fields.get("BT-2")
    if issue is not None and issue.value == implied:
        issue.adjust(0.1, "matches the payment deadline minus the payment days")
    elif issue is None or issue.confidence < 0.4:
        ex.fields["BT-2"] = Field(implied, 0.45, None, None, ["payment deadline minus the payment days"])


_SKONTO = [
    re.compile(
        r"(?:innerhalb|binnen)\s+(?:von\s+)?(\d{1,3})\s+tag(?:en|e)?[^.%\n]{0,40}?(\d{1,2}(?:[.,]\d{1,2})?)\s*%\s*skonto",
        re.I,
    ),
    re.compile(r"(\d{1,2}(?:[.,]\d{1,2})?)\s*%\s*skonto[^.\n]{0,30}?(\d{1,3})\s+tag", re.I),
    re.compile(r"(\d{1,2}(?:[.,]\d{1,2})?)\s*%\s*(?:discount|cash\s+discount)[^.\n]{0,30}?(\d{1,3})\s+days", re.I),
]


def _payment_terms(ex: Extraction, full: str) -> None:
    best = _best(
        Candidate(
            (h.rest or " ".join(s.text for s in segments_right(h.layout, h.segment)[:2])).strip(),
            0.7 * h.weight,
            h.segment.page,
            h.rest_bbox or h.segment.bbox,
        )
        for h in label_hits(ex, L.PAYMENT_TERMS)
        if (h.rest or segments_right(h.layout, h.segment))
    )
    if best is not None and best.value:
        _set(ex, "BT-20", best)
    for i, rx in enumerate(_SKONTO):
        m = rx.search(full)
        if not m:
            continue
        days, pct = (m.group(1), m.group(2)) if i == 0 else (m.group(2), m.group(1))
        ex.fields["skonto"] = Field(
            [{"percent": Decimal(pct.replace(",", ".")), "days": int(days)}], 0.8, None, None, [m.group(0)]
        )
        if "BT-20" not in ex.fields:
            ex.fields["BT-20"] = Field(m.group(0), 0.6, None, None)
        break
    _issue_from_terms(ex, full)
    net_days = re.search(
        r"(?:net(?:to)?|zahlbar\s+(?:innerhalb|binnen))\s+(?:von\s+)?(\d{1,3})\s+(?:days|tage)", full, re.I
    )
    issue = ex.fields.get("BT-2")
    if "BT-9" not in ex.fields and net_days and issue is not None and isinstance(issue.value, date):
        from datetime import timedelta

        due = issue.value + timedelta(days=int(net_days.group(1)))
        ex.fields["BT-9"] = Field(due, round(0.6 * issue.confidence, 3), None, None, ["issue date + payment days"])
