"""Document classes of the archive and their legal retention periods.

The periods follow §147 AO / §257 HGB as amended by the BEG IV (in force 1 Jan 2025):
accounting vouchers (Buchungsbelege) incl. invoices 8 years, books, annual statements and
organisational documents 10 years, received and sent commercial letters and other tax-relevant
documents 6 years. A period runs from the end of the calendar year in which the document was
dated (or filed, if it carries no date), so a 2024 invoice may be deleted from 1 Jan 2033.
Companies may lengthen a period, never shorten it below the legal minimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from belegwerk.archive.errors import ArchiveError


class DocumentClass(StrEnum):
    INCOMING_INVOICE = "incoming_invoice"
    OUTGOING_INVOICE = "outgoing_invoice"
    VOUCHER = "voucher"
    POSTING_DATA = "posting_data"
    ANNUAL_STATEMENT = "annual_statement"
    ORGANISATIONAL = "organisational"
    EDOCUMENT_MESSAGE = "edocument_message"
    OUTGOING_DOCUMENT = "outgoing_document"
    EMAIL = "email"
    LETTER = "letter"
    CONTRACT = "contract"
    OTHER = "other"


@dataclass(frozen=True)
class ClassInfo:
    label: str
    legal_years: int
    basis: str  # the legal category the period comes from


CLASSES: dict[DocumentClass, ClassInfo] = {
    DocumentClass.INCOMING_INVOICE: ClassInfo("Incoming invoice", 8, "§147(1) no. 4 AO voucher, §14b UStG"),
    DocumentClass.OUTGOING_INVOICE: ClassInfo("Outgoing invoice", 8, "§147(1) no. 4 AO voucher, §14b UStG"),
    DocumentClass.VOUCHER: ClassInfo("Other accounting voucher", 8, "§147(1) no. 4 AO voucher"),
    DocumentClass.POSTING_DATA: ClassInfo("Posting data (books)", 10, "§147(1) no. 1 AO books and records"),
    DocumentClass.ANNUAL_STATEMENT: ClassInfo("Annual statement", 10, "§147(1) no. 1 AO annual statements"),
    DocumentClass.ORGANISATIONAL: ClassInfo(
        "Organisational document (Verfahrensdokumentation)", 10, "§147(1) no. 1 AO organisational documents"
    ),
    DocumentClass.EDOCUMENT_MESSAGE: ClassInfo("E-document message", 6, "§147(1) no. 2/3 AO commercial letters"),
    DocumentClass.OUTGOING_DOCUMENT: ClassInfo("Outgoing document", 6, "§147(1) no. 3 AO sent commercial letters"),
    DocumentClass.EMAIL: ClassInfo("E-mail", 6, "§147(1) no. 2/3 AO commercial letters"),
    DocumentClass.LETTER: ClassInfo("Letter", 6, "§147(1) no. 2/3 AO commercial letters"),
    DocumentClass.CONTRACT: ClassInfo("Contract", 6, "§147(1) no. 5 AO other tax-relevant documents"),
    DocumentClass.OTHER: ClassInfo("Other tax-relevant document", 6, "§147(1) no. 5 AO other documents"),
}

# Classes whose records an approver may see (the invoices they approve); letters, e-mails and
# contracts in dossiers can be confidential and are for clerks, admins and auditors.
APPROVER_CLASSES = frozenset({DocumentClass.INCOMING_INVOICE, DocumentClass.OUTGOING_INVOICE, DocumentClass.VOUCHER})


def parse_class(value: str) -> DocumentClass:
    try:
        return DocumentClass(value)
    except ValueError:
        names = ", ".join(c.value for c in DocumentClass)
        raise ArchiveError(f"unknown document class {value!r} (one of: {names})") from None


def retention_end(base: date, years: int) -> date:
    """Last day of retention: 31 Dec of the year ``years`` after the base year (§147(4) AO)."""
    return date(base.year + years, 12, 31)
