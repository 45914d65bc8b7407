"""End to end: `belegwerk demo` on a fresh data directory, then the demo clerk logs in with a real
headless Chromium (Debian's /usr/bin/chromium driven by Playwright) and sees the inbox."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import cli_env

pytestmark = pytest.mark.foundation

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "belegwerk", "demo", "--port", str(port)],
            env=cli_env(BELEGWERK_DATA_DIR=str(tmp_path / "data"), COLUMNS="200"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "Uvicorn running" in log.read_text() or "Application startup complete" in log.read_text():
                break
            if proc.poll() is not None:
                pytest.fail(f"demo exited early:\n{log.read_text()}")
            time.sleep(0.2)
        else:
            pytest.fail(f"demo did not start:\n{log.read_text()}")
        passwords = dict(re.findall(r"│ (\w+)\s+│[^│]+│ (\S+)\s+│", log.read_text()))
        yield f"http://127.0.0.1:{port}", passwords
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_demo_clerk_logs_in_and_sees_the_inbox(demo_server: tuple[str, dict[str, str]]) -> None:
    from playwright.sync_api import sync_playwright

    base, passwords = demo_server
    assert set(passwords) >= {"admin", "clerk", "approver", "auditor"}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(base + "/")
            assert page.url.endswith("/login")
            page.fill("#username", "clerk")
            page.fill("#password", passwords["clerk"])
            page.click("#login-submit")
            page.wait_for_url(base + "/inbox")
            assert page.text_content("#page-title").startswith("Inbox")
            assert "Muster GmbH" in page.text_content("#page-title")
            assert "Rechnung-2026-0815.pdf" in page.text_content("#documents")
            # The sample documents are verified and analysed by the in-process worker.
            deadline = time.monotonic() + 60
            while "pending" in page.text_content("#documents") and time.monotonic() < deadline:
                time.sleep(1)
                page.reload()
            table = page.text_content("#documents")
            assert "pending" not in table and "XRechnung 3.0" in table and "valid" in table and "1 errors" in table
            assert "Power user" in page.text_content("#current-user")
            for key in ("inbox", "archive", "dossiers", "exchange", "admin"):
                assert page.is_visible(f"#nav-{key}")
            # Upload through the form: CSRF token travels in the form, the document appears.
            page.set_input_files(
                "#file", files=[{"name": "note.xml", "mimeType": "application/xml", "buffer": b"<Invoice/>"}]
            )
            page.click("#upload-form button")
            page.wait_for_selector("text=Received note.xml")
            assert "note.xml" in page.text_content("#documents")
        finally:
            browser.close()
