"""Settings and operations commands: clear one-line errors instead of tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support import cli_env

pytestmark = pytest.mark.foundation


def run(*args: str, timeout: int = 60, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "belegwerk", *args], env=cli_env(**env), capture_output=True, text=True, timeout=timeout
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    r = run(
        "config",
        "show",
        BELEGWERK_DATA_DIR=str(tmp_path),
        BELEGWERK_SECRET_KEY="super-secret-value",
        BELEGWERK_DATABASE_URL="postgresql://bw:hunter2@db.example:5432/bw",
    )
    assert r.returncode == 0, r.stderr
    assert "super-secret-value" not in r.stdout and "hunter2" not in r.stdout
    assert "********" in r.stdout and "bw:***@db.example" in r.stdout


def test_toml_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    (tmp_path / "belegwerk.toml").write_text('[belegwerk]\nport = 9123\nhost = "0.0.0.0"\n', encoding="utf-8")
    r = run("config", "show", BELEGWERK_DATA_DIR=str(tmp_path), BELEGWERK_HOST="127.0.0.2")
    assert r.returncode == 0
    assert "9123" in r.stdout and "127.0.0.2" in r.stdout and "0.0.0.0" not in r.stdout  # noqa: S104


def test_malformed_toml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[belegwerk\nport = ", encoding="utf-8")
    line = one_error_line(run("config", "show", BELEGWERK_CONFIG_FILE=str(bad)))
    assert "BELEGWERK_CONFIG_FILE" in line and "not valid TOML" in line


def test_invalid_value_names_the_setting(tmp_path: Path) -> None:
    line = one_error_line(run("config", "show", BELEGWERK_DATA_DIR=str(tmp_path), BELEGWERK_PORT="eighty"))
    assert line.startswith("error: BELEGWERK_PORT")


def test_unwritable_data_dir_names_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    line = one_error_line(run("db", "upgrade", BELEGWERK_DATA_DIR=str(blocker / "data")))
    assert "BELEGWERK_DATA_DIR" in line and "not writable" in line


def test_unreachable_database_names_the_setting(tmp_path: Path) -> None:
    line = one_error_line(
        run(
            "db",
            "upgrade",
            BELEGWERK_DATA_DIR=str(tmp_path),
            BELEGWERK_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:9/nothing?connect_timeout=3",
        )
    )
    assert "BELEGWERK_DATABASE_URL" in line and "cannot connect" in line


def test_server_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    line = one_error_line(run("serve", "--port", "8999", BELEGWERK_DATA_DIR=str(tmp_path)))
    assert "belegwerk db upgrade" in line and "not migrated" in line


def test_db_upgrade_then_admin_commands(tmp_path: Path) -> None:
    env = {"BELEGWERK_DATA_DIR": str(tmp_path)}
    assert run("db", "upgrade", **env).returncode == 0
    from belegwerk.db.migrate import head_revision

    assert f"database: {head_revision()}" in run("db", "current", **env).stdout
    assert run("company", "create", "NORD", "Nord KG", **env).returncode == 0
    assert run("user", "create", "erp", "--password", "erp-password-1", **env).returncode == 0
    assert run("user", "grant", "erp", "NORD", "power_user", **env).returncode == 0
    token = run("user", "token", "erp", **env)
    assert token.returncode == 0 and token.stdout.strip().startswith("bw_")
    line = one_error_line(run("user", "grant", "erp", "NORD", "king", **env))
    assert "role must be one of" in line
    line = one_error_line(run("company", "create", "NO-RD", "x", **env))
    assert "letters or digits" in line
    verify = run("audit", "verify", **env)
    assert verify.returncode == 0 and "NORD" in verify.stdout and "intact" in verify.stdout
