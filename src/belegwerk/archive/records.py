"""Archive records: filing, versions, the manifest chain, legal holds, retention and disposal.

A record is one archived object of a document class with index data. Its original bytes live
in the content-addressed blob store and never change; a correction files a new version linked
to the old one. Each filed version gets a *manifest* (index data, blob hashes, the hash of the
previous version's manifest, who/when) appended to the company's manifest chain, so a changed
row or blob is detectable later (see :mod:`belegwerk.archive.verify`). A record can only be
deleted as a whole, after its retention end, without a legal hold, by an admin's confirmed
disposal that leaves a protocol, a ``disposal`` manifest and an audit event. The database
enforces the same (triggers in migration 0002), so no other code path can get around it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from belegwerk.archive import audit
from belegwerk.archive.blobstore import ArchiveBlobStore, BlobNotFound, delete_blob, protect_blob
from belegwerk.archive.classes import CLASSES, DocumentClass, parse_class, retention_end
from belegwerk.archive.errors import ArchiveError, RecordNotFound, Refused
from belegwerk.db.models import (
    ArchiveDisposal,
    ArchiveHold,
    ArchiveManifest,
    ArchiveRecord,
    ArchiveRetentionRule,
    Document,
    Role,
)
from belegwerk.intake.receive import safe_filename, sniff_media_type

GENESIS = "0" * 64
MAX_RECORD_BYTES = 200 * 1024 * 1024
STRING_KEYS = (
    "vendor_no",
    "customer_no",
    "document_number",
    "currency",
    "order_number",
    "posting_number",
    "process_id",
)


# --- index data ----------------------------------------------------------------------------------


def normalise_index(raw: dict[str, Any]) -> dict[str, str]:
    """Index data as a flat str → str map: amounts as Decimal strings, dates as ISO dates.

    Floats are refused (money is never binary floating point); unknown keys are kept as text
    so a company can add its own index fields.
    """
    out: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not key or len(key) > 60:
            raise ArchiveError(f"index field name {key!r} is not allowed")
        if value is None or value == "":
            continue
        if isinstance(value, float):
            raise ArchiveError(f"index field {key}: give amounts as decimal strings, not floats")
        if key == "amount":
            try:
                amount = Decimal(str(value))
            except InvalidOperation:
                raise ArchiveError(f"index field amount: {value!r} is not a decimal number") from None
            if not amount.is_finite():
                raise ArchiveError("index field amount must be a finite number")
            out[key] = str(amount)
        elif key == "document_date":
            out[key] = _iso_date(value).isoformat()
        elif key == "currency":
            code = str(value).strip().upper()
            if len(code) != 3 or not code.isalpha():
                raise ArchiveError(f"index field currency: {value!r} is not an ISO 4217 code")
            out[key] = code
        else:
            out[key] = str(value).strip()
    return out


def _iso_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ArchiveError(f"index field document_date: {value!r} is not an ISO date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class Derived:
    """Search columns derived from the index data (kept on the row for indexed look-ups)."""

    partner_kind: str | None
    partner_number: str | None
    doc_number: str | None
    doc_date: date | None
    amount: Decimal | None
    currency: str | None
    order_number: str | None
    posting_number: str | None
    process_id: str | None


def derive(index: dict[str, str]) -> Derived:
    if "vendor_no" in index:
        kind, number = "vendor", index["vendor_no"]
    elif "customer_no" in index:
        kind, number = "customer", index["customer_no"]
    else:
        kind, number = None, None
    return Derived(
        partner_kind=kind,
        partner_number=number,
        doc_number=index.get("document_number"),
        doc_date=date.fromisoformat(index["document_date"]) if "document_date" in index else None,
        amount=Decimal(index["amount"]) if "amount" in index else None,
        currency=index.get("currency"),
        order_number=index.get("order_number"),
        posting_number=index.get("posting_number"),
        process_id=index.get("process_id"),
    )


def derived_of(rec: ArchiveRecord) -> Derived:
    return Derived(
        partner_kind=rec.partner_kind,
        partner_number=rec.partner_number,
        doc_number=rec.doc_number,
        doc_date=rec.doc_date,
        amount=rec.amount,
        currency=rec.currency,
        order_number=rec.order_number,
        posting_number=rec.posting_number,
        process_id=rec.process_id,
    )


def index_of(rec: ArchiveRecord) -> dict[str, str]:
    value: dict[str, str] = json.loads(rec.index_data)
    return value


# --- manifests and the chain ---------------------------------------------------------------------


def utc_text(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def record_manifest(rec: ArchiveRecord, previous_hash: str | None) -> dict[str, Any]:
    """What is sealed for one version: everything about it except its row id."""
    return {
        "kind": "record",
        "company": rec.company_id,
        "record_uid": rec.record_uid,
        "version": rec.version,
        "document_class": rec.document_class,
        "index": index_of(rec),
        "text_sha256": hashlib.sha256(rec.text_content.encode("utf-8")).hexdigest(),
        "blobs": [
            {
                "role": "original",
                "sha256": rec.blob_sha256,
                "size": rec.size,
                "media_type": rec.media_type,
                "filename": rec.filename,
            }
        ],
        "previous_version": previous_hash,
        "source_document_id": rec.source_document_id,
        "retention_base": rec.retention_base.isoformat(),
        "retain_until": rec.retain_until.isoformat(),
        "filed_at": utc_text(rec.filed_at),
        "filed_by": rec.filed_by,
    }


def link_hash(seq: int, prev: str, kind: str, manifest_text: str) -> str:
    payload = {"seq": seq, "prev": prev, "kind": kind, "manifest": manifest_text}
    return hashlib.sha256(audit.canonical_json(payload).encode("utf-8")).hexdigest()


def _lock_chain(session: Session, company_id: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:c))"), {"c": "archive:" + company_id})


def append_manifest(
    session: Session, company_id: str, kind: str, record_id: int, record_uid: str, manifest: dict[str, Any]
) -> ArchiveManifest:
    """Append one manifest to the company's chain (in the caller's transaction)."""
    _lock_chain(session, company_id)
    last = session.execute(
        select(ArchiveManifest.seq, ArchiveManifest.hash)
        .where(ArchiveManifest.company_id == company_id)
        .order_by(ArchiveManifest.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    manifest_text = audit.canonical_json(manifest)
    row = ArchiveManifest(
        company_id=company_id,
        seq=seq,
        kind=kind,
        record_id=record_id,
        record_uid=record_uid,
        manifest=manifest_text,
        prev_hash=prev,
        hash=link_hash(seq, prev, kind, manifest_text),
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


def manifest_for(session: Session, record_id: int) -> ArchiveManifest | None:
    return session.scalar(
        select(ArchiveManifest).where(ArchiveManifest.record_id == record_id, ArchiveManifest.kind == "record")
    )


# --- retention -----------------------------------------------------------------------------------


def retention_years(session: Session, company_id: str, document_class: DocumentClass) -> int:
    """The company's period for a class: its own rule if set (never below the legal one)."""
    legal = CLASSES[document_class].legal_years
    own = session.scalar(
        select(ArchiveRetentionRule.years).where(
            ArchiveRetentionRule.company_id == company_id,
            ArchiveRetentionRule.document_class == document_class.value,
        )
    )
    return max(legal, own or 0)


