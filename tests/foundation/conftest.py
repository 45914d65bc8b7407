"""Fixtures of the foundation tests (defined in foundation_support)."""

from foundation_support import client, world  # noqa: F401
