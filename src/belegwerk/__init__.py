"""Belegwerk: business documents from arrival to revision-safe archive."""

__version__ = "0.1.0"
