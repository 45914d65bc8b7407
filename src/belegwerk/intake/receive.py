"""Receive a document: store the original bytes first, then record it, then audit it.

Nothing may run on a document before its original is safe in the blob store; that way a crash
in any later step (capture, validation, posting) cannot lose it.
"""

from __future__ import annotations

from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from belegwerk.archive import audit
from belegwerk.archive.blobstore import BlobStore
from belegwerk.db.models import Document

MAX_DOCUMENT_BYTES = 100 * 1024 * 1024


class RejectedDocument(ValueError):
    """The upload cannot be accepted at all (empty, too large)."""


def sniff_media_type(data: bytes, filename: str) -> str:
    """Media type from the content (magic bytes), falling back to the file name."""
    head = data[:16]
    if head.startswith(b"%PDF"):
        return "application/pdf"
    if head.startswith(b"\x89PNG"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    stripped = data[:256].lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return "application/xml"
    if stripped.startswith((b"From ", b"Received:", b"Return-Path:", b"MIME-Version:")):
        return "message/rfc822"
    suffix = PurePath(filename).suffix.lower()
    return {".xml": "application/xml", ".eml": "message/rfc822", ".txt": "text/plain"}.get(
        suffix, "application/octet-stream"
    )


def safe_filename(name: str) -> str:
    """The last path component, without control characters, at most 200 characters."""
    base = PurePath(name.replace("\\", "/")).name or "document"
    cleaned = "".join(ch for ch in base if ch.isprintable())
    return cleaned[:200] or "document"


def receive(
    session: Session,
    store: BlobStore,
    *,
    company_id: str,
    filename: str,
    data: bytes,
    source: str,
    actor: str,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Document:
    if not data:
        raise RejectedDocument("the file is empty")
    if len(data) > max_bytes:
        raise RejectedDocument(f"the file is larger than {max_bytes // 1_048_576} MB")
    digest = store.put(data)
    doc = Document(
        company_id=company_id,
        filename=safe_filename(filename),
        media_type=sniff_media_type(data, filename),
        size=len(data),
        sha256=digest,
        source=source,
        state="received",
        received_by=actor,
    )
    session.add(doc)
    session.flush()
    audit.record(
        session,
        company_id=company_id,
        actor=actor,
        object_type="document",
        object_id=doc.id,
        action="receive",
        after={"filename": doc.filename, "sha256": digest, "size": doc.size, "source": source},
    )
    return doc


def list_documents(session: Session, company_id: str, *, limit: int = 200) -> list[Document]:
    return list(
        session.scalars(
            select(Document).where(Document.company_id == company_id).order_by(Document.id.desc()).limit(limit)
        )
    )


def read_original(session: Session, store: BlobStore, doc: Document, *, reader: str, auditor: bool) -> bytes:
    """The original bytes of ``doc``. Reads by the auditor role are themselves audited (GoBD: who saw what)."""
    if auditor:
        audit.record(
            session, company_id=doc.company_id, actor=reader, object_type="document", object_id=doc.id, action="read"
        )
    return store.get(doc.sha256)


def get_document(session: Session, company_id: str, document_id: int) -> Document | None:
    """A document of this company; another company's id yields None (no existence leak)."""
    doc = session.get(Document, document_id)
    if doc is None or doc.company_id != company_id:
        return None
    return doc