def retention_table(session: Session, company_id: str) -> list[dict[str, Any]]:
    return [
        {
            "document_class": cls.value,
            "label": info.label,
            "legal_years": info.legal_years,
            "years": retention_years(session, company_id, cls),
            "basis": info.basis,
        }
        for cls, info in CLASSES.items()
    ]


def set_retention(session: Session, company_id: str, document_class: str, years: int, *, actor: str) -> int:
    """Lengthen a class's period for one company. Shorter than the legal minimum is refused."""
    cls = parse_class(document_class)
    legal = CLASSES[cls].legal_years
    if years < legal:
        raise Refused(f"{cls.value}: the legal minimum is {legal} years; a company may only lengthen it")
    if years > 100:
        raise ArchiveError("retention period above 100 years is not plausible")
    rule = session.scalar(
        select(ArchiveRetentionRule).where(
            ArchiveRetentionRule.company_id == company_id, ArchiveRetentionRule.document_class == cls.value
        )
    )
    before = {"years": retention_years(session, company_id, cls)}
    if rule is None:
        rule = ArchiveRetentionRule(company_id=company_id, document_class=cls.value, years=years, changed_by=actor)
        session.add(rule)
    else:
        rule.years = years
        rule.changed_by = actor
        rule.changed_at = datetime.now(UTC)
    session.flush()
    audit.record(
        session,
        company_id=company_id,
        actor=actor,
        object_type="archive_retention",
        object_id=cls.value,
        action="set",
        before=before,
        after={"years": years},
    )
    return years


