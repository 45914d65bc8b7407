"""One settings object for the whole system.

Values come from ``BELEGWERK_*`` environment variables and, optionally, a TOML file (path in
``BELEGWERK_CONFIG_FILE``, else ``belegwerk.toml`` in the data directory if present);
environment variables win. Configuration mistakes are reported as :class:`ConfigError` with
one line that names the setting, because a traceback does not tell an admin what to fix.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "BELEGWERK_"
SECRET_FIELDS = frozenset({"secret_key", "s3_secret_access_key"})


class ConfigError(Exception):
    """A setting is missing, malformed or unusable. ``str(err)`` is one line naming the setting."""


class Settings(BaseSettings):
    """Effective configuration. See the README's configuration table for every field."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    data_dir: Path = Field(default=Path("./belegwerk-data"), description="Data directory (database, blobs, jobs)")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in the data dir")
    redis_url: str | None = Field(default=None, description="Redis URL for the job queue; default SQLite queue")
    secret_key: str | None = Field(default=None, description="Signing key; generated into the data dir if unset")
    host: str = Field(default="127.0.0.1", description="Address `belegwerk serve` binds to")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `belegwerk serve` listens on")
    in_process_worker: bool = Field(default=True, description="`serve` also runs the job worker in-process")
    worker_threads: int = Field(default=2, ge=1, le=64, description="Worker threads of the job consumer")
    cookie_secure: bool = Field(default=False, description="Always mark the session cookie Secure (else only on HTTPS)")
    session_hours: int = Field(default=12, ge=1, le=24 * 30, description="Web session lifetime in hours")
    xsd_dir: Path | None = Field(default=None, description="Directory with UBL 2.1 / CII D16B schemas")
    schematron_dir: Path | None = Field(
        default=None, description="Official Schematron XSLT packs to run as a second opinion (saxonche)"
    )
    log_level: str = Field(default="INFO", description="Log level")
    storage: str = Field(default="file", description="Blob storage backend: file (data dir) or s3")
    s3_bucket: str = Field(default="", description="S3 bucket for the blobs (BELEGWERK_STORAGE=s3)")
    s3_endpoint_url: str = Field(default="", description="S3 endpoint (MinIO, Ceph …); empty for AWS")
    s3_region: str = Field(default="", description="S3 region")
    s3_access_key_id: str = Field(default="", description="S3 access key id; empty: boto3's default chain")
    s3_secret_access_key: str | None = Field(default=None, description="S3 secret access key")
    s3_prefix: str = Field(default="blobs/", description="Key prefix of the blobs in the bucket")
    s3_object_lock_mode: str = Field(default="", description="'', GOVERNANCE or COMPLIANCE (bucket with Object Lock)")

    @field_validator("storage")
    @classmethod
    def _storage(cls, value: str) -> str:
        lower = value.lower()
        if lower not in {"file", "s3"}:
            raise ValueError("must be file or s3")
        return lower

    @field_validator("s3_object_lock_mode")
    @classmethod
    def _lock_mode(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"", "GOVERNANCE", "COMPLIANCE"}:
            raise ValueError("must be empty, GOVERNANCE or COMPLIANCE")
        return upper

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return upper

    @field_validator("database_url")
    @classmethod
    def _db(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        scheme = urlsplit(value).scheme
        if not scheme.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:// or postgresql+psycopg:// URL")
        if scheme in ("postgresql", "postgres"):
            return "postgresql+psycopg" + value[len(scheme) :]
        return value

    @cached_property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'belegwerk.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    def effective_secret_key(self) -> str:
        """The configured key, or one generated once and kept in the data directory."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text(encoding="ascii").strip()
        key = secrets.token_urlsafe(48)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key)
        return key

    def shown(self) -> dict[str, str]:
        """Effective settings for display, secrets and URL passwords masked."""
        out: dict[str, str] = {}
        for name in type(self).model_fields:
            value: Any = getattr(self, name)
            if name in SECRET_FIELDS:
                text = "(unset: generated in data dir)" if value is None else "********"
            elif name.endswith("_url") and value:
                text = mask_url(str(value))
            else:
                text = "" if value is None else str(value)
            out[ENV_PREFIX + name.upper()] = text
        out["(effective database)"] = mask_url(self.effective_database_url)
        return out


def mask_url(url: str) -> str:
    """Hide the password of a URL (``postgresql://u:secret@h/db`` → ``postgresql://u:***@h/db``)."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _toml_values(environ: dict[str, str]) -> dict[str, Any]:
    explicit = environ.get(ENV_PREFIX + "CONFIG_FILE")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{ENV_PREFIX}CONFIG_FILE: {path} does not exist")
    else:
        data_dir = Path(environ.get(ENV_PREFIX + "DATA_DIR", "./belegwerk-data"))
        path = data_dir / "belegwerk.toml"
        if not path.is_file():
            return {}
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{ENV_PREFIX}CONFIG_FILE: {path} is not valid TOML ({exc})") from exc
    section = raw.get("belegwerk", raw)
    if not isinstance(section, dict):
        raise ConfigError(f"{ENV_PREFIX}CONFIG_FILE: {path}: [belegwerk] must be a table")
    return {str(k).lower(): v for k, v in section.items()}


def load_settings() -> Settings:
    """Build settings from the environment and the optional TOML file, or raise ConfigError."""
    env = dict(os.environ)
    file_values = _toml_values(env)
    env_names = {k[len(ENV_PREFIX) :].lower() for k in env if k.startswith(ENV_PREFIX)}
    init = {k: v for k, v in file_values.items() if k not in env_names}
    try:
        return Settings(**init)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        raise ConfigError(f"{ENV_PREFIX}{field.upper()}: {err['msg']} (got {err.get('input')!r})") from exc


def check_data_dir(settings: Settings) -> None:
    """Make sure the data directory exists and is writable, or raise ConfigError naming it."""
    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{secrets.token_hex(4)}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"{ENV_PREFIX}DATA_DIR: {path} is not writable ({exc.strerror or exc})") from exc
