"""Revision-safe archive: blob store, hash-chained audit trail, records, retention, dossiers."""