def effective_retain_until(session: Session, rec: ArchiveRecord) -> date:
    """The later of the end sealed at filing and the end under the company's current rule."""
    years = retention_years(session, rec.company_id, DocumentClass(rec.document_class))
    return max(rec.retain_until, retention_end(rec.retention_base, years))


# --- filing --------------------------------------------------------------------------------------


def _today() -> date:
    return datetime.now(UTC).date()


def file_record(
    session: Session,
    store: ArchiveBlobStore,
    *,
    company_id: str,
    document_class: str,
    filename: str,
    index: dict[str, Any],
    actor: str,
    data: bytes | None = None,
    blob_sha256: str | None = None,
    media_type: str | None = None,
    text_content: str = "",
    source_document_id: int | None = None,
    previous: ArchiveRecord | None = None,
) -> ArchiveRecord:
    """File one version: bytes to the blob store first (or an existing blob), then the row,
    the manifest in the chain, and the audit event — all in the caller's transaction."""
    cls = parse_class(document_class)
    idx = normalise_index(index)
    if data is not None:
        if not data:
            raise ArchiveError("the document is empty")
        if len(data) > MAX_RECORD_BYTES:
            raise ArchiveError(f"the document is larger than {MAX_RECORD_BYTES // 1_048_576} MB")
        digest = store.put(data)
        size = len(data)
        kind = media_type or sniff_media_type(data, filename)
    elif blob_sha256 is not None:
        try:
            head = store.get(blob_sha256)
        except BlobNotFound:
            raise ArchiveError(f"blob {blob_sha256} is not in the store") from None
        digest, size, kind = blob_sha256, len(head), media_type or sniff_media_type(head, filename)
    else:
        raise ArchiveError("give the document bytes or the digest of a stored blob")
    now = datetime.now(UTC)
    derived = derive(idx)
    base = derived.doc_date or now.date()
    rec = ArchiveRecord(
        company_id=company_id,
        record_uid=previous.record_uid if previous else str(uuid.uuid4()),
        version=previous.version + 1 if previous else 1,
        previous_id=previous.id if previous else None,
        document_class=cls.value,
        index_data=audit.canonical_json(idx),
        text_content=text_content,
        blob_sha256=digest,
        media_type=kind,
        filename=safe_filename(filename),
        size=size,
        source_document_id=source_document_id,
        retention_base=base,
        retain_until=retention_end(base, retention_years(session, company_id, cls)),
        filed_at=now,
        filed_by=actor,
        **vars(derived),
    )
    session.add(rec)
    session.flush()
    prev_hash = None
    if previous is not None:
        prev_manifest = manifest_for(session, previous.id)
        prev_hash = prev_manifest.hash if prev_manifest else None
    manifest = append_manifest(session, company_id, "record", rec.id, rec.record_uid, record_manifest(rec, prev_hash))
    if hasattr(store, "protect"):  # storage-level retention (S3 Object Lock): the longest user wins
        longest = session.scalar(
            select(func.max(ArchiveRecord.retain_until)).where(ArchiveRecord.blob_sha256 == digest)
        )
        protect_blob(store, digest, longest or rec.retain_until)
    audit.record(
        session,
        company_id=company_id,
        actor=actor,
        object_type="archive_record",
        object_id=rec.id,
        action="file" if previous is None else "new-version",
        after={"record_uid": rec.record_uid, "version": rec.version, "manifest": manifest.hash},
        details={"class": cls.value, "sha256": digest, "previous_id": rec.previous_id},
    )
    return rec


