"""Tamper evidence: `archive verify` names the exact record/blob that was altered or is missing."""

from __future__ import annotations

import json
import os

import pytest
from archive_support import World, file_invoice, lift_guard
from sqlalchemy import text
from typer.testing import CliRunner

from belegwerk.archive import verify
from belegwerk.archive.cli import app as archive_app
from belegwerk.db.engine import transaction
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.archive


def _env(rt: Runtime) -> dict[str, str]:
    return {
        "BELEGWERK_DATA_DIR": str(rt.settings.data_dir),
        "BELEGWERK_DATABASE_URL": rt.settings.effective_database_url,
        "BELEGWERK_SECRET_KEY": "test-secret-key",
    }


def _verify(rt: Runtime, *, incremental: bool = False) -> verify.VerifyReport:
    with transaction(rt.sessions) as s:
        return verify.verify_company(s, rt.blobs, "ACME", incremental=incremental)


def test_clean_archive_verifies(runtime: Runtime, world: World) -> None:
    for n in range(3):
        file_invoice(runtime, data=f"%PDF {n}".encode(), document_number=f"RE-{n}")
    report = _verify(runtime)
    assert report.ok, report.problems
    assert (report.manifests, report.records, report.blobs, report.head_seq) == (3, 3, 3, 3)
    result = CliRunner().invoke(archive_app, ["verify"], env=_env(runtime))
    assert result.exit_code == 0, result.output
    assert "ACME: 3 manifests, 3 records, 3 blobs checked" in result.output


def test_an_edited_blob_byte_is_reported_with_its_record(runtime: Runtime, world: World) -> None:
    file_invoice(runtime, data=b"%PDF innocent")
    victim = file_invoice(runtime, data=b"%PDF total 100.00", document_number="RE-9")
    path = runtime.blobs.path_for(victim.blob_sha256)
    os.chmod(path, 0o644)
    raw = bytearray(path.read_bytes())
    raw[-3] = ord("9")  # 100.00 -> 900.00
    path.write_bytes(bytes(raw))
    report = _verify(runtime)
    assert [(p.what, p.record_id, p.blob) for p in report.problems] == [("blob", victim.id, victim.blob_sha256)]
    assert "altered" in report.problems[0].message
    result = CliRunner().invoke(archive_app, ["verify", "--company", "ACME"], env=_env(runtime))
    assert result.exit_code == 1
    assert f"record {victim.id}" in result.output and victim.blob_sha256 in result.output


def test_a_missing_blob_is_reported(runtime: Runtime, world: World) -> None:
    victim = file_invoice(runtime, data=b"%PDF gone")
    runtime.blobs.path_for(victim.blob_sha256).unlink()
    problems = _verify(runtime).problems
    assert [(p.record_id, p.message) for p in problems] == [(victim.id, "blob is missing")]


def test_an_edited_manifest_row_is_reported(runtime: Runtime, world: World) -> None:
    file_invoice(runtime, data=b"%PDF a")
    victim = file_invoice(runtime, data=b"%PDF b")
    file_invoice(runtime, data=b"%PDF c")
    with transaction(runtime.sessions) as s:
        lift_guard(s, "archive_manifest", _trigger(s, "archive_manifest"))
        s.execute(
            text("UPDATE archive_manifest SET manifest = replace(manifest, '1190.00', '119.00') WHERE record_id = :r"),
            {"r": victim.id},
        )
    problems = _verify(runtime).problems
    assert {(p.seq, p.record_id) for p in problems} == {(2, victim.id)}
    assert any("manifest text was altered" in p.message for p in problems)


def test_an_edited_record_row_is_reported(runtime: Runtime, world: World) -> None:
    victim = file_invoice(runtime, data=b"%PDF x")
    with transaction(runtime.sessions) as s:
        lift_guard(s, "archive_record", "archive_record_no_update")
        s.execute(
            text("UPDATE archive_record SET index_data = replace(index_data, '1190.00', '11.90') WHERE id = :r"),
            {"r": victim.id},
        )
    problems = _verify(runtime).problems
    assert problems and all(p.record_id == victim.id for p in problems)
    assert "index" in problems[0].message
    assert any("search columns" in p.message for p in problems)


def test_incremental_verification_keeps_a_checkpoint(runtime: Runtime, world: World) -> None:
    file_invoice(runtime, data=b"%PDF 1")
    assert _verify(runtime, incremental=True).manifests == 1
    file_invoice(runtime, data=b"%PDF 2")
    second = _verify(runtime, incremental=True)
    assert (second.manifests, second.head_seq, second.ok) == (1, 2, True)
    assert _verify(runtime, incremental=True).manifests == 0
    # Rewriting a manifest behind the checkpoint is caught by the anchor check.
    with transaction(runtime.sessions) as s:
        lift_guard(s, "archive_manifest", _trigger(s, "archive_manifest"))
        s.execute(text("UPDATE archive_manifest SET hash = :h WHERE seq = 2"), {"h": "f" * 64})
    assert not _verify(runtime, incremental=True).ok


def test_signed_chain_head_can_be_checked_by_an_outsider(runtime: Runtime, world: World) -> None:
    file_invoice(runtime)
    with transaction(runtime.sessions) as s:
        head = verify.sign_head(verify.chain_head(s, "ACME"), runtime.settings)
    assert head["company"] == "ACME" and head["count"] == 1 and len(head["head_hash"]) == 64
    public = head["ed25519"]["public_key"]
    assert verify.verify_signed_head(head, public)
    forged = {**head, "count": 5}
    assert not verify.verify_signed_head(forged, public)
    result = CliRunner().invoke(
        archive_app, ["head", "-c", "ACME", "-o", str(runtime.settings.data_dir / "head.json")], env=_env(runtime)
    )
    assert result.exit_code == 0, result.output
    written = json.loads((runtime.settings.data_dir / "head.json").read_text())
    assert verify.verify_signed_head(written, public)  # same key on the second run


def _trigger(session: object, table: str) -> str:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    pg = session.get_bind().dialect.name == "postgresql"
    return f"{table}_append_only" if pg else f"{table}_no_update"
