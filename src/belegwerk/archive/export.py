"""Auditor export (GoBD data access Z3, "Datenträgerüberlassung").

Writes a data carrier the tax auditor's software can read: ``index.xml`` in the structure of
the tax authorities' description standard (DataSet / Version / DataSupplier / Media / Table
with URL, Name, Description, Validity, UTF8, DecimalSymbol, DigitGroupingSymbol and a
VariableLength description of every column: AlphaNumeric, Numeric with Accuracy, Date with
Format), the described CSV tables, the documents as filed, and a ``manifest.json`` plus
``SHA256SUMS`` listing every file with its SHA-256 (``sha256sum -c SHA256SUMS`` checks a carrier).

Tables: ``records.csv`` (one row per version: class, partner, number, date, amount, file,
hash, manifest hash), ``index_fields.csv`` (every index field, so company-specific fields stay
machine-evaluable) and ``manifest_chain.csv`` (the sealed chain, for the auditor's own check).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path, PurePosixPath

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from belegwerk import __version__
from belegwerk.archive import audit
from belegwerk.archive.blobstore import ArchiveBlobStore
from belegwerk.archive.classes import parse_class
from belegwerk.archive.errors import ArchiveError
from belegwerk.archive.records import index_of, manifest_for
from belegwerk.db.models import ArchiveManifest, ArchiveRecord, Company

DTD_NAME = "gdpdu-01-09-2004.dtd"
DATE_FORMAT = "DD.MM.YYYY"


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    kind: str  # alnum | numeric | date
    accuracy: int = 0


@dataclass(frozen=True)
class TableSpec:
    url: str
    name: str
    description: str
    primary_key: tuple[Column, ...]
    columns: tuple[Column, ...]
    foreign_key: tuple[str, str] | None = None  # (column, referenced table name)


RECORDS = TableSpec(
    "records.csv",
    "Belege",
    "Archived records (one row per version)",
    (Column("record_id", "Record version id", "numeric"),),
    (
        Column("record_uid", "Record id shared by all versions", "alnum"),
        Column("version", "Version number", "numeric"),
        Column("previous_id", "Record version this one corrects", "alnum"),
        Column("document_class", "Document class", "alnum"),
        Column("vendor_no", "Vendor number", "alnum"),
        Column("customer_no", "Customer number", "alnum"),
        Column("document_number", "Document number", "alnum"),
        Column("document_date", "Document date", "date"),
        Column("amount", "Amount", "numeric", 2),
        Column("currency", "Currency (ISO 4217)", "alnum"),
        Column("order_number", "Purchase order number", "alnum"),
        Column("posting_number", "Posting / document number in the ledger", "alnum"),
        Column("filename", "File name as received", "alnum"),
        Column("media_type", "Media type", "alnum"),
        Column("size", "Size in bytes", "numeric"),
        Column("sha256", "SHA-256 of the original", "alnum"),
        Column("document_file", "Path of the original on this carrier", "alnum"),
        Column("filed_date", "Date of filing", "date"),
        Column("filed_by", "Filed by", "alnum"),
        Column("retain_until", "End of the retention period", "date"),
        Column("manifest_hash", "Hash of the sealed manifest", "alnum"),
    ),
)
INDEX_FIELDS = TableSpec(
    "index_fields.csv",
    "Indexfelder",
    "All index data of each record version",
    (Column("record_id", "Record version id", "numeric"), Column("field", "Index field", "alnum")),
    (Column("value", "Value", "alnum"),),
    ("record_id", "Belege"),
)
CHAIN = TableSpec(
    "manifest_chain.csv",
    "Manifestkette",
    "The company's sealed manifest chain (hash-linked)",
    (Column("seq", "Position in the chain", "numeric"),),
    (
        Column("kind", "record or disposal", "alnum"),
        Column("record_id", "Record version id", "numeric"),
        Column("record_uid", "Record id", "alnum"),
        Column("prev_hash", "Hash of the previous manifest", "alnum"),
        Column("hash", "Hash of this manifest", "alnum"),
    ),
)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    records: int
    files: int


def _de_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def _de_amount(value: Decimal | None) -> str:
    if value is None:
        return ""
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)).replace(".", ",")


def _csv(rows: Iterable[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", quotechar='"', quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    return buf.getvalue().encode("utf-8")


def _sub(parent: etree._Element, tag: str, value: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if value is not None:
        el.text = value
    return el


def _column(parent: etree._Element, tag: str, col: Column) -> None:
    el = _sub(parent, tag)
    _sub(el, "Name", col.name)
    _sub(el, "Description", col.description)
    if col.kind == "numeric":
        numeric = _sub(el, "Numeric")
        if col.accuracy:
            _sub(numeric, "Accuracy", str(col.accuracy))
    elif col.kind == "date":
        _sub(_sub(el, "Date"), "Format", DATE_FORMAT)
    else:
        _sub(el, "AlphaNumeric")


def index_xml(company: Company, date_from: date, date_to: date, tables: list[TableSpec]) -> bytes:
    root = etree.Element("DataSet")
    _sub(root, "Version", "1.0")
    supplier = _sub(root, "DataSupplier")
    _sub(supplier, "Name", company.name)
    _sub(supplier, "Location", company.id)
    _sub(supplier, "Comment", f"Belegwerk {__version__} archive export {date_from.isoformat()}..{date_to.isoformat()}")
    media = _sub(root, "Media")
    _sub(media, "Name", "Archiv")
    for spec in tables:
        table = _sub(media, "Table")
        _sub(table, "URL", spec.url)
        _sub(table, "Name", spec.name)
        _sub(table, "Description", spec.description)
        validity = _sub(table, "Validity")
        period = _sub(validity, "Range")
        _sub(period, "From", _de_date(date_from))
        _sub(period, "To", _de_date(date_to))
        _sub(validity, "Format", DATE_FORMAT)
        _sub(table, "UTF8")
        _sub(table, "DecimalSymbol", ",")
        _sub(table, "DigitGroupingSymbol", ".")
        variable = _sub(table, "VariableLength")
        _sub(variable, "ColumnDelimiter", ";")
        _sub(variable, "RecordDelimiter", "&#13;&#10;")
        _sub(variable, "TextEncapsulator", '"')
        for col in spec.primary_key:
            _column(variable, "VariablePrimaryKey", col)
        for col in spec.columns:
            _column(variable, "VariableColumn", col)
        if spec.foreign_key:
            fk = _sub(variable, "ForeignKey")
            _sub(fk, "Name", spec.foreign_key[0])
            _sub(fk, "References", spec.foreign_key[1])
    body = etree.tostring(root, encoding="UTF-8", pretty_print=True).decode("utf-8")
    body = body.replace("&amp;#13;&amp;#10;", "&#13;&#10;")
    header = f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE DataSet SYSTEM "{DTD_NAME}">\n'
    return (header + body).encode("utf-8")


def _document_path(rec: ArchiveRecord) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in rec.filename)[:120] or "document"
    return str(PurePosixPath("documents") / f"{rec.id}-v{rec.version}-{safe}")


def build_files(
    session: Session,
    store: ArchiveBlobStore,
    company_id: str,
    date_from: date,
    date_to: date,
    classes: list[str] | None = None,
) -> tuple[dict[str, bytes], int]:
    """All files of the carrier (path → bytes), and the number of record versions in it."""
    company = session.get(Company, company_id)
    if company is None:
        raise ArchiveError(f"unknown company {company_id}")
    if date_to < date_from:
        raise ArchiveError("--to is before --from")
    stmt = select(ArchiveRecord).where(
        ArchiveRecord.company_id == company_id,
        ArchiveRecord.retention_base >= date_from,
        ArchiveRecord.retention_base <= date_to,
    )
    if classes:
        stmt = stmt.where(ArchiveRecord.document_class.in_([parse_class(c).value for c in classes]))
    recs = list(session.scalars(stmt.order_by(ArchiveRecord.id)))
    files: dict[str, bytes] = {}
    record_rows: list[list[str]] = [[c.name for c in RECORDS.primary_key + RECORDS.columns]]
    field_rows: list[list[str]] = [[c.name for c in INDEX_FIELDS.primary_key + INDEX_FIELDS.columns]]
    for rec in recs:
        index = index_of(rec)
        manifest = manifest_for(session, rec.id)
        path = _document_path(rec)
        files[path] = store.get(rec.blob_sha256)
        record_rows.append(
            [
                str(rec.id),
                rec.record_uid,
                str(rec.version),
                str(rec.previous_id or ""),
                rec.document_class,
                index.get("vendor_no", ""),
                index.get("customer_no", ""),
                rec.doc_number or "",
                _de_date(rec.doc_date),
                _de_amount(rec.amount),
                rec.currency or "",
                rec.order_number or "",
                rec.posting_number or "",
                rec.filename,
                rec.media_type,
                str(rec.size),
                rec.blob_sha256,
                path,
                _de_date(rec.filed_at.date()),
                rec.filed_by,
                _de_date(rec.retain_until),
                manifest.hash if manifest else "",
            ]
        )
        field_rows.extend([str(rec.id), key, value] for key, value in sorted(index.items()))
    chain_rows: list[list[str]] = [[c.name for c in CHAIN.primary_key + CHAIN.columns]]
    for m in session.scalars(
        select(ArchiveManifest).where(ArchiveManifest.company_id == company_id).order_by(ArchiveManifest.seq)
    ):
        chain_rows.append([str(m.seq), m.kind, str(m.record_id), m.record_uid, m.prev_hash, m.hash])
    files[RECORDS.url] = _csv(record_rows)
    files[INDEX_FIELDS.url] = _csv(field_rows)
    files[CHAIN.url] = _csv(chain_rows)
    files["index.xml"] = index_xml(company, date_from, date_to, [RECORDS, INDEX_FIELDS, CHAIN])
    listing = {p: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for p, b in sorted(files.items())}
    files["manifest.json"] = json.dumps(
        {
            "format": "belegwerk-archive-export/1",
            "company": company_id,
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "classes": classes or [],
            "records": len(recs),
            "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "files": listing,
        },
        indent=2,
        ensure_ascii=False,
    ).encode("utf-8")
    files["SHA256SUMS"] = "".join(f"{v['sha256']}  {p}\n" for p, v in listing.items()).encode("ascii")
    return files, len(recs)


def export(
    session: Session,
    store: ArchiveBlobStore,
    company_id: str,
    date_from: date,
    date_to: date,
    out: Path,
    *,
    actor: str,
    classes: list[str] | None = None,
) -> ExportResult:
    """Write the carrier to ``out``: a ZIP file if the name ends in ``.zip``, else a new directory."""
    files, count = build_files(session, store, company_id, date_from, date_to, classes)
    if out.suffix.lower() == ".zip":
        if out.exists():
            raise ArchiveError(f"{out} exists; choose a new file name")
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "x", compression=zipfile.ZIP_DEFLATED) as zf:
            for path, data in files.items():
                zf.writestr(path, data)
    else:
        if out.exists() and any(out.iterdir()):
            raise ArchiveError(f"{out} is not empty; choose a new directory")
        for path, data in files.items():
            target = out / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    audit.record(
        session,
        company_id=company_id,
        actor=actor,
        object_type="archive_export",
        object_id=out.name[:80],
        action="export",
        details={
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "classes": classes or [],
            "records": count,
            "manifest_sha256": hashlib.sha256(files["manifest.json"]).hexdigest(),
        },
    )
    return ExportResult(out, count, len(files))
