"""The worker: an upload is verified in the background by the in-process consumer."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from foundation_support import World

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