def file_document(
    session: Session,
    store: ArchiveBlobStore,
    *,
    company_id: str,
    document_id: int,
    document_class: str,
    index: dict[str, Any],
    actor: str,
    text_content: str = "",
) -> ArchiveRecord:
    """File a received (intake) document as a record; its original blob is reused as is."""
    doc = session.get(Document, document_id)
    if doc is None or doc.company_id != company_id:
        raise RecordNotFound(f"document {document_id} not found")
    existing = session.scalar(select(ArchiveRecord.id).where(ArchiveRecord.source_document_id == document_id).limit(1))
    if existing is not None:
        raise Refused(f"document {document_id} is already filed as record {existing}; file a new version instead")
    return file_record(
        session,
        store,
        company_id=company_id,
        document_class=document_class,
        filename=doc.filename,
        index=index,
        actor=actor,
        blob_sha256=doc.sha256,
        media_type=doc.media_type,
        text_content=text_content,
        source_document_id=doc.id,
    )


def new_version(
    session: Session,
    store: ArchiveBlobStore,
    *,
    company_id: str,
    record_id: int,
    actor: str,
    data: bytes | None = None,
    filename: str | None = None,
    index: dict[str, Any] | None = None,
    text_content: str | None = None,
    reason: str = "",
) -> ArchiveRecord:
    """Correct a record: a new version linked to the latest one. The old version stays as filed."""
    current = get_record(session, company_id, record_id)
    latest = latest_version(session, company_id, current.record_uid)
    if latest.id != current.id:
        raise Refused(f"record {record_id} has been superseded by {latest.id}; correct the latest version")
    idx = index_of(latest) if index is None else index
    if reason:
        idx = {**idx, "correction_reason": reason}
    return file_record(
        session,
        store,
        company_id=company_id,
        document_class=latest.document_class,
        filename=filename or latest.filename,
        index=idx,
        actor=actor,
        data=data,
        blob_sha256=None if data is not None else latest.blob_sha256,
        media_type=None if data is not None else latest.media_type,
        text_content=latest.text_content if text_content is None else text_content,
        previous=latest,
    )


def update_record(*_args: Any, **_kwargs: Any) -> None:
    """There is no in-place change of a record; this exists so callers get a clear answer."""
    raise Refused("archived records cannot be changed; file a new version instead")


# --- reading -------------------------------------------------------------------------------------


def get_record(session: Session, company_id: str, record_id: int) -> ArchiveRecord:
    rec = session.get(ArchiveRecord, record_id)
    if rec is None or rec.company_id != company_id:
        raise RecordNotFound(f"record {record_id} not found")
    return rec


def versions(session: Session, company_id: str, record_uid: str) -> list[ArchiveRecord]:
    return list(
        session.scalars(
            select(ArchiveRecord)
            .where(ArchiveRecord.company_id == company_id, ArchiveRecord.record_uid == record_uid)
            .order_by(ArchiveRecord.version)
        )
    )


def latest_version(session: Session, company_id: str, record_uid: str) -> ArchiveRecord:
    all_versions = versions(session, company_id, record_uid)
    if not all_versions:
        raise RecordNotFound(f"record {record_uid} not found")
    return all_versions[-1]


