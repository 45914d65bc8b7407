"""Fixtures of the archive tests (defined in archive_support)."""

from archive_support import client, world  # noqa: F401
