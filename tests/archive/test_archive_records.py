"""Records: filing, versions, immutability (service and database), retention, holds, disposal."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from archive_support import World, file_invoice
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from belegwerk.archive import records, verify
from belegwerk.archive.errors import ArchiveError, RecordNotFound, Refused
from belegwerk.db.engine import transaction
from belegwerk.db.models import (
    ArchiveDisposal,
    ArchiveManifest,
    ArchiveRecord,
    AuditEvent,
    Role,
)
from belegwerk.intake.receive import receive
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.archive


def test_filing_seals_a_manifest_in_the_company_chain(runtime: Runtime, world: World) -> None:
    first = file_invoice(runtime, data=b"%PDF one")
    second = file_invoice(runtime, data=b"%PDF two", document_number="RE-2")
    with transaction(runtime.sessions) as s:
        chain = list(s.scalars(select(ArchiveManifest).where(ArchiveManifest.company_id == "ACME").order_by("seq")))
        assert [m.seq for m in chain] == [1, 2]
        assert chain[0].prev_hash == "0" * 64 and chain[1].prev_hash == chain[0].hash
        sealed = json.loads(chain[0].manifest)
        assert sealed["blobs"][0]["sha256"] == first.blob_sha256
        assert sealed["index"]["amount"] == "1190.00" and sealed["previous_version"] is None
        rec = s.get(ArchiveRecord, second.id)
        assert rec is not None and rec.amount == Decimal("1190")
        assert rec.retain_until == date(2033, 12, 31)  # 2025 voucher: 8 years from the end of 2025
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "archive_record")).all()
        assert actions == ["file", "file"]
    assert runtime.blobs.get(first.blob_sha256) == b"%PDF one"


def test_index_data_is_validated(runtime: Runtime, world: World) -> None:
    with pytest.raises(ArchiveError, match="not floats"):
        file_invoice(runtime, amount=12.5)
    with pytest.raises(ArchiveError, match="ISO date"):
        file_invoice(runtime, document_date="14.03.2025")
    with pytest.raises(ArchiveError, match="unknown document class"), transaction(runtime.sessions) as s:
        records.file_record(
            s, runtime.blobs, company_id="ACME", document_class="x", filename="a", data=b"a", index={}, actor="t"
        )


def test_correction_is_a_new_version_linked_to_the_old(runtime: Runtime, world: World) -> None:
    v1 = file_invoice(runtime, data=b"%PDF original")
    with transaction(runtime.sessions) as s:
        v2 = records.new_version(
            s,
            runtime.blobs,
            company_id="ACME",
            record_id=v1.id,
            actor="clerk",
            index=records.index_of(v1) | {"amount": "1200.00"},
            reason="amount corrected",
        )
        assert (v2.version, v2.previous_id, v2.record_uid) == (2, v1.id, v1.record_uid)
        assert v2.blob_sha256 == v1.blob_sha256  # same original, corrected index
        m1, m2 = records.manifest_for(s, v1.id), records.manifest_for(s, v2.id)
        assert m1 is not None and m2 is not None
        assert json.loads(m2.manifest)["previous_version"] == m1.hash
        old = s.get(ArchiveRecord, v1.id)
        assert old is not None and records.index_of(old)["amount"] == "1190.00"
        with pytest.raises(Refused, match="superseded"):
            records.new_version(s, runtime.blobs, company_id="ACME", record_id=v1.id, actor="clerk")
        assert [r.version for r in records.versions(s, "ACME", v1.record_uid)] == [1, 2]


def test_no_service_call_changes_or_deletes_a_record_before_retention_end(runtime: Runtime, world: World) -> None:
    rec = file_invoice(runtime)
    with transaction(runtime.sessions) as s:
        with pytest.raises(Refused):
            records.update_record(s, rec.id, index={"amount": "1"})
        with pytest.raises(Refused):
            records.delete_record(s, rec.id)
        with pytest.raises(Refused, match="retained until 2033-12-31"):
            records.dispose(
                s,
                runtime.blobs,
                company_id="ACME",
                record_uid=rec.record_uid,
                actor="admin",
                role=Role.ADMIN,
                reason="try",
                confirm=True,
            )
        with pytest.raises(Refused, match="legal minimum"):
            records.set_retention(s, "ACME", "incoming_invoice", 5, actor="admin")
    with transaction(runtime.sessions) as s:
        assert s.get(ArchiveRecord, rec.id) is not None


def test_the_database_refuses_update_and_delete(runtime: Runtime, world: World) -> None:
    rec = file_invoice(runtime)
    for statement in (
        update(ArchiveRecord).where(ArchiveRecord.id == rec.id).values(index_data="{}"),
        delete(ArchiveRecord).where(ArchiveRecord.id == rec.id),
        update(ArchiveManifest).values(manifest="{}"),
        delete(ArchiveManifest),
    ):
        with pytest.raises(DBAPIError), transaction(runtime.sessions) as s:
            s.execute(statement)
    # Even a forged disposal protocol does not open the door before the retention end.
    with pytest.raises(DBAPIError), transaction(runtime.sessions) as s:
        s.add(
            ArchiveDisposal(
                company_id="ACME",
                record_uid=rec.record_uid,
                document_class="incoming_invoice",
                versions=1,
                manifest_hashes="[]",
                retain_until=rec.retain_until,
                reason="forged",
                confirmed_by="mallory",
            )
        )
        s.flush()
        s.execute(delete(ArchiveRecord).where(ArchiveRecord.id == rec.id))
    with transaction(runtime.sessions) as s:
        assert s.scalar(text("SELECT count(*) FROM archive_record")) == 1


def test_disposal_after_retention_needs_admin_confirmation_and_no_hold(runtime: Runtime, world: World) -> None:
    old = file_invoice(runtime, data=b"%PDF from 2010", document_date="2010-05-01")
    keep = file_invoice(runtime, data=b"%PDF recent")
    assert old.retain_until == date(2018, 12, 31)
    with transaction(runtime.sessions) as s:
        due = records.expiring(s, "ACME")
        assert [e.record_uid for e in due] == [old.record_uid]
        kwargs = {"company_id": "ACME", "record_uid": old.record_uid, "actor": "boss", "reason": "period ended"}
        with pytest.raises(Refused, match="admin"):
            records.dispose(s, runtime.blobs, role=Role.POWER_USER, confirm=True, **kwargs)  # type: ignore[arg-type]
        with pytest.raises(Refused, match="confirmed"):
            records.dispose(s, runtime.blobs, role=Role.ADMIN, confirm=False, **kwargs)  # type: ignore[arg-type]
        records.set_hold(s, "ACME", old.id, reason="tax audit 2024", actor="boss")
        assert records.expiring(s, "ACME")[0].on_hold
        with pytest.raises(Refused, match="legal hold"):
            records.dispose(s, runtime.blobs, role=Role.ADMIN, confirm=True, **kwargs)  # type: ignore[arg-type]
        assert records.release_hold(s, "ACME", old.id, actor="boss")
    with transaction(runtime.sessions) as s:
        protocol = records.dispose(s, runtime.blobs, role=Role.ADMIN, confirm=True, **kwargs)  # type: ignore[arg-type]
        assert protocol.versions == 1 and json.loads(protocol.blobs_deleted) == [old.blob_sha256]
    with transaction(runtime.sessions) as s:
        assert s.get(ArchiveRecord, old.id) is None and s.get(ArchiveRecord, keep.id) is not None
        kinds = s.scalars(select(ArchiveManifest.kind).order_by(ArchiveManifest.seq)).all()
        assert kinds == ["record", "record", "disposal"]
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "dispose")) is not None
        with pytest.raises(DBAPIError), s.begin_nested():
            s.execute(delete(ArchiveDisposal))
    assert not runtime.blobs.exists(old.blob_sha256)
    assert runtime.blobs.exists(keep.blob_sha256)
    with transaction(runtime.sessions) as s:
        report = verify.verify_company(s, runtime.blobs, "ACME")
        assert report.ok and (report.manifests, report.records) == (3, 1), report.problems


def test_a_rolled_back_disposal_keeps_the_blob(runtime: Runtime, world: World) -> None:
    old = file_invoice(runtime, data=b"%PDF from 2011", document_date="2011-05-01")
    with pytest.raises(RuntimeError), transaction(runtime.sessions) as s:
        records.dispose(
            s, runtime.blobs, company_id="ACME", record_uid=old.record_uid, actor="boss", role=Role.ADMIN,
            reason="period ended", confirm=True,
        )  # fmt: skip
        raise RuntimeError("crash before commit")
    assert runtime.blobs.exists(old.blob_sha256)
    with transaction(runtime.sessions) as s:
        assert s.get(ArchiveRecord, old.id) is not None


def test_company_retention_rule_lengthens_the_period(runtime: Runtime, world: World) -> None:
    old = file_invoice(runtime, document_date="2010-05-01")
    with transaction(runtime.sessions) as s:
        assert records.set_retention(s, "ACME", "incoming_invoice", 30, actor="admin") == 30
        rec = s.get(ArchiveRecord, old.id)
        assert rec is not None and records.effective_retain_until(s, rec) == date(2040, 12, 31)
        assert records.expiring(s, "ACME") == []
        table = {row["document_class"]: row for row in records.retention_table(s, "ACME")}
        assert table["incoming_invoice"]["years"] == 30 and table["letter"]["legal_years"] == 6
        assert table["annual_statement"]["legal_years"] == 10
        with pytest.raises(Refused), s.begin_nested():
            records.dispose(
                s,
                runtime.blobs,
                company_id="ACME",
                record_uid=old.record_uid,
                actor="a",
                role=Role.ADMIN,
                reason="r",
                confirm=True,
            )


def test_filing_a_received_document_reuses_its_original(runtime: Runtime, world: World) -> None:
    with transaction(runtime.sessions) as s:
        doc = receive(
            s, runtime.blobs, company_id="ACME", filename="in.xml", data=b"<Invoice/>", source="api", actor="clerk"
        )
        rec = records.file_document(
            s,
            runtime.blobs,
            company_id="ACME",
            document_id=doc.id,
            document_class="incoming_invoice",
            index={"vendor_no": "70001", "document_number": "X1"},
            actor="clerk",
            text_content="Invoice X1",
        )
        assert rec.blob_sha256 == doc.sha256 and rec.source_document_id == doc.id
        assert rec.media_type == "application/xml"
        with pytest.raises(Refused, match="already filed"):
            records.file_document(
                s,
                runtime.blobs,
                company_id="ACME",
                document_id=doc.id,
                document_class="incoming_invoice",
                index={},
                actor="clerk",
            )
        with pytest.raises(RecordNotFound):
            records.file_document(
                s,
                runtime.blobs,
                company_id="GLOBEX",
                document_id=doc.id,
                document_class="incoming_invoice",
                index={},
                actor="clerk",
            )
