"""The S3 backend against an in-memory stand-in of the S3 API (conditional put, Object Lock).

This checks our side of the contract (keys, write-once, checksums, retention dates, governance
bypass on disposal, error mapping) precisely, call by call; test_archive_s3_seaweedfs.py runs the
same store against a real S3-compatible server.
"""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from archive_support import World, invoice_index

from belegwerk.archive import records, verify
from belegwerk.archive.blobstore import BlobNotFound
from belegwerk.archive.s3store import S3BlobStore, from_settings
from belegwerk.config import ConfigError, Settings
from belegwerk.db.engine import transaction
from belegwerk.db.models import Role
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.archive


class ClientError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class FakeS3:
    """Just enough of S3: objects, conditional writes, Object Lock retention."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.retention: dict[str, tuple[str, datetime]] = {}
        self.calls: list[str] = []

    def head_bucket(self, Bucket: str) -> None:
        self.calls.append("head_bucket")

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        if Key not in self.objects:
            raise ClientError("404")
        return {"ContentLength": len(self.objects[Key])}

    def put_object(self, Bucket: str, Key: str, Body: bytes, IfNoneMatch: str, ChecksumSHA256: str) -> None:
        assert IfNoneMatch == "*"
        assert base64.b64decode(ChecksumSHA256) == hashlib.sha256(Body).digest()
        if Key in self.objects:
            raise ClientError("PreconditionFailed")
        self.objects[Key] = Body

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        if Key not in self.objects:
            raise ClientError("NoSuchKey")
        return {"Body": io.BytesIO(self.objects[Key])}

    def put_object_retention(self, Bucket: str, Key: str, Retention: dict[str, Any]) -> None:
        mode, until = Retention["Mode"], Retention["RetainUntilDate"]
        if Key in self.retention and until < self.retention[Key][1]:
            raise ClientError("AccessDenied")  # retention can be extended, never shortened
        self.retention[Key] = (mode, until)

    def delete_object(self, Bucket: str, Key: str, BypassGovernanceRetention: bool = False) -> None:
        mode, until = self.retention.get(Key, ("", datetime.min.replace(tzinfo=UTC)))
        locked = until > datetime.now(UTC)
        if locked and (mode == "COMPLIANCE" or not BypassGovernanceRetention):
            raise ClientError("AccessDenied")
        del self.objects[Key]


@pytest.fixture
def s3(runtime: Runtime) -> FakeS3:
    fake = FakeS3()
    runtime.blobs = S3BlobStore(fake, "archive", prefix="blobs", lock_mode="GOVERNANCE")
    return fake


def test_s3_store_is_content_addressed_write_once_and_locked(runtime: Runtime, world: World, s3: FakeS3) -> None:
    store = runtime.blobs
    digest = store.put(b"%PDF s3")
    assert store.put(b"%PDF s3") == digest and list(s3.objects) == [f"blobs/{digest[:2]}/{digest[2:4]}/{digest}"]
    assert store.get(digest) == b"%PDF s3" and store.verify(digest)
    with pytest.raises(BlobNotFound):
        store.get("0" * 64)
    with transaction(runtime.sessions) as s:
        rec = records.file_record(
            s, runtime.blobs, company_id="ACME", document_class="incoming_invoice", filename="a.pdf",
            data=b"%PDF s3", index=invoice_index(), actor="t",
        )  # fmt: skip
    mode, until = s3.retention[f"blobs/{digest[:2]}/{digest[2:4]}/{digest}"]
    assert mode == "GOVERNANCE" and until.date() == rec.retain_until == date(2033, 12, 31)
    key = next(iter(s3.objects))
    s3.objects[key] = b"%PDF tampered"
    with transaction(runtime.sessions) as s:
        problems = verify.verify_company(s, runtime.blobs, "ACME").problems
    assert [(p.record_id, p.blob) for p in problems] == [(rec.id, digest)]


def test_s3_disposal_removes_the_object_after_retention(runtime: Runtime, world: World, s3: FakeS3) -> None:
    with transaction(runtime.sessions) as s:
        old = records.file_record(
            s, runtime.blobs, company_id="ACME", document_class="incoming_invoice", filename="a.pdf",
            data=b"%PDF 2010", index=invoice_index(document_date="2010-01-05"), actor="t",
        )  # fmt: skip
    with transaction(runtime.sessions) as s:
        records.dispose(
            s, runtime.blobs, company_id="ACME", record_uid=old.record_uid, actor="boss", role=Role.ADMIN,
            reason="period ended", confirm=True,
        )  # fmt: skip
    assert s3.objects == {}


def test_s3_configuration_errors_name_the_setting(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="BELEGWERK_S3_BUCKET"):
        from_settings(Settings(data_dir=tmp_path, storage="s3"))
    with pytest.raises(ValueError, match="GOVERNANCE"):
        Settings(data_dir=tmp_path, s3_object_lock_mode="forever")
    with pytest.raises(ValueError, match="file or s3"):
        Settings(data_dir=tmp_path, storage="tape")
