"""`belegwerk archive retention …`: listing, lengthening, expiry list and authorised deletion."""

from __future__ import annotations

import pytest
from archive_support import World, file_invoice
from typer.testing import CliRunner

from belegwerk.archive.cli import app as archive_app
from belegwerk.db.engine import transaction
from belegwerk.db.models import ArchiveDisposal, ArchiveRecord
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.archive


def _run(rt: Runtime, *args: str) -> tuple[int, str]:
    env = {
        "BELEGWERK_DATA_DIR": str(rt.settings.data_dir),
        "BELEGWERK_DATABASE_URL": rt.settings.effective_database_url,
        "BELEGWERK_SECRET_KEY": "test-secret-key",
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(archive_app, list(args), env=env)
    return result.exit_code, result.output


def test_retention_commands(runtime: Runtime, world: World) -> None:
    old = file_invoice(runtime, data=b"%PDF 2012", document_date="2012-03-01")
    file_invoice(runtime, data=b"%PDF new")
    code, text = _run(runtime, "retention", "list", "-c", "ACME")
    assert code == 0 and "incoming_invoice" in text and "annual_statement" in text
    code, text = _run(runtime, "retention", "set", "-c", "ACME", "letter", "7")
    assert code == 2 and "--as USER is required" in text
    code, text = _run(runtime, "retention", "set", "-c", "ACME", "letter", "7", "--as", "acme_clerk")
    assert code == 2 and "not an admin" in text
    code, text = _run(runtime, "retention", "set", "-c", "ACME", "letter", "7", "--as", "acme_admin")
    assert code == 0, text
    code, text = _run(runtime, "retention", "expire", "-c", "ACME")
    assert code == 0 and old.record_uid in text and "2020-12-31" in text
    code, text = _run(runtime, "retention", "expire", "-c", "ACME", "--delete", old.record_uid, "--as", "acme_admin")
    assert code == 2 and "confirmed" in text
    code, text = _run(
        runtime, "retention", "expire", "-c", "ACME", "--delete", old.record_uid, "--confirm", "--as", "acme_admin"
    )
    assert code == 0 and "protocol written" in text, text
    with transaction(runtime.sessions) as s:
        assert s.get(ArchiveRecord, old.id) is None
        protocol = s.query(ArchiveDisposal).one()
        assert (protocol.confirmed_by, protocol.reason) == ("acme_admin", "retention period ended")
    code, text = _run(runtime, "retention", "list", "-c", "NOPE")
    assert code == 2 and "unknown company" in text
