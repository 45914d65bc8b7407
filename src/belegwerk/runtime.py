"""The running system's shared objects: settings, database engine, session factory, blob store.

Created once per process (server, worker, CLI command) from the settings, and handed to the
web app and jobs explicitly rather than through globals.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from belegwerk.archive.blobstore import FileBlobStore
from belegwerk.archive.s3store import S3BlobStore
from belegwerk.archive.s3store import from_settings as s3_from_settings
from belegwerk.config import ConfigError, Settings, check_data_dir
from belegwerk.db.engine import check_connection, make_engine, make_sessionmaker
from belegwerk.db.migrate import current_revision, head_revision


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: FileBlobStore | S3BlobStore

    @classmethod
    def open(cls, settings: Settings, *, require_migrated: bool = True) -> Runtime:
        """Check data dir and database, then build the runtime; problems raise ConfigError (one line)."""
        check_data_dir(settings)
        engine = make_engine(settings.effective_database_url)
        check_connection(engine)
        if require_migrated:
            current, head = current_revision(engine), head_revision()
            if current != head:
                engine.dispose()
                state = "not migrated" if current is None else f"at revision {current}, code expects {head}"
                raise ConfigError(f"BELEGWERK_DATABASE_URL: the database is {state}; run `belegwerk db upgrade` first")
        # Validation reads its schema and official-pack directories from the environment (it also runs
        # outside a runtime, e.g. in `belegwerk einvoice validate`); TOML settings are passed on here.
        for name, value in (
            ("BELEGWERK_XSD_DIR", settings.xsd_dir),
            ("BELEGWERK_SCHEMATRON_DIR", settings.schematron_dir),
        ):
            if value is not None:
                os.environ.setdefault(name, str(value))
        try:
            blobs = FileBlobStore(settings.blob_dir) if settings.storage == "file" else s3_from_settings(settings)
        except ConfigError:
            engine.dispose()
            raise
        return cls(settings, engine, make_sessionmaker(engine), blobs)

    def close(self) -> None:
        self.engine.dispose()
