"""The worker: an upload is verified in the background by the in-process consumer."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from appworld import World
from belegwerk.api.app import create_app
from belegwerk.runtime import Runtime

pytestmark = pytest.mark.foundation


def test_in_process_worker_verifies_uploaded_originals(runtime: Runtime, world: World) -> None:
    with TestClient(create_app(runtime, run_worker=True)) as client:
        doc = client.post(
            "/api/v1/companies/ACME/documents",
            headers=world.auth("acme_clerk"),
            files={"file": ("r.pdf", b"%PDF-1.7 test")},
        ).json()
        assert doc["state"] == "received"
        url = f"/api/v1/companies/ACME/documents/{doc['id']}"
        deadline = time.monotonic() + 20
        state = doc["state"]
        while time.monotonic() < deadline and state == "received":
            time.sleep(0.2)
            state = client.get(url, headers=world.auth("acme_clerk")).json()["state"]
        assert state == "stored"
        events = client.get("/api/v1/companies/ACME/audit", headers=world.auth("acme_admin")).json()
        assert any(e["action"] == "verify-original" and e["actor"] == "system" for e in events)
    assert (runtime.settings.data_dir / "jobs.db").exists()


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A private Redis server on a free loopback port, stopped after the test."""
    import shutil
    import socket
    import subprocess

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (scripts/test.sh installs it)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_redis_queue_when_configured(runtime: Runtime, world: World, redis_url: str) -> None:
    runtime.settings = runtime.settings.model_copy(update={"redis_url": redis_url})
    with TestClient(create_app(runtime, run_worker=True)) as client:
        from huey.storage import RedisStorage

        from belegwerk.jobs.queue import huey

        assert isinstance(huey.storage, RedisStorage)
        doc = client.post(
            "/api/v1/companies/ACME/documents",
            headers=world.auth("acme_clerk"),
            files={"file": ("r.xml", b"<Invoice/>")},
        ).json()
        url = f"/api/v1/companies/ACME/documents/{doc['id']}"
        deadline = time.monotonic() + 20
        state = doc["state"]
        while time.monotonic() < deadline and state == "received":
            time.sleep(0.2)
            state = client.get(url, headers=world.auth("acme_clerk")).json()["state"]
        assert state == "stored"


def test_documents_received_without_a_queue_are_picked_up(runtime: Runtime, world: World) -> None:
    """Documents stored while no worker ran (seeded, imported) get verified when a worker starts."""
    from belegwerk.db.engine import transaction
    from belegwerk.intake.receive import receive

    with transaction(runtime.sessions) as s:
        doc = receive(s, runtime.blobs, company_id="ACME", filename="seed.xml", data=b"<Invoice/>", source="demo",
                      actor="demo")  # fmt: skip
    with TestClient(create_app(runtime, run_worker=True)) as client:
        url = f"/api/v1/companies/ACME/documents/{doc.id}"
        deadline = time.monotonic() + 30
        state = "received"
        while time.monotonic() < deadline and state == "received":
            time.sleep(0.2)
            state = client.get(url, headers=world.auth("acme_clerk")).json()["state"]
        assert state == "stored"
