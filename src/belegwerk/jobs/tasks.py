"""Tasks. Each is idempotent: running it twice leaves the same state, so retries are safe."""

from __future__ import annotations

from belegwerk.archive import audit
from belegwerk.db.engine import transaction
from belegwerk.db.models import Document
from belegwerk.jobs.queue import current_runtime, huey


@huey.task(retries=3, retry_delay=5)  # type: ignore[untyped-decorator]
def verify_original(document_id: int) -> str:
    """Re-read a received original from the blob store and confirm its hash; marks it ``stored``.

    This is the first step after receipt: it proves the bytes on disk are the bytes received
    before any processing builds on them.
    """
    rt = current_runtime()
    with transaction(rt.sessions) as session:
        doc = session.get(Document, document_id)
        if doc is None:
            return "missing"
        if doc.state != "received":
            return doc.state
        ok = rt.blobs.verify(doc.sha256)
        new_state = "stored" if ok else "damaged"
        audit.record(
            session,
            company_id=doc.company_id,
            actor="system",
            object_type="document",
            object_id=doc.id,
            action="verify-original",
            before={"state": doc.state},
            after={"state": new_state},
        )
        doc.state = new_state
    if new_state == "stored":
        analyse_document(document_id)
    return new_state


@huey.task(retries=2, retry_delay=10)  # type: ignore[untyped-decorator]
def analyse_document(document_id: int) -> str:
    """Detect, read and validate (e-invoices) or capture (PDFs, scans) a stored original.

    The slow part (OCR) runs outside the database transaction; the result is stored and audited.
    """
    from belegwerk.intake.analyse import analyse, store

    rt = current_runtime()
    with transaction(rt.sessions) as session:
        doc = session.get(Document, document_id)
        if doc is None:
            return "missing"
        digest = doc.sha256
    result = analyse(rt.blobs.get(digest))
    with transaction(rt.sessions) as session:
        doc = session.get(Document, document_id)
        if doc is None:
            return "missing"
        store(session, doc, result)
    return result.kind
