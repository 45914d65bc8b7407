"""Vendor and customer dossiers (Akten), mirrored from the ERP's master data.

The archive does not edit master data: a CSV export of the vendor or customer master is
imported; the first import creates a dossier per partner number, later imports update name,
address and identifiers (and reactivate or, with ``deactivate_missing``, deactivate dossiers).
Every record whose index data names the partner (``vendor_no`` / ``customer_no``) is in the
dossier; registers inside a dossier are the document classes. Letters, e-mails and contracts
are added by filing them with the partner's number (see :func:`upload_to_dossier`).

CSV layout (same as :mod:`belegwerk.capture.masterdata`): UTF-8 (BOM allowed), ``;`` or ``,``
or tab separated, a header row with the columns ``number, name, street, postcode, city,
country, vat_id, tax_number, iban, gl_account, cost_centre, payment_terms``; ``number`` and
``name`` are required, German header names (``kreditor``, ``firma``, ``plz``, ``ort`` ...) are
accepted as aliases. Customer CSVs use the same columns (``debitor``/``kunde`` for the number).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from belegwerk.archive import audit
from belegwerk.archive.access import Viewer, dossier_filter, record_filter
from belegwerk.archive.blobstore import ArchiveBlobStore
from belegwerk.archive.classes import CLASSES, DocumentClass
from belegwerk.archive.errors import ArchiveError
from belegwerk.archive.records import file_record
from belegwerk.db.models import ArchiveDossier, ArchiveRecord, Role

KINDS = ("vendor", "customer")
FIELDS = (
    "name",
    "street",
    "postcode",
    "city",
    "country",
    "vat_id",
    "tax_number",
    "iban",
    "gl_account",
    "cost_centre",
    "payment_terms",
)
ALIASES: dict[str, tuple[str, ...]] = {
    "number": (
        "number",
        "vendor_number",
        "customer_number",
        "kreditor",
        "kreditorennummer",
        "lieferantennummer",
        "debitor",
        "debitorennummer",
        "kundennummer",
        "nr",
    ),
    "name": ("name", "vendor_name", "customer_name", "firma", "lieferant", "kunde"),
    "street": ("street", "strasse", "straße", "address"),
    "postcode": ("postcode", "zip", "plz", "postleitzahl"),
    "city": ("city", "ort", "stadt"),
    "country": ("country", "land", "country_code"),
    "vat_id": ("vat_id", "ust_idnr", "ustid", "vat"),
    "tax_number": ("tax_number", "steuernummer", "stnr"),
    "iban": ("iban",),
    "gl_account": ("gl_account", "sachkonto", "konto", "account"),
    "cost_centre": ("cost_centre", "cost_center", "kostenstelle"),
    "payment_terms": ("payment_terms", "zahlungsbedingung", "zahlungsbedingungen", "terms"),
}
UPLOAD_CLASSES = (DocumentClass.LETTER, DocumentClass.EMAIL, DocumentClass.CONTRACT, DocumentClass.OTHER)


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    errors: list[str] = field(default_factory=list)


def parse_csv(text_data: str) -> list[dict[str, str]]:
    text_data = text_data.lstrip("\ufeff")
    try:
        delimiter = csv.Sniffer().sniff(text_data[:4096], delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = ";"
    reader = csv.DictReader(io.StringIO(text_data), delimiter=delimiter)
    if not reader.fieldnames:
        raise ArchiveError("the CSV file is empty")
    mapping: dict[str, str] = {}
    for header in reader.fieldnames:
        key = header.strip().lower().replace(" ", "_").replace("-", "_")
        for name, aliases in ALIASES.items():
            if key in aliases and name not in mapping:
                mapping[name] = header
    missing = [c for c in ("number", "name") if c not in mapping]
    if missing:
        raise ArchiveError(f"the CSV lacks the column(s) {', '.join(missing)}; found {', '.join(reader.fieldnames)}")
    return [{name: (row.get(h) or "").strip() for name, h in mapping.items()} for row in reader]


def import_masterdata(
    session: Session, company_id: str, kind: str, text_data: str, *, actor: str, deactivate_missing: bool = False
) -> ImportResult:
    """Create or update the dossiers of one kind from a master-data CSV (a full or partial export)."""
    if kind not in KINDS:
        raise ArchiveError(f"dossier kind must be one of {', '.join(KINDS)}")
    result = ImportResult(kind)
    rows = parse_csv(text_data)
    existing = {
        d.number: d
        for d in session.scalars(
            select(ArchiveDossier).where(ArchiveDossier.company_id == company_id, ArchiveDossier.kind == kind)
        )
    }
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        number = row.get("number", "")
        if not number or not row.get("name"):
            result.errors.append(f"line {line}: number and name are required")
            continue
        if len(number) > 40:
            result.errors.append(f"line {line}: number {number[:20]}… is longer than 40 characters")
            continue
        seen.add(number)
        values = {f: row.get(f, "")[: _limit(f)] for f in FIELDS}
        values["country"] = values["country"].upper()[:2]
        values["iban"] = values["iban"].replace(" ", "").upper()
        dossier = existing.get(number)
        if dossier is None:
            dossier = ArchiveDossier(company_id=company_id, kind=kind, number=number, **values)
            session.add(dossier)
            session.flush()
            existing[number] = dossier
            result.created += 1
            _audit(session, dossier, actor, "create", None, values)
            continue
        before = {f: getattr(dossier, f) for f in FIELDS}
        if before == values and dossier.active:
            result.unchanged += 1
            continue
        for f, v in values.items():
            setattr(dossier, f, v)
        dossier.active = True
        dossier.updated_at = datetime.now(UTC)
        session.flush()
        result.updated += 1
        _audit(session, dossier, actor, "sync", before, values)
    if deactivate_missing:
        for number, dossier in existing.items():
            if number not in seen and dossier.active:
                dossier.active = False
                dossier.updated_at = datetime.now(UTC)
                session.flush()
                result.deactivated += 1
                _audit(session, dossier, actor, "deactivate", {"active": True}, {"active": False})
    return result


def _limit(name: str) -> int:
    length = getattr(ArchiveDossier.__table__.c[name].type, "length", None)
    return int(length or 200)


def _audit(session: Session, d: ArchiveDossier, actor: str, action: str, before: Any, after: Any) -> None:
    audit.record(
        session,
        company_id=d.company_id,
        actor=actor,
        object_type="archive_dossier",
        object_id=f"{d.kind}:{d.number}",
        action=action,
        before=before,
        after=after,
    )


def list_dossiers(
    session: Session,
    company_id: str,
    *,
    kind: str | None = None,
    text_filter: str = "",
    limit: int = 500,
    viewer: Viewer | Role = Role.ADMIN,
) -> list[tuple[ArchiveDossier, int]]:
    """Dossiers the viewer may open, with the number of records in each the viewer may see."""
    stmt = select(ArchiveDossier).where(ArchiveDossier.company_id == company_id, dossier_filter(viewer))
    if kind:
        stmt = stmt.where(ArchiveDossier.kind == kind)
    if text_filter.strip():
        like = f"%{text_filter.strip()}%"
        stmt = stmt.where(ArchiveDossier.name.ilike(like) | ArchiveDossier.number.ilike(like))
    dossiers = list(session.scalars(stmt.order_by(ArchiveDossier.kind, ArchiveDossier.number).limit(limit)))
    rows = session.execute(
        select(ArchiveRecord.partner_kind, ArchiveRecord.partner_number, func.count(ArchiveRecord.id))
        .where(ArchiveRecord.company_id == company_id, ArchiveRecord.partner_number.is_not(None), record_filter(viewer))
        .group_by(ArchiveRecord.partner_kind, ArchiveRecord.partner_number)
    ).all()
    counts = {f"{kind}:{number}": int(n) for kind, number, n in rows}
    return [(d, counts.get(f"{d.kind}:{d.number}", 0)) for d in dossiers]


def get_dossier(session: Session, company_id: str, kind: str, number: str) -> ArchiveDossier:
    d = session.scalar(
        select(ArchiveDossier).where(
            ArchiveDossier.company_id == company_id, ArchiveDossier.kind == kind, ArchiveDossier.number == number
        )
    )
    if d is None:
        raise ArchiveError(f"no {kind} dossier {number}")
    return d


def registers(session: Session, dossier: ArchiveDossier, role: Viewer | Role) -> dict[str, list[ArchiveRecord]]:
    """The dossier's records the viewer may see, grouped by document class (its registers)."""
    from belegwerk.archive.search import _superseded

    rows = session.scalars(
        select(ArchiveRecord)
        .where(
            ArchiveRecord.company_id == dossier.company_id,
            ArchiveRecord.partner_kind == dossier.kind,
            ArchiveRecord.partner_number == dossier.number,
            ~_superseded(),
            record_filter(role),
        )
        .order_by(ArchiveRecord.doc_date.desc(), ArchiveRecord.id.desc())
    )
    out: dict[str, list[ArchiveRecord]] = {c.value: [] for c in CLASSES}
    for rec in rows:
        out[rec.document_class].append(rec)
    return {k: v for k, v in out.items() if v}


def upload_to_dossier(
    session: Session,
    store: ArchiveBlobStore,
    dossier: ArchiveDossier,
    *,
    document_class: str,
    filename: str,
    data: bytes,
    actor: str,
    index: dict[str, Any] | None = None,
    text_content: str = "",
) -> ArchiveRecord:
    """File a letter, e-mail, contract (or other document) into a partner's dossier."""
    if document_class not in {c.value for c in UPLOAD_CLASSES}:
        allowed = ", ".join(c.value for c in UPLOAD_CLASSES)
        raise ArchiveError(f"documents uploaded into a dossier are one of: {allowed}")
    key = "vendor_no" if dossier.kind == "vendor" else "customer_no"
    return file_record(
        session,
        store,
        company_id=dossier.company_id,
        document_class=document_class,
        filename=filename,
        data=data,
        index={**(index or {}), key: dossier.number},
        actor=actor,
        text_content=text_content,
    )
