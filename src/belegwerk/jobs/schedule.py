"""Every periodic task, in one place, with its schedule."""

from __future__ import annotations

import logging

from huey import crontab

from belegwerk.archive import audit
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
