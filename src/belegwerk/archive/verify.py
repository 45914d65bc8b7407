"""Tamper evidence: re-read every blob and manifest, check hashes and the chains, export heads.

:func:`verify_company` walks a company's manifest chain (seq, link, hash), recomputes each
record's manifest from its row and compares it with the sealed text, checks the search columns
against the index data, and re-hashes the original blob. Each problem names the manifest seq,
the record id/uid and the blob, so an operator knows exactly what was altered or is missing.
Incremental runs start after the last checkpoint (only new manifests and their blobs); a full
run re-reads everything and also checks that no manifest before the checkpoint vanished.

The chain head (company, head hash, count, time) can be exported signed — HMAC-SHA256 with the
secret key (for ourselves) and Ed25519 (for outsiders, who only need the public key) — and
timestamped by any RFC 3161 service, so a later rewrite of the whole chain is detectable too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from belegwerk.archive import audit
from belegwerk.archive.blobstore import ArchiveBlobStore, BlobNotFound
from belegwerk.archive.records import GENESIS, derive, derived_of, index_of, link_hash, record_manifest
from belegwerk.config import Settings
from belegwerk.db.models import ArchiveManifest, ArchiveRecord, ArchiveVerifyCheckpoint


@dataclass(frozen=True)
class Problem:
    company_id: str
    what: str  # chain | record | blob
    message: str
    seq: int | None = None
    record_id: int | None = None
    record_uid: str | None = None
    blob: str | None = None

    def line(self) -> str:
        where = []
        if self.seq is not None:
            where.append(f"manifest {self.seq}")
        if self.record_id is not None:
            where.append(f"record {self.record_id}")
        if self.record_uid:
            where.append(f"uid {self.record_uid}")
        if self.blob:
            where.append(f"blob {self.blob}")
        return f"{self.company_id}: {', '.join(where)}: {self.message}"


@dataclass
class VerifyReport:
    company_id: str
    incremental: bool
    manifests: int = 0
    records: int = 0
    blobs: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def companies_with_records(session: Session) -> list[str]:
    return list(session.scalars(select(ArchiveManifest.company_id).distinct().order_by(ArchiveManifest.company_id)))


def verify_all(
    session: Session, store: ArchiveBlobStore, *, incremental: bool = False, save_checkpoint: bool = True
) -> list[VerifyReport]:
    return [
        verify_company(session, store, c, incremental=incremental, save_checkpoint=save_checkpoint)
        for c in companies_with_records(session)
    ]


def verify_company(
    session: Session,
    store: ArchiveBlobStore,
    company_id: str,
    *,
    incremental: bool = False,
    save_checkpoint: bool = True,
) -> VerifyReport:
    report = VerifyReport(company_id, incremental)
    checkpoint = session.get(ArchiveVerifyCheckpoint, company_id)
    start_seq, prev = 0, GENESIS
    if incremental and checkpoint is not None:
        anchor = session.scalar(
            select(ArchiveManifest).where(
                ArchiveManifest.company_id == company_id, ArchiveManifest.seq == checkpoint.last_seq
            )
        )
        if anchor is None or anchor.hash != checkpoint.last_hash:
            report.problems.append(
                Problem(company_id, "chain", "the manifest at the checkpoint changed or vanished", checkpoint.last_seq)
            )
            return report
        start_seq, prev = checkpoint.last_seq, checkpoint.last_hash
    disposed = _disposed(session, company_id)
    hashes_by_record: dict[int, str] = {}
    expected = start_seq + 1
    rows = session.scalars(
        select(ArchiveManifest)
        .where(ArchiveManifest.company_id == company_id, ArchiveManifest.seq > start_seq)
        .order_by(ArchiveManifest.seq)
        .execution_options(yield_per=500)
    )
    for m in rows:
        report.manifests += 1
        if m.seq != expected:
            report.problems.append(Problem(company_id, "chain", f"manifest {expected} is missing", m.seq))
        if m.prev_hash != prev:
            report.problems.append(
                Problem(company_id, "chain", "link to the previous manifest does not match", m.seq, m.record_id)
            )
        if link_hash(m.seq, m.prev_hash, m.kind, m.manifest) != m.hash:
            report.problems.append(
                Problem(
                    company_id, "chain", "manifest text was altered (hash mismatch)", m.seq, m.record_id, m.record_uid
                )
            )
        if m.kind == "record":
            hashes_by_record[m.record_id] = m.hash
            _check_record(session, store, report, m, disposed, hashes_by_record)
        prev, expected = m.hash, m.seq + 1
        report.head_seq, report.head_hash = m.seq, m.hash
    if report.manifests == 0 and start_seq:
        report.head_seq, report.head_hash = start_seq, prev
    if not incremental and checkpoint is not None and report.head_seq < checkpoint.last_seq:
        report.problems.append(
            Problem(
                company_id,
                "chain",
                f"the chain ends at {report.head_seq} but {checkpoint.last_seq} manifests were verified before",
            )
        )
    _unsealed_records(session, report)
    if save_checkpoint and report.ok and report.head_seq:
        if checkpoint is None:
            checkpoint = ArchiveVerifyCheckpoint(company_id=company_id)
            session.add(checkpoint)
        checkpoint.last_seq = report.head_seq
        checkpoint.last_hash = report.head_hash
        checkpoint.verified_at = datetime.now(UTC)
        session.flush()
    return report


def _disposed(session: Session, company_id: str) -> set[int]:
    ids: set[int] = set()
    for text in session.scalars(
        select(ArchiveManifest.manifest).where(
            ArchiveManifest.company_id == company_id, ArchiveManifest.kind == "disposal"
        )
    ):
        ids.update(int(i) for i in json.loads(text).get("record_ids", []))
    return ids


def _check_record(
    session: Session,
    store: ArchiveBlobStore,
    report: VerifyReport,
    m: ArchiveManifest,
    disposed: set[int],
    hashes_by_record: dict[int, str],
) -> None:
    company = report.company_id
    rec = session.get(ArchiveRecord, m.record_id)
    sealed = json.loads(m.manifest)
    if rec is None:
        if m.record_id not in disposed:
            report.problems.append(
                Problem(
                    company,
                    "record",
                    "record row is missing (deleted without disposal)",
                    m.seq,
                    m.record_id,
                    m.record_uid,
                )
            )
        return
    report.records += 1
    prev_hash = None
    if rec.previous_id is not None:
        prev_hash = hashes_by_record.get(rec.previous_id) or session.scalar(
            select(ArchiveManifest.hash).where(
                ArchiveManifest.record_id == rec.previous_id, ArchiveManifest.kind == "record"
            )
        )
    current = json.loads(audit.canonical_json(record_manifest(rec, prev_hash)))
    if current != sealed:
        changed = sorted(k for k in set(current) | set(sealed) if current.get(k) != sealed.get(k))
        report.problems.append(
            Problem(
                company,
                "record",
                f"record differs from its sealed manifest in: {', '.join(changed)}",
                m.seq,
                rec.id,
                rec.record_uid,
            )
        )
    try:
        if derive(index_of(rec)) != derived_of(rec):
            report.problems.append(
                Problem(company, "record", "search columns differ from the index data", m.seq, rec.id, rec.record_uid)
            )
    except (ValueError, ArithmeticError):
        report.problems.append(Problem(company, "record", "index data is unreadable", m.seq, rec.id, rec.record_uid))
    for blob in sealed.get("blobs", []):
        digest = str(blob["sha256"])
        report.blobs += 1
        try:
            intact = store.verify(digest)
        except BlobNotFound:
            report.problems.append(Problem(company, "blob", "blob is missing", m.seq, rec.id, rec.record_uid, digest))
            continue
        if not intact:
            report.problems.append(
                Problem(
                    company, "blob", "blob content was altered (hash mismatch)", m.seq, rec.id, rec.record_uid, digest
                )
            )


def _unsealed_records(session: Session, report: VerifyReport) -> None:
    """Rows that were inserted without the service (no manifest): nobody sealed them."""
    sealed = select(ArchiveManifest.record_id).where(
        ArchiveManifest.company_id == report.company_id, ArchiveManifest.kind == "record"
    )
    for rec_id, uid in session.execute(
        select(ArchiveRecord.id, ArchiveRecord.record_uid).where(
            ArchiveRecord.company_id == report.company_id, ArchiveRecord.id.not_in(sealed)
        )
    ):
        report.problems.append(
            Problem(
                report.company_id, "record", "record has no manifest (inserted outside the archive)", None, rec_id, uid
            )
        )


# --- chain head export ---------------------------------------------------------------------------


def chain_head(session: Session, company_id: str) -> dict[str, Any]:
    row = session.execute(
        select(ArchiveManifest.seq, ArchiveManifest.hash)
        .where(ArchiveManifest.company_id == company_id)
        .order_by(ArchiveManifest.seq.desc())
        .limit(1)
    ).first()
    count = session.scalar(select(func.count()).where(ArchiveManifest.company_id == company_id)) or 0
    return {
        "format": "belegwerk-archive-head/1",
        "company": company_id,
        "head_seq": row[0] if row else 0,
        "head_hash": row[1] if row else GENESIS,
        "count": count,
        "time": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The archive's Ed25519 key, generated once into the data directory (mode 0600)."""
    path: Path = settings.data_dir / "archive-ed25519.pem"
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def signed_message(head: dict[str, Any]) -> bytes:
    """The exact bytes that are signed: canonical JSON of the head without signatures."""
    body = {k: v for k, v in head.items() if k not in {"hmac_sha256", "ed25519"}}
    return audit.canonical_json(body).encode("utf-8")


def sign_head(head: dict[str, Any], settings: Settings) -> dict[str, Any]:
    message = signed_message(head)
    key = signing_key(settings)
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        **head,
        "hmac_sha256": hmac.new(settings.effective_secret_key().encode(), message, hashlib.sha256).hexdigest(),
        "ed25519": {
            "public_key": base64.b64encode(public).decode("ascii"),
            "signature": base64.b64encode(key.sign(message)).decode("ascii"),
        },
    }


def verify_signed_head(document: dict[str, Any], public_key_b64: str | None = None) -> bool:
    """What an outsider runs: check the Ed25519 signature (against a public key they trust)."""
    sig = document.get("ed25519") or {}
    key_b64 = public_key_b64 or sig.get("public_key", "")
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(key_b64))
        key.verify(base64.b64decode(sig.get("signature", "")), signed_message(document))
    except Exception:  # any malformed input or bad signature is simply "not valid"
        return False
    return True