def note_read(session: Session, rec: ArchiveRecord, *, actor: str, role: Role, what: str = "read") -> None:
    """Log a read by an auditor (GoBD data access Z1: every access of the auditor is traceable)."""
    if role is Role.AUDITOR:
        audit.record(
            session,
            company_id=rec.company_id,
            actor=actor,
            object_type="archive_record",
            object_id=rec.id,
            action=what,
        )


def content(store: ArchiveBlobStore, rec: ArchiveRecord) -> bytes:
    return store.get(rec.blob_sha256)


# --- legal hold ----------------------------------------------------------------------------------


def active_hold(session: Session, company_id: str, record_uid: str) -> ArchiveHold | None:
    return session.scalar(
        select(ArchiveHold).where(
            ArchiveHold.company_id == company_id,
            ArchiveHold.record_uid == record_uid,
            ArchiveHold.released_at.is_(None),
        )
    )


def set_hold(session: Session, company_id: str, record_id: int, *, reason: str, actor: str) -> ArchiveHold:
    rec = get_record(session, company_id, record_id)
    existing = active_hold(session, company_id, rec.record_uid)
    if existing is not None:
        return existing
    if not reason.strip():
        raise ArchiveError("a legal hold needs a reason (e.g. the tax audit or lawsuit it is for)")
    hold = ArchiveHold(company_id=company_id, record_uid=rec.record_uid, reason=reason.strip()[:500], set_by=actor)
    session.add(hold)
    session.flush()
    audit.record(
        session,
        company_id=company_id,
        actor=actor,
        object_type="archive_hold",
        object_id=rec.record_uid,
        action="set",
        after={"reason": hold.reason},
    )
    return hold


def release_hold(session: Session, company_id: str, record_id: int, *, actor: str) -> bool:
    rec = get_record(session, company_id, record_id)
    hold = active_hold(session, company_id, rec.record_uid)
    if hold is None:
        return False
    hold.released_at = datetime.now(UTC)
    hold.released_by = actor
    session.flush()
    audit.record(
        session,
        company_id=company_id,
        actor=actor,
        object_type="archive_hold",
        object_id=rec.record_uid,
        action="release",
        before={"reason": hold.reason},
    )
    return True


# --- expiry and disposal -------------------------------------------------------------------------


@dataclass(frozen=True)
class Expiring:
    record_uid: str
    latest_id: int
    document_class: str
    versions: int
    retain_until: date
    on_hold: bool
    filename: str


def expiring(session: Session, company_id: str, *, today: date | None = None) -> list[Expiring]:
    """Records whose retention (all versions, company rule applied) has ended by ``today``."""
    day = today or _today()
    candidates = session.scalars(
        select(ArchiveRecord.record_uid)
        .where(ArchiveRecord.company_id == company_id)
        .group_by(ArchiveRecord.record_uid)
        .having(func.max(ArchiveRecord.retain_until) < day)
    ).all()
    out: list[Expiring] = []
    for uid in candidates:
        rows = versions(session, company_id, uid)
        until = max(effective_retain_until(session, r) for r in rows)
        if until >= day:
            continue
        out.append(
            Expiring(
                record_uid=uid,
                latest_id=rows[-1].id,
                document_class=rows[-1].document_class,
                versions=len(rows),
                retain_until=until,
                on_hold=active_hold(session, company_id, uid) is not None,
                filename=rows[-1].filename,
            )
        )
    return sorted(out, key=lambda e: (e.retain_until, e.latest_id))


