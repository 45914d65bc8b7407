"""Errors of the archive services (the API maps them to 400/403/404/409)."""

from __future__ import annotations


class ArchiveError(ValueError):
    """A request the archive cannot fulfil as asked (bad input)."""


class RecordNotFound(ArchiveError):
    """No such record in this company (other companies' ids look the same: not found)."""


class Refused(ArchiveError):
    """The archive refuses: immutability, retention, legal hold or missing authority."""
