"""Finding records: full text plus index fields, saved searches and ERP context views.

Full text covers the text content given at filing (XML text, extracted or OCR text), the file
name and the index data. PostgreSQL uses a generated ``tsvector`` column with the ``german``
configuration (stemming: "Rechnungen" finds "Rechnung") and a GIN index; SQLite uses an FTS5
table kept by triggers. Both are created in migration 0002.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, exists, func, literal_column, select, text
from sqlalchemy.orm import Session, aliased

from belegwerk.archive import audit
from belegwerk.archive.access import Viewer, record_filter
from belegwerk.archive.errors import ArchiveError
from belegwerk.archive.records import active_hold
from belegwerk.db.models import ArchiveHold, ArchiveRecord, ArchiveSavedSearch, Role

STATES = ("current", "superseded", "held", "all")
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass
class SearchQuery:
    text: str = ""
    document_class: str | None = None
    vendor_no: str | None = None
    customer_no: str | None = None
    document_number: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    currency: str | None = None
    order_number: str | None = None
    posting_number: str | None = None
    process_id: str | None = None
    state: str = "current"
    limit: int = 50
    offset: int = 0

    def to_json(self) -> str:
        return audit.canonical_json({k: v for k, v in asdict(self).items() if v not in (None, "")})

    @classmethod
    def from_json(cls, raw: str) -> SearchQuery:
        data: dict[str, Any] = json.loads(raw)
        for key in ("date_from", "date_to"):
            if key in data:
                data[key] = date.fromisoformat(data[key])
        for key in ("amount_min", "amount_max"):
            if key in data:
                data[key] = Decimal(data[key])
        return cls(**data)


COUNT_CAP = 10_000


@dataclass(frozen=True)
class SearchResult:
    total: int  # exact up to COUNT_CAP; beyond that COUNT_CAP and ``more`` is True
    records: list[ArchiveRecord]
    more: bool = False


def _superseded() -> Any:
    newer = aliased(ArchiveRecord)
    return exists().where(newer.previous_id == ArchiveRecord.id)


def _fulltext(session: Session, words: str) -> Any:
    tokens = _TOKEN.findall(words)
    if not tokens:
        return None
    if session.get_bind().dialect.name == "postgresql":
        query = func.plainto_tsquery(literal_column("'german'::regconfig"), " ".join(tokens))
        return literal_column("archive_record.search_vector").op("@@")(query)
    fts = " ".join('"' + t.replace('"', "") + '"' for t in tokens)
    return ArchiveRecord.id.in_(
        select(literal_column("rowid"))
        .select_from(text("archive_fts"))
        .where(text("archive_fts MATCH :fts").bindparams(fts=fts))
    )


def build(session: Session, company_id: str, q: SearchQuery, role: Viewer | Role) -> Select[ArchiveRecord]:
    if q.state not in STATES:
        raise ArchiveError(f"state must be one of {', '.join(STATES)}")
    stmt = select(ArchiveRecord).where(ArchiveRecord.company_id == company_id, record_filter(role))
    if q.text.strip():
        clause = _fulltext(session, q.text)
        if clause is not None:
            stmt = stmt.where(clause)
    equal = {
        ArchiveRecord.document_class: q.document_class,
        ArchiveRecord.doc_number: q.document_number,
        ArchiveRecord.currency: q.currency.upper() if q.currency else None,
        ArchiveRecord.order_number: q.order_number,
        ArchiveRecord.posting_number: q.posting_number,
        ArchiveRecord.process_id: q.process_id,
    }
    for column, value in equal.items():
        if value:
            stmt = stmt.where(column == value)
    if q.vendor_no:
        stmt = stmt.where(ArchiveRecord.partner_kind == "vendor", ArchiveRecord.partner_number == q.vendor_no)
    if q.customer_no:
        stmt = stmt.where(ArchiveRecord.partner_kind == "customer", ArchiveRecord.partner_number == q.customer_no)
    if q.date_from:
        stmt = stmt.where(ArchiveRecord.doc_date >= q.date_from)
    if q.date_to:
        stmt = stmt.where(ArchiveRecord.doc_date <= q.date_to)
    if q.amount_min is not None:
        stmt = stmt.where(ArchiveRecord.amount >= q.amount_min)
    if q.amount_max is not None:
        stmt = stmt.where(ArchiveRecord.amount <= q.amount_max)
    if q.state == "current":
        stmt = stmt.where(~_superseded())
    elif q.state == "superseded":
        stmt = stmt.where(_superseded())
    elif q.state == "held":
        stmt = stmt.where(
            exists().where(ArchiveHold.record_uid == ArchiveRecord.record_uid, ArchiveHold.released_at.is_(None))
        )
    return stmt


def search(session: Session, company_id: str, q: SearchQuery, role: Viewer | Role) -> SearchResult:
    stmt = build(session, company_id, q, role)
    # Counting every hit of a broad query costs more than the page itself; like search engines we
    # count exactly up to a cap and say "more than" beyond it.
    capped = stmt.with_only_columns(ArchiveRecord.id).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    page = stmt.order_by(ArchiveRecord.doc_date.desc(), ArchiveRecord.id.desc()).limit(max(1, min(q.limit, 500)))
    records = list(session.scalars(page.offset(max(0, q.offset))))
    return SearchResult(min(total, COUNT_CAP), records, total > COUNT_CAP)


def is_held(session: Session, rec: ArchiveRecord) -> bool:
    return active_hold(session, rec.company_id, rec.record_uid) is not None


# --- saved searches ------------------------------------------------------------------------------


def save_search(session: Session, company_id: str, owner: str, name: str, q: SearchQuery) -> ArchiveSavedSearch:
    name = name.strip()
    if not name or len(name) > 100:
        raise ArchiveError("a saved search needs a name of 1-100 characters")
    row = session.scalar(
        select(ArchiveSavedSearch).where(
            ArchiveSavedSearch.company_id == company_id,
            ArchiveSavedSearch.owner == owner,
            ArchiveSavedSearch.name == name,
        )
    )
    if row is None:
        row = ArchiveSavedSearch(company_id=company_id, owner=owner, name=name, query=q.to_json())
        session.add(row)
    else:
        row.query = q.to_json()
    session.flush()
    audit.record(
        session,
        company_id=company_id,
        actor=owner,
        object_type="archive_saved_search",
        object_id=row.id,
        action="save",
        after={"name": name, "query": row.query},
    )
    return row


def saved_searches(session: Session, company_id: str, owner: str) -> list[ArchiveSavedSearch]:
    return list(
        session.scalars(
            select(ArchiveSavedSearch)
            .where(ArchiveSavedSearch.company_id == company_id, ArchiveSavedSearch.owner == owner)
            .order_by(ArchiveSavedSearch.name)
        )
    )


def get_saved(session: Session, company_id: str, owner: str, search_id: int) -> ArchiveSavedSearch:
    row = session.get(ArchiveSavedSearch, search_id)
    if row is None or row.company_id != company_id or row.owner != owner:
        raise ArchiveError(f"saved search {search_id} not found")
    return row


# --- context views -------------------------------------------------------------------------------

CONTEXT_KINDS = ("vendor", "customer", "order", "posting", "process")


def context(session: Session, company_id: str, kind: str, reference: str, role: Viewer | Role) -> list[ArchiveRecord]:
    """Records linked to an ERP object: all of a vendor/customer; the matching ones for an order,
    a posting/document number or a process id. Current versions only (the history is one click on)."""
    q = SearchQuery(limit=500)
    if kind == "vendor":
        q.vendor_no = reference
    elif kind == "customer":
        q.customer_no = reference
    elif kind == "order":
        q.order_number = reference
    elif kind == "process":
        q.process_id = reference
    elif kind == "posting":
        stmt = build(session, company_id, q, role).where(
            (ArchiveRecord.posting_number == reference) | (ArchiveRecord.doc_number == reference)
        )
        return list(session.scalars(stmt.order_by(ArchiveRecord.id)))
    else:
        raise ArchiveError(f"context kind must be one of {', '.join(CONTEXT_KINDS)}")
    return search(session, company_id, q, role).records
