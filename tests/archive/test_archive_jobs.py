"""The periodic archive jobs: incremental verification with checkpoint, and the expiry listing."""

from __future__ import annotations

import os

import pytest
from archive_support import World, file_invoice

from belegwerk.db.engine import transaction
from belegwerk.db.models import ArchiveVerifyCheckpoint
from belegwerk.jobs import queue
from belegwerk.jobs.schedule import (
    archive_expiry_listing,
    archive_full_verification,
    archive_incremental_verification,
)
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.archive


def test_periodic_verification_and_expiry_jobs(runtime: Runtime, world: World) -> None:
    queue.configure(runtime)
    file_invoice(runtime, data=b"%PDF a", document_date="2012-01-01")
    assert archive_incremental_verification.call_local() == []
    with transaction(runtime.sessions) as s:
        checkpoint = s.get(ArchiveVerifyCheckpoint, "ACME")
        assert checkpoint is not None and checkpoint.last_seq == 1
    victim = file_invoice(runtime, data=b"%PDF b")
    path = runtime.blobs.path_for(victim.blob_sha256)
    os.chmod(path, 0o644)
    path.write_bytes(b"%PDF B")
    problems = archive_incremental_verification.call_local()
    assert len(problems) == 1 and f"record {victim.id}" in problems[0]
    assert archive_full_verification.call_local() == problems
    assert archive_expiry_listing.call_local() == {"ACME": 1}
