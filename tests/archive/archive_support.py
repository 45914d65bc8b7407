"""Support for the archive tests: filing and tamper helpers (the company world comes from appworld)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from appworld import World, client, login, world  # noqa: F401  (re-exported for the archive tests)
from belegwerk.archive import records
from belegwerk.db.engine import transaction
from belegwerk.db.models import ArchiveRecord
from belegwerk.runtime import Runtime


def invoice_index(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "vendor_no": "70001",
        "document_number": "RE-2025-001",
        "document_date": "2025-03-14",
        "amount": "1190.00",
        "currency": "EUR",
    }
    base.update(extra)
    return base


def file_invoice(
    rt: Runtime, *, data: bytes = b"%PDF-1.7 invoice", company: str = "ACME", text_content: str = "", **index: Any
) -> ArchiveRecord:
    with transaction(rt.sessions) as s:
        return records.file_record(
            s,
            rt.blobs,
            company_id=company,
            document_class="incoming_invoice",
            filename="invoice.pdf",
            data=data,
            index=invoice_index(**index),
            actor="test",
            text_content=text_content,
        )


def lift_guard(session: Session, table: str, trigger: str) -> None:
    """Play the attacker with database rights: switch off one of the archive's triggers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
    else:
        session.execute(text(f"DROP TRIGGER {trigger}"))
