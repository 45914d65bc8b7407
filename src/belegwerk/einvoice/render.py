"""Human-readable rendering of any invoice: HTML (Jinja2) and PDF (WeasyPrint).

An e-invoice is only data; whoever checks or approves it needs to see it like a paper invoice.
The rendering shows every business term that is present, grouped as on paper (header, parties,
lines, allowances and charges, VAT, totals, payment, notes, references, attachments), with
German labels and the BT id in small type so a reader can match what they see to the standard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

import jinja2

from belegwerk.domain.invoice import InvoiceData, to_bt_fields
from belegwerk.domain.money import parse_decimal
from belegwerk.domain.terms import GROUP_LABELS, TERM_LABELS, TYPE_CODE_LABELS

#: Terms whose values are money (formatted with two decimals at least and the currency).
AMOUNT_TERMS: Final = frozenset(
    {
        *(f"BT-{n}" for n in (92, 93, 99, 100, 136, 137, 141, 142, 146, 147, 148)),
        *(f"BT-{n}" for n in range(106, 118)),
        "BT-131",
    }
)
#: Terms whose values are percentages.
PERCENT_TERMS: Final = frozenset({"BT-94", "BT-96", "BT-101", "BT-103", "BT-119", "BT-138", "BT-143", "BT-152"})
#: Terms whose values are dates.
DATE_TERMS: Final = frozenset({"BT-2", "BT-7", "BT-9", "BT-26", "BT-72", "BT-73", "BT-74", "BT-134", "BT-135"})
#: Terms that are quantities (shown with German decimal comma, scale kept).
QUANTITY_TERMS: Final = frozenset({"BT-129", "BT-149"})

HEADER_TERMS: Final = ("BT-1", "BT-2", "BT-3", "BT-9", "BT-7", "BT-8", "BT-5", "BT-6")
REFERENCE_TERMS: Final = (
    "BT-10",
    "BT-13",
    "BT-14",
    "BT-12",
    "BT-11",
    "BT-15",
    "BT-16",
    "BT-17",
    "BT-18",
    "BT-18-1",
    "BT-19",
    "BT-23",
    "BT-24",
)
SELLER_TERMS: Final = (
    "BT-27", "BT-28", "BT-35", "BT-36", "BT-162", "BT-38", "BT-37", "BT-39", "BT-40",
    "BT-29", "BT-29-1", "BT-30", "BT-30-1", "BT-31", "BT-32", "BT-33", "BT-34", "BT-34-1",
    "BT-41", "BT-42", "BT-43",
)  # fmt: skip
BUYER_TERMS: Final = (
    "BT-44", "BT-45", "BT-50", "BT-51", "BT-163", "BT-53", "BT-52", "BT-54", "BT-55",
    "BT-46", "BT-46-1", "BT-47", "BT-47-1", "BT-48", "BT-49", "BT-49-1", "BT-56", "BT-57", "BT-58",
)  # fmt: skip
PAYEE_TERMS: Final = ("BT-59", "BT-60", "BT-60-1", "BT-61", "BT-61-1")
TAX_REPRESENTATIVE_TERMS: Final = ("BT-62", "BT-63", "BT-64", "BT-65", "BT-164", "BT-67", "BT-66", "BT-68", "BT-69")
DELIVERY_TERMS: Final = (
    "BT-70", "BT-71", "BT-71-1", "BT-72", "BT-73", "BT-74",
    "BT-75", "BT-76", "BT-165", "BT-78", "BT-77", "BT-79", "BT-80",
)  # fmt: skip
PAYMENT_TERMS: Final = ("BT-81", "BT-82", "BT-83", "BT-20", "BT-87", "BT-88", "BT-89", "BT-90", "BT-91")
TOTAL_TERMS: Final = (
    "BT-106", "BT-107", "BT-108", "BT-109", "BT-110", "BT-111", "BT-112", "BT-113", "BT-114", "BT-115",
)  # fmt: skip
LINE_DETAIL_TERMS: Final = (
    "BT-154", "BT-155", "BT-156", "BT-157", "BT-157-1", "BT-158", "BT-158-1", "BT-158-2", "BT-159",
    "BT-127", "BT-128", "BT-128-1", "BT-132", "BT-133", "BT-134", "BT-135",
    "BT-148", "BT-147", "BT-149", "BT-150",
)  # fmt: skip

ALLOWANCE_COLUMNS: Final = ("BT-97", "BT-98", "BT-93", "BT-94", "BT-95", "BT-96", "BT-92")
CHARGE_COLUMNS: Final = ("BT-104", "BT-105", "BT-100", "BT-101", "BT-102", "BT-103", "BT-99")


@dataclass
class Row:
    """One labelled value: what a reader sees, and the BT id that says what it is."""

    term: str
    label: str
    value: str


@dataclass
class Table:
    """A repeated group shown as a table: column headers and rows of formatted cells."""

    group: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[list[str]] = field(default_factory=list)


def _german_number(text: str, min_places: int = 0) -> str:
    value = parse_decimal(text)
    exponent = value.as_tuple().exponent
    places = max(min_places, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    formatted = f"{value:,.{places}f}"
    return formatted.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def format_value(term: str, value: Any, currency: str = "") -> str:
    """Format a ``to_bt_fields`` value for a German reader (1.234,50 EUR; 31.05.2024; 19 %)."""
    if isinstance(value, list):
        return ", ".join(format_value(term, v, currency) for v in value if v is not None)
    text = str(value)
    try:
        if term in AMOUNT_TERMS:
            return f"{_german_number(text, 2)} {currency}".strip()
        if term in PERCENT_TERMS:
            return f"{_german_number(text)} %"
        if term in QUANTITY_TERMS:
            return _german_number(text)
        if term in DATE_TERMS:
            return date.fromisoformat(text).strftime("%d.%m.%Y")
    except ValueError:
        return text
    if term == "BT-3":
        name = TYPE_CODE_LABELS.get(text)
        return f"{name} ({text})" if name else text
    return text


def _rows(fields: dict[str, Any], terms: tuple[str, ...], currency: str) -> list[Row]:
    return [
        Row(term, TERM_LABELS.get(term, term), format_value(term, fields[term], currency))
        for term in terms
        if term in fields
    ]


def _table(fields: dict[str, Any], group: str, columns: tuple[str, ...], currency: str) -> Table | None:
    entries = fields.get(group) or []
    if not entries:
        return None
    used = [c for c in columns if any(c in entry for entry in entries)]
    table = Table(group, GROUP_LABELS.get(group, group), [(c, TERM_LABELS.get(c, c)) for c in used])
    for entry in entries:
        table.rows.append([format_value(c, entry[c], currency) if c in entry else "" for c in used])
    return table


@dataclass
class LineView:
    """One invoice line prepared for the lines table."""

    fields: dict[str, str]
    details: list[Row]
    allowances: list[Row]
    attributes: list[tuple[str, str]]
    #: 0 for an invoice line, 1+ for XRechnung-Extension sub-lines below it.
    depth: int = 0


def _line_views(lines: list[dict[str, Any]], currency: str, depth: int = 0) -> list[LineView]:
    """Lines in reading order, each followed by its sub-lines (BG-DEX-01), indented by depth."""
    views: list[LineView] = []
    for line in lines:
        view = _line_view(line, currency)
        view.depth = depth
        views.append(view)
        views.extend(_line_views(line.get("BG-DEX-01", []), currency, depth + 1))
    return views


def _line_view(line: dict[str, Any], currency: str) -> LineView:
    cells = {term: format_value(term, value, currency) for term, value in line.items() if not term.startswith("BG-")}
    allowances: list[Row] = []
    for group, amount_term, reason_terms in (
        ("BG-27", "BT-136", ("BT-139", "BT-140", "BT-138")),
        ("BG-28", "BT-141", ("BT-144", "BT-145", "BT-143")),
    ):
        for entry in line.get(group, []):
            reason = "; ".join(format_value(t, entry[t], currency) for t in reason_terms if t in entry)
            amount = format_value(amount_term, entry.get(amount_term, ""), currency)
            allowances.append(Row(group, GROUP_LABELS[group], f"{amount} ({reason})" if reason else amount))
    return LineView(
        fields=cells,
        details=_rows(line, LINE_DETAIL_TERMS, currency),
        allowances=allowances,
        attributes=[(a.get("BT-160", ""), a.get("BT-161", "")) for a in line.get("BG-32", [])],
    )


def _attachments(invoice: InvoiceData) -> list[dict[str, str]]:
    items = []
    for doc in invoice.supporting_documents:
        item = {"reference": doc.reference, "description": doc.description or "", "uri": doc.external_uri or ""}
        if doc.attachment is not None:
            item["filename"] = doc.attachment.filename
            item["mime"] = doc.attachment.mime_code
            item["size"] = f"{len(doc.attachment.content):,} Bytes".replace(",", ".")
        items.append(item)
    return items


def invoice_view(invoice: InvoiceData) -> dict[str, Any]:
    """Everything the template shows, already formatted (the template only lays it out)."""
    fields = to_bt_fields(invoice)
    currency = invoice.currency
    credit_transfers = _table(fields, "BG-17", ("BT-84", "BT-85", "BT-86"), currency)
    return {
        "title": TYPE_CODE_LABELS.get(invoice.type_code, "Rechnung"),
        "number": invoice.number,
        "currency": currency,
        "header": _rows(fields, HEADER_TERMS, currency),
        "references": _rows(fields, REFERENCE_TERMS, currency),
        "seller": _rows(fields, SELLER_TERMS, currency),
        "buyer": _rows(fields, BUYER_TERMS, currency),
        "payee": _rows(fields, PAYEE_TERMS, currency),
        "tax_representative": _rows(fields, TAX_REPRESENTATIVE_TERMS, currency),
        "delivery": _rows(fields, DELIVERY_TERMS, currency),
        "lines": _line_views(fields.get("BG-25", []), currency),
        "allowances": _table(
            fields, "BG-20", ("BT-97", "BT-98", "BT-93", "BT-94", "BT-95", "BT-96", "BT-92"), currency
        ),
        "charges": _table(
            fields, "BG-21", ("BT-104", "BT-105", "BT-100", "BT-101", "BT-102", "BT-103", "BT-99"), currency
        ),
        "vat": _table(fields, "BG-23", ("BT-118", "BT-119", "BT-116", "BT-117", "BT-120", "BT-121"), currency),
        "totals": _rows(fields, TOTAL_TERMS, currency),
        "payment": _rows(fields, PAYMENT_TERMS, currency),
        "credit_transfers": credit_transfers,
        "notes": _table(fields, "BG-1", ("BT-21", "BT-22"), currency),
        "preceding": _table(fields, "BG-3", ("BT-25", "BT-26"), currency),
        "attachments": _attachments(invoice),
        "labels": TERM_LABELS,
        "group_labels": GROUP_LABELS,
    }


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("belegwerk.einvoice", "templates"),
    autoescape=jinja2.select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def render_html(invoice: InvoiceData) -> str:
    """The invoice as a standalone HTML page (inline CSS, no external resources)."""
    return _ENV.get_template("invoice.html").render(**invoice_view(invoice))


def render_pdf(invoice: InvoiceData, *, pdf_variant: str | None = "pdf/a-3b") -> bytes:
    """The invoice as PDF; PDF/A-3b by default, so it can carry an embedded XML (Factur-X)."""
    import weasyprint  # lazy: heavy import, only needed for PDF output

    html = weasyprint.HTML(string=render_html(invoice))
    result = html.write_pdf(pdf_variant=pdf_variant) if pdf_variant else html.write_pdf()
    return bytes(result)


def amount_text(value: Decimal, currency: str) -> str:
    """How an amount appears in the rendering (used by callers and tests to look for it)."""
    return format_value("BT-115", str(value), currency)