def dispose(
    session: Session,
    store: ArchiveBlobStore,
    *,
    company_id: str,
    record_uid: str,
    actor: str,
    role: Role,
    reason: str,
    confirm: bool,
) -> ArchiveDisposal:
    """Delete a record (all versions) after its retention end — the only way a record goes.

    Needs an admin, an explicit confirmation and a reason; leaves a disposal protocol, a
    ``disposal`` manifest in the chain and an audit event. Blobs no other record or received
    document uses are removed once the transaction has committed.
    """
    if role is not Role.ADMIN:
        raise Refused("only a company admin may confirm the deletion of archived records")
    if not confirm:
        raise Refused("deletion must be confirmed explicitly")
    if not reason.strip():
        raise ArchiveError("give a reason for the deletion (e.g. 'retention period ended')")
    rows = versions(session, company_id, record_uid)
    if not rows:
        raise RecordNotFound(f"record {record_uid} not found")
    until = max(effective_retain_until(session, r) for r in rows)
    if until >= _today():
        raise Refused(f"record {record_uid} is retained until {until.isoformat()}; it cannot be deleted before")
    if active_hold(session, company_id, record_uid) is not None:
        raise Refused(f"record {record_uid} is under legal hold")
    manifests = [manifest_for(session, r.id) for r in rows]
    hashes = [m.hash if m else "" for m in manifests]
    digests = sorted({r.blob_sha256 for r in rows})
    ids = [r.id for r in rows]
    orphaned = [d for d in digests if not _blob_used_elsewhere(session, d, ids)]
    protocol = ArchiveDisposal(
        company_id=company_id,
        record_uid=record_uid,
        document_class=rows[-1].document_class,
        versions=len(rows),
        manifest_hashes=json.dumps(hashes),
        retain_until=until,
        reason=reason.strip()[:500],
        confirmed_by=actor,
        confirmed_at=datetime.now(UTC),
        blobs_deleted=json.dumps(orphaned),
    )
    session.add(protocol)
    session.flush()
    append_manifest(
        session,
        company_id,
        "disposal",
        rows[-1].id,
        record_uid,
        {
            "kind": "disposal",
            "company": company_id,
            "record_uid": record_uid,
            "record_ids": ids,
            "manifest_hashes": hashes,
            "retain_until": until.isoformat(),
            "confirmed_by": actor,
            "confirmed_at": utc_text(protocol.confirmed_at),
            "reason": protocol.reason,
            "blobs_deleted": orphaned,
        },
    )
    for rec in reversed(rows):
        session.delete(rec)
        session.flush()
    audit.record(
        session,
        company_id=company_id,
        actor=actor,
        object_type="archive_record",
        object_id=record_uid,
        action="dispose",
        before={"versions": len(rows), "manifests": hashes},
        details={"reason": protocol.reason, "retain_until": until.isoformat(), "blobs_deleted": orphaned},
    )

    _delete_after_commit(session, store, orphaned)
    return protocol


_PENDING = "archive_blob_deletions"


def _delete_after_commit(session: Session, store: ArchiveBlobStore, digests: list[str]) -> None:
    """Remove the blobs only once the disposal is durable; a rollback forgets them."""
    session.info.setdefault(_PENDING, []).extend((store, d) for d in digests)
    if not event.contains(session, "after_commit", _delete_pending):
        event.listen(session, "after_commit", _delete_pending)
        event.listen(session, "after_rollback", _forget_pending)


def _delete_pending(session: Session) -> None:
    for store, digest in session.info.pop(_PENDING, []):
        delete_blob(store, digest)


def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _blob_used_elsewhere(session: Session, digest: str, record_ids: list[int]) -> bool:
    other_record = session.scalar(
        select(ArchiveRecord.id)
        .where(ArchiveRecord.blob_sha256 == digest, ArchiveRecord.id.not_in(record_ids))
        .limit(1)
    )
    document = session.scalar(select(Document.id).where(Document.sha256 == digest).limit(1))
    return other_record is not None or document is not None


def delete_record(*_args: Any, **_kwargs: Any) -> None:
    """Records are never deleted directly; see :func:`dispose` (after the retention end only)."""
    raise Refused("archived records cannot be deleted directly; use the confirmed disposal after the retention end")
