"""Analyse a received document: what is it, what does it say, does it pass the rules.

E-invoices (XML, or PDF with embedded XML) are read exactly and validated against EN 16931 and their
specification; other PDFs, scans and photos go through capture (text layer or OCR) and get a
confidence per field. A file that is neither ends with a reason the user can act on; its original
stays in the blob store either way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from belegwerk.archive import audit
from belegwerk.db.models import Document, DocumentAnalysis

SUMMARY_TERMS = ("BT-1", "BT-2", "BT-5", "BT-27", "BT-112")


@dataclass
class Analysis:
    """The outcome for one document (plain data; :func:`store` persists it)."""

    kind: str  # einvoice | pdf | scan | image | unreadable
    source: str | None = None  # xml | text | ocr
    syntax: str | None = None
    profile: str | None = None
    valid: bool | None = None
    fatal: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    report: dict[str, Any] | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def analyse(data: bytes) -> Analysis:
    """Detect, read and check ``data``. Never raises for bad input: the reason goes into ``error``."""
    from belegwerk.capture.cli import result_to_json
    from belegwerk.capture.errors import CaptureError
    from belegwerk.capture.pipeline import capture_bytes

    try:
        captured = capture_bytes(data)
    except CaptureError as exc:
        analysis = Analysis(kind="unreadable", error=exc.reason)
        if data.lstrip()[:1] == b"<":  # an XML that is no readable invoice still gets its validation report
            _validate_xml(analysis, data)
        return analysis
    result = result_to_json(captured)
    kinds = {"xml": "einvoice", "hybrid-pdf": "einvoice", "text-pdf": "pdf", "scanned-pdf": "scan", "image": "image"}
    analysis = Analysis(
        kind=kinds.get(result["input"], result["input"]), source=result["source"], fields=result["fields"]
    )
    if analysis.kind == "einvoice":
        _describe_einvoice(analysis, data)
    return analysis


def _describe_einvoice(analysis: Analysis, data: bytes) -> None:
    from belegwerk.einvoice.detect import UnreadableDocument, detect
    from belegwerk.xml.safe import UnreadableXML

    try:
        detection = detect(data)
    except (UnreadableDocument, UnreadableXML) as exc:
        analysis.error = getattr(exc, "reason", str(exc))
        return
    analysis.syntax = f"{detection.syntax.value}/{detection.document_type}"
    analysis.profile = detection.profile.value + (f" {detection.version}" if detection.version else "")
    _validate_xml(analysis, detection.xml)


def _validate_xml(analysis: Analysis, xml: bytes) -> None:
    from belegwerk.rules.official import runner_from_environment
    from belegwerk.rules.validate import validate_bytes

    report = validate_bytes(xml)
    runner = runner_from_environment()
    if runner is not None:
        report.official = runner.findings(xml)
    analysis.valid = report.valid
    analysis.fatal = report.fatal
    analysis.warnings = report.warnings
    analysis.report = report.to_dict()


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _value(fields: dict[str, Any], term: str) -> Any:
    entry = fields.get(term)
    return entry.get("value") if isinstance(entry, dict) else None


def store(session: Session, document: Document, analysis: Analysis) -> DocumentAnalysis:
    """Persist the analysis of ``document`` (replacing an earlier one) and audit it."""
    row = session.get(DocumentAnalysis, document.id)
    before = None if row is None else {"kind": row.kind, "valid": row.valid, "fatal": row.fatal}
    if row is None:
        row = DocumentAnalysis(document_id=document.id)
        session.add(row)
    f = analysis.fields
    row.kind = analysis.kind
    row.source = analysis.source
    row.syntax = analysis.syntax
    row.profile = analysis.profile
    row.valid = analysis.valid
    row.fatal = json.dumps(analysis.fatal)
    row.warnings = json.dumps(analysis.warnings)
    row.report = json.dumps(analysis.report) if analysis.report is not None else None
    row.fields = json.dumps(f)
    row.error = analysis.error
    row.invoice_number = (str(_value(f, "BT-1")) or None) if _value(f, "BT-1") else None
    row.issue_date = _date(_value(f, "BT-2"))
    row.currency = str(_value(f, "BT-5") or "") or None
    row.seller_name = str(_value(f, "BT-27") or "")[:200] or None
    row.gross = _decimal(_value(f, "BT-112"))
    session.flush()
    audit.record(
        session,
        company_id=document.company_id,
        actor="system",
        object_type="document",
        object_id=document.id,
        action="analyse",
        before=before,
        after={"kind": row.kind, "valid": row.valid, "fatal": analysis.fatal, "fields": f},
    )
    return row


def analysis_of(session: Session, document_id: int) -> DocumentAnalysis | None:
    return session.scalar(select(DocumentAnalysis).where(DocumentAnalysis.document_id == document_id))


def analyses_for(session: Session, document_ids: list[int]) -> dict[int, DocumentAnalysis]:
    if not document_ids:
        return {}
    rows = session.scalars(select(DocumentAnalysis).where(DocumentAnalysis.document_id.in_(document_ids)))
    return {row.document_id: row for row in rows}


def fatal_count(row: DocumentAnalysis) -> int:
    return len(json.loads(row.fatal))


def as_dict(row: DocumentAnalysis) -> dict[str, Any]:
    """The JSON shape of an analysis for API and web client."""
    return {
        "kind": row.kind,
        "source": row.source,
        "syntax": row.syntax,
        "profile": row.profile,
        "valid": row.valid,
        "fatal": json.loads(row.fatal),
        "warnings": json.loads(row.warnings),
        "error": row.error,
        "invoice_number": row.invoice_number,
        "issue_date": row.issue_date.isoformat() if row.issue_date else None,
        "currency": row.currency,
        "seller_name": row.seller_name,
        "gross": format(row.gross, "f") if row.gross is not None else None,
        "fields": json.loads(row.fields),
        "report": json.loads(row.report) if row.report else None,
        "analysed_at": row.analysed_at.isoformat(),
    }
