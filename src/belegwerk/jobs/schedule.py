"""Every periodic task, in one place, with its schedule."""

from __future__ import annotations

import logging

from huey import crontab

from belegwerk.archive import audit
from belegwerk.archive import records as archive_records
from belegwerk.archive import verify as archive_verify
from belegwerk.db.engine import transaction
from belegwerk.jobs.queue import current_runtime, huey

log = logging.getLogger("belegwerk.jobs")


@huey.periodic_task(crontab(minute="17", hour="3"))  # type: ignore[untyped-decorator]
def nightly_audit_verification() -> list[str]:
    """Recompute every audit chain each night; a broken chain is logged as an error."""
    rt = current_runtime()
    with transaction(rt.sessions) as session:
        reports = audit.verify(session)
    broken = [r.chain for r in reports if not r.ok]
    for r in reports:
        if not r.ok:
            log.error("audit chain %s broken at event %s: %s", r.chain, r.broken_seq, r.reason)
    return broken


@huey.periodic_task(crontab(minute="*/30"))  # type: ignore[untyped-decorator]
def archive_incremental_verification() -> list[str]:
    """Every 30 minutes: verify manifests and blobs filed since the last checkpoint."""
    return _archive_verification(incremental=True)


@huey.periodic_task(crontab(minute="41", hour="2", day_of_week="0"))  # type: ignore[untyped-decorator]
def archive_full_verification() -> list[str]:
    """Weekly: re-read every blob and manifest of the archive (catches edits to old rows)."""
    return _archive_verification(incremental=False)


def _archive_verification(*, incremental: bool) -> list[str]:
    rt = current_runtime()
    with transaction(rt.sessions) as session:
        reports = archive_verify.verify_all(session, rt.blobs, incremental=incremental)
    problems = [p.line() for r in reports for p in r.problems]
    for line in problems:
        log.error("archive verification: %s", line)
    return problems


@huey.periodic_task(crontab(minute="5", hour="4"))  # type: ignore[untyped-decorator]
def archive_expiry_listing() -> dict[str, int]:
    """Daily: count per company the records whose retention has ended (deletion stays manual)."""
    rt = current_runtime()
    from sqlalchemy import select

    from belegwerk.db.models import Company

    due: dict[str, int] = {}
    with transaction(rt.sessions) as session:
        for company_id in session.scalars(select(Company.id)):
            count = len(archive_records.expiring(session, company_id))
            if count:
                due[company_id] = count
                log.warning("archive: %s record(s) of %s have passed their retention end", count, company_id)
    return due


def resume_pending_documents() -> int:
    """Queue the next step for every document that is waiting for one.

    Jobs are enqueued after the upload commits, but a document can still miss its job (seeded or
    imported without the queue, a worker that died, a Redis flush). Each step is idempotent, so
    queueing a document twice costs time, never correctness. Returns how many were queued.
    """
    from sqlalchemy import select

    from belegwerk.db.models import Document, DocumentAnalysis
    from belegwerk.jobs.tasks import analyse_document, verify_original

    rt = current_runtime()
    with transaction(rt.sessions) as session:
        received = list(session.scalars(select(Document.id).where(Document.state == "received")))
        unanalysed = list(
            session.scalars(
                select(Document.id)
                .outerjoin(DocumentAnalysis, DocumentAnalysis.document_id == Document.id)
                .where(Document.state == "stored", DocumentAnalysis.document_id.is_(None))
            )
        )
    for document_id in received:
        verify_original(document_id)
    for document_id in unanalysed:
        analyse_document(document_id)
    return len(received) + len(unanalysed)


@huey.periodic_task(crontab(minute="*/10"))  # type: ignore[untyped-decorator]
def resume_pending() -> int:
    """Every ten minutes: documents whose next step never got queued are picked up."""
    return resume_pending_documents()
