"""REST API of the archive: records, versions, content, search, dossiers, holds, retention,
expiry and confirmed deletion, ERP context views, verification and the signed chain head.

Thin like :mod:`belegwerk.api.v1`: every rule lives in :mod:`belegwerk.archive`. There is no
endpoint that changes or deletes a record in place — PUT/PATCH/DELETE on a record answer 409
with the reason, so clients learn the rule instead of a bare 405. Reads by the auditor role
are written to the audit trail (GoBD data access Z1).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Response, UploadFile, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from belegwerk import tenancy
from belegwerk.api.auth import DB, WRITERS, CompanyScope, Scope, get_runtime
from belegwerk.archive import access, audit, dossiers, records, search, verify
from belegwerk.archive.errors import ArchiveError, RecordNotFound, Refused
from belegwerk.archive.search import SearchQuery
from belegwerk.db.models import ArchiveDossier, ArchiveRecord, Role, User
from belegwerk.runtime import Runtime

router = APIRouter(prefix="/api/v1/companies/{company_id}/archive", tags=["archive"])
RT = Annotated[Runtime, Depends(get_runtime)]
READERS = (Role.ADMIN, Role.POWER_USER, Role.APPROVER, Role.AUDITOR)


class RecordOut(BaseModel):
    id: int
    record_uid: str
    version: int
    previous_id: int | None
    document_class: str
    index: dict[str, str]
    filename: str
    media_type: str
    size: int
    sha256: str
    filed_at: datetime
    filed_by: str
    retain_until: date
    manifest_hash: str | None
    on_hold: bool
    content_url: str


class VersionIn(BaseModel):
    index: dict[str, Any] | None = None
    text: str | None = None
    reason: str = Field(default="", max_length=500)


class FromDocumentIn(BaseModel):
    document_class: str
    index: dict[str, Any] = Field(default_factory=dict)
    text: str = ""


class SearchOut(BaseModel):
    total: int = Field(description="Number of hits, exact up to 10,000")
    more: bool = Field(default=False, description="There are more than `total` hits")
    records: list[RecordOut]


class SavedSearchIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    query: dict[str, Any]


class SavedSearchOut(BaseModel):
    id: int
    name: str
    query: dict[str, Any]


class HoldIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class RetentionIn(BaseModel):
    years: int = Field(ge=1, le=100)


class DisposeIn(BaseModel):
    confirm: bool = False
    reason: str = Field(min_length=1, max_length=500)


class DossierOut(BaseModel):
    kind: str
    number: str
    name: str
    street: str
    postcode: str
    city: str
    country: str
    vat_id: str
    tax_number: str
    iban: str
    gl_account: str
    cost_centre: str
    payment_terms: str
    active: bool
    records: int = 0


class DossierDetail(DossierOut):
    registers: dict[str, list[RecordOut]]


class ImportOut(BaseModel):
    kind: str
    created: int
    updated: int
    unchanged: int
    deactivated: int
    errors: list[str]


class ExpiringOut(BaseModel):
    record_uid: str
    latest_id: int
    document_class: str
    versions: int
    retain_until: date
    on_hold: bool
    filename: str


class ContextItem(BaseModel):
    record: RecordOut
    versions: int
    manifest: dict[str, Any] | None


def _http(exc: ArchiveError) -> HTTPException:
    if isinstance(exc, RecordNotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, Refused):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    return HTTPException(status.HTTP_400_BAD_REQUEST, str(exc))


def _out(session: Session, scope: Scope, rec: ArchiveRecord) -> RecordOut:
    manifest = records.manifest_for(session, rec.id)
    return RecordOut(
        id=rec.id,
        record_uid=rec.record_uid,
        version=rec.version,
        previous_id=rec.previous_id,
        document_class=rec.document_class,
        index=records.index_of(rec),
        filename=rec.filename,
        media_type=rec.media_type,
        size=rec.size,
        sha256=rec.blob_sha256,
        filed_at=rec.filed_at,
        filed_by=rec.filed_by,
        retain_until=records.effective_retain_until(session, rec),
        manifest_hash=manifest.hash if manifest else None,
        on_hold=records.active_hold(session, rec.company_id, rec.record_uid) is not None,
        content_url=f"/api/v1/companies/{scope.company_id}/archive/records/{rec.id}/content",
    )


def _visible(session: Session, scope: Scope, record_id: int) -> ArchiveRecord:
    try:
        rec = records.get_record(session, scope.company_id, record_id)
    except RecordNotFound as exc:
        raise _http(exc) from exc
    if not access.may_see_record(session, _viewer(scope), rec):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"record {record_id} not found")
    return rec


def _viewer(scope: Scope) -> access.Viewer:
    return access.Viewer(scope.role, scope.principal.user.id)


def _log(session: Session, scope: Scope, object_type: str, object_id: str | int, action: str, **details: Any) -> None:
    """Every read of the auditor role goes into the audit trail."""
    if scope.role is Role.AUDITOR:
        audit.record(
            session,
            company_id=scope.company_id,
            actor=scope.principal.name,
            object_type=object_type,
            object_id=object_id,
            action=action,
            details=details or None,
        )


def _index_form(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"index is not JSON: {exc.msg}") from exc
    if not isinstance(value, dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "index must be a JSON object")
    return value


# --- records -------------------------------------------------------------------------------------


@router.post("/records", response_model=RecordOut, status_code=201)
async def file_record(
    scope: CompanyScope,
    session: DB,
    rt: RT,
    file: Annotated[UploadFile, File()],
    document_class: Annotated[str, Form()],
    index: Annotated[str, Form(description="Index data as a JSON object")] = "{}",
    text: Annotated[str, Form(description="Text content (XML text, extracted or OCR text)")] = "",
) -> RecordOut:
    scope.require(*WRITERS)
    try:
        rec = records.file_record(
            session,
            rt.blobs,
            company_id=scope.company_id,
            document_class=document_class,
            filename=file.filename or "upload",
            data=await file.read(),
            index=_index_form(index),
            actor=scope.principal.name,
            text_content=text,
        )
    except ArchiveError as exc:
        raise _http(exc) from exc
    return _out(session, scope, rec)


@router.post("/documents/{document_id}/file", response_model=RecordOut, status_code=201)
def file_document(document_id: int, body: FromDocumentIn, scope: CompanyScope, session: DB, rt: RT) -> RecordOut:
    """File a received (inbox) document as a record."""
    scope.require(*WRITERS)
    try:
        rec = records.file_document(
            session,
            rt.blobs,
            company_id=scope.company_id,
            document_id=document_id,
            document_class=body.document_class,
            index=body.index,
            actor=scope.principal.name,
            text_content=body.text,
        )
    except ArchiveError as exc:
        raise _http(exc) from exc
    return _out(session, scope, rec)


@router.get("/records/{record_id}", response_model=RecordOut)
def get_record(record_id: int, scope: CompanyScope, session: DB) -> RecordOut:
    rec = _visible(session, scope, record_id)
    _log(session, scope, "archive_record", rec.id, "read-metadata")
    return _out(session, scope, rec)


def change_record(record_id: int, scope: CompanyScope, session: DB) -> Response:
    """Refused: records are immutable; corrections are new versions, deletion is the disposal."""
    _visible(session, scope, record_id)
    raise HTTPException(
        status.HTTP_409_CONFLICT,
        "archived records cannot be changed or deleted; POST a new version, or dispose after the retention end",
    )


for _method in ("PUT", "PATCH", "DELETE"):
    router.add_api_route(
        "/records/{record_id}",
        change_record,
        methods=[_method],
        status_code=409,
        operation_id=f"archive_refuse_{_method.lower()}_record",
        summary=f"{_method} a record: always refused (409)",
    )


@router.get("/records/{record_id}/versions", response_model=list[RecordOut])
def record_versions(record_id: int, scope: CompanyScope, session: DB) -> list[RecordOut]:
    rec = _visible(session, scope, record_id)
    _log(session, scope, "archive_record", rec.id, "read-versions")
    versions = access.visible_versions(session, _viewer(scope), scope.company_id, rec.record_uid)
    return [_out(session, scope, v) for v in versions]


@router.post("/records/{record_id}/versions", response_model=RecordOut, status_code=201)
async def new_version(
    record_id: int,
    scope: CompanyScope,
    session: DB,
    rt: RT,
    file: Annotated[UploadFile | None, File()] = None,
    index: Annotated[str | None, Form(description="Corrected index data (JSON object)")] = None,
    text: Annotated[str | None, Form()] = None,
    reason: Annotated[str, Form()] = "",
) -> RecordOut:
    scope.require(*WRITERS)
    _visible(session, scope, record_id)
    try:
        rec = records.new_version(
            session,
            rt.blobs,
            company_id=scope.company_id,
            record_id=record_id,
            actor=scope.principal.name,
            data=await file.read() if file is not None else None,
            filename=file.filename if file is not None else None,
            index=_index_form(index) if index is not None else None,
            text_content=text,
            reason=reason,
        )
    except ArchiveError as exc:
        raise _http(exc) from exc
    return _out(session, scope, rec)


@router.get("/records/{record_id}/content")
def record_content(record_id: int, scope: CompanyScope, session: DB, rt: RT, inline: bool = False) -> Response:
    """The original exactly as filed (its SHA-256 in ``X-Content-SHA256``)."""
    rec = _visible(session, scope, record_id)
    _log(session, scope, "archive_record", rec.id, "read")
    disposition = "inline" if inline else "attachment"
    return Response(
        records.content(rt.blobs, rec),
        media_type=rec.media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{rec.filename}"',
            "X-Content-SHA256": rec.blob_sha256,
        },
    )


@router.put("/records/{record_id}/hold", response_model=RecordOut)
def set_hold(record_id: int, body: HoldIn, scope: CompanyScope, session: DB) -> RecordOut:
    scope.require(Role.ADMIN)
    rec = _visible(session, scope, record_id)
    try:
        records.set_hold(session, scope.company_id, record_id, reason=body.reason, actor=scope.principal.name)
    except ArchiveError as exc:
        raise _http(exc) from exc
    return _out(session, scope, rec)


@router.delete("/records/{record_id}/hold", response_model=RecordOut)
def release_hold(record_id: int, scope: CompanyScope, session: DB) -> RecordOut:
    scope.require(Role.ADMIN)
    rec = _visible(session, scope, record_id)
    records.release_hold(session, scope.company_id, record_id, actor=scope.principal.name)
    return _out(session, scope, rec)


# --- search --------------------------------------------------------------------------------------


def search_query(
    text: str = "",
    document_class: str | None = None,
    vendor_no: str | None = None,
    customer_no: str | None = None,
    document_number: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    currency: str | None = None,
    order_number: str | None = None,
    posting_number: str | None = None,
    process_id: str | None = None,
    state: str = "current",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SearchQuery:
    return SearchQuery(
        text, document_class, vendor_no, customer_no, document_number, date_from, date_to, amount_min,
        amount_max, currency, order_number, posting_number, process_id, state, limit, offset,
    )  # fmt: skip


@router.get("/search", response_model=SearchOut)
def run_search(q: Annotated[SearchQuery, Depends(search_query)], scope: CompanyScope, session: DB) -> SearchOut:
    return _search(session, scope, q)


def _search(session: Session, scope: Scope, q: SearchQuery) -> SearchOut:
    try:
        result = search.search(session, scope.company_id, q, _viewer(scope))
    except ArchiveError as exc:
        raise _http(exc) from exc
    _log(session, scope, "archive_search", "-", "search", query=json.loads(q.to_json()), hits=result.total)
    return SearchOut(total=result.total, more=result.more, records=[_out(session, scope, r) for r in result.records])


@router.get("/saved-searches", response_model=list[SavedSearchOut])
def list_saved(scope: CompanyScope, session: DB) -> list[SavedSearchOut]:
    rows = search.saved_searches(session, scope.company_id, scope.principal.name)
    return [SavedSearchOut(id=r.id, name=r.name, query=json.loads(r.query)) for r in rows]


@router.post("/saved-searches", response_model=SavedSearchOut, status_code=201)
def save(body: SavedSearchIn, scope: CompanyScope, session: DB) -> SavedSearchOut:
    try:
        q = SearchQuery.from_json(json.dumps(body.query))
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"not a valid search: {exc}") from exc
    try:
        row = search.save_search(session, scope.company_id, scope.principal.name, body.name, q)
    except ArchiveError as exc:
        raise _http(exc) from exc
    return SavedSearchOut(id=row.id, name=row.name, query=json.loads(row.query))


@router.get("/saved-searches/{search_id}/results", response_model=SearchOut)
def run_saved(search_id: int, scope: CompanyScope, session: DB) -> SearchOut:
    try:
        row = search.get_saved(session, scope.company_id, scope.principal.name, search_id)
    except ArchiveError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return _search(session, scope, SearchQuery.from_json(row.query))


@router.get("/context/{kind}/{reference}", response_model=list[ContextItem])
def context_view(kind: str, reference: str, scope: CompanyScope, session: DB) -> list[ContextItem]:
    """Records linked to an ERP object (vendor, customer, order, posting, process), each with
    its sealed manifest and the URL of its content exactly as filed."""
    try:
        recs = search.context(session, scope.company_id, kind, reference, _viewer(scope))
    except ArchiveError as exc:
        raise _http(exc) from exc
    _log(session, scope, "archive_context", f"{kind}:{reference}"[:80], "read", hits=len(recs))
    items = []
    for rec in recs:
        manifest = records.manifest_for(session, rec.id)
        items.append(
            ContextItem(
                record=_out(session, scope, rec),
                versions=rec.version,
                manifest=json.loads(manifest.manifest) if manifest else None,
            )
        )
    return items


# --- dossiers ------------------------------------------------------------------------------------


def _dossier_out(d: ArchiveDossier, count: int = 0) -> DossierOut:
    return DossierOut(
        **{f: getattr(d, f) for f in ("kind", "number", "active", *dossiers.FIELDS)},
        records=count,
    )


@router.get("/dossiers", response_model=list[DossierOut])
def list_dossiers(
    scope: CompanyScope, session: DB, kind: str | None = None, q: str = "", limit: Annotated[int, Query(le=5000)] = 500
) -> list[DossierOut]:
    _log(session, scope, "archive_dossier", "-", "list")
    return [
        _dossier_out(d, n)
        for d, n in dossiers.list_dossiers(
            session, scope.company_id, kind=kind, text_filter=q, limit=limit, viewer=_viewer(scope)
        )
    ]


@router.post("/dossiers/import", response_model=ImportOut)
async def import_masterdata(
    scope: CompanyScope,
    session: DB,
    file: Annotated[UploadFile, File(description="Master-data CSV")],
    kind: Annotated[str, Form()] = "vendor",
    deactivate_missing: Annotated[bool, Form()] = False,
) -> ImportOut:
    scope.require(Role.ADMIN)
    try:
        data = (await file.read()).decode("utf-8-sig")
        r = dossiers.import_masterdata(
            session, scope.company_id, kind, data, actor=scope.principal.name, deactivate_missing=deactivate_missing
        )
    except UnicodeDecodeError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the CSV must be UTF-8") from exc
    except ArchiveError as exc:
        raise _http(exc) from exc
    return ImportOut(**vars(r))


def _dossier(session: Session, scope: Scope, kind: str, number: str) -> ArchiveDossier:
    try:
        d = dossiers.get_dossier(session, scope.company_id, kind, number)
    except ArchiveError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    if not access.may_open_dossier(session, _viewer(scope), d):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {kind} dossier {number}")
    return d


@router.get("/dossiers/{kind}/{number}", response_model=DossierDetail)
def dossier_detail(kind: str, number: str, scope: CompanyScope, session: DB) -> DossierDetail:
    d = _dossier(session, scope, kind, number)
    regs = dossiers.registers(session, d, _viewer(scope))
    _log(session, scope, "archive_dossier", f"{kind}:{number}", "read")
    base = _dossier_out(d, sum(len(v) for v in regs.values()))
    return DossierDetail(
        **base.model_dump(), registers={k: [_out(session, scope, r) for r in v] for k, v in regs.items()}
    )


class GrantOut(BaseModel):
    username: str
    granted_by: str
    granted_at: datetime


def _grant_target(session: Session, scope: Scope, kind: str, number: str, username: str) -> tuple[ArchiveDossier, User]:
    scope.require(Role.ADMIN)
    d = _dossier(session, scope, kind, number)
    try:
        user = tenancy.get_user(session, username)
    except tenancy.TenancyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return d, user


@router.get("/dossiers/{kind}/{number}/grants", response_model=list[GrantOut])
def list_grants(kind: str, number: str, scope: CompanyScope, session: DB) -> list[GrantOut]:
    """Users granted read access to the dossier (company admins only)."""
    scope.require(Role.ADMIN)
    d = _dossier(session, scope, kind, number)
    return [
        GrantOut(username=u.username, granted_by=g.granted_by, granted_at=g.granted_at)
        for g, u in access.grants(session, d)
    ]


@router.put("/dossiers/{kind}/{number}/grants/{username}", response_model=GrantOut)
def grant_dossier(kind: str, number: str, username: str, scope: CompanyScope, session: DB) -> GrantOut:
    """Let a user (typically an approver) read this dossier's records; admins only, audited."""
    d, user = _grant_target(session, scope, kind, number, username)
    try:
        g = access.grant_dossier(session, scope.company_id, d, user, scope.principal.name)
    except ArchiveError as exc:
        raise _http(exc) from exc
    return GrantOut(username=user.username, granted_by=g.granted_by, granted_at=g.granted_at)


@router.delete("/dossiers/{kind}/{number}/grants/{username}", status_code=204)
def revoke_dossier(kind: str, number: str, username: str, scope: CompanyScope, session: DB) -> Response:
    """Take a user's read access to this dossier away; admins only, audited. 404 when there was none."""
    d, user = _grant_target(session, scope, kind, number, username)
    if not access.revoke_dossier(session, scope.company_id, d, user, scope.principal.name):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{username} has no grant on {kind} dossier {number}")
    return Response(status_code=204)


@router.post("/dossiers/{kind}/{number}/documents", response_model=RecordOut, status_code=201)
async def upload_into_dossier(
    kind: str,
    number: str,
    scope: CompanyScope,
    session: DB,
    rt: RT,
    file: Annotated[UploadFile, File()],
    document_class: Annotated[str, Form()] = "letter",
    index: Annotated[str, Form()] = "{}",
    text: Annotated[str, Form()] = "",
) -> RecordOut:
    scope.require(*WRITERS)
    d = _dossier(session, scope, kind, number)
    try:
        rec = dossiers.upload_to_dossier(
            session,
            rt.blobs,
            d,
            document_class=document_class,
            filename=file.filename or "upload",
            data=await file.read(),
            actor=scope.principal.name,
            index=_index_form(index),
            text_content=text,
        )
    except ArchiveError as exc:
        raise _http(exc) from exc
    return _out(session, scope, rec)


# --- retention, expiry, disposal -----------------------------------------------------------------


@router.get("/retention")
def retention(scope: CompanyScope, session: DB) -> list[dict[str, Any]]:
    return records.retention_table(session, scope.company_id)


@router.put("/retention/{document_class}")
def set_retention(document_class: str, body: RetentionIn, scope: CompanyScope, session: DB) -> dict[str, Any]:
    scope.require(Role.ADMIN)
    try:
        years = records.set_retention(session, scope.company_id, document_class, body.years, actor=scope.principal.name)
    except ArchiveError as exc:
        raise _http(exc) from exc
    return {"document_class": document_class, "years": years}


@router.get("/expiry", response_model=list[ExpiringOut])
def expiry(scope: CompanyScope, session: DB) -> list[ExpiringOut]:
    scope.require(Role.ADMIN, Role.AUDITOR)
    return [ExpiringOut(**vars(e)) for e in records.expiring(session, scope.company_id)]


@router.post("/expiry/{record_uid}/dispose")
def dispose(record_uid: str, body: DisposeIn, scope: CompanyScope, session: DB, rt: RT) -> dict[str, Any]:
    """Delete a record whose retention has ended — admin only, with ``confirm: true`` and a reason."""
    try:
        protocol = records.dispose(
            session,
            rt.blobs,
            company_id=scope.company_id,
            record_uid=record_uid,
            actor=scope.principal.name,
            role=scope.role,
            reason=body.reason,
            confirm=body.confirm,
        )
    except ArchiveError as exc:
        raise _http(exc) from exc
    return {
        "record_uid": protocol.record_uid,
        "versions": protocol.versions,
        "confirmed_by": protocol.confirmed_by,
        "retain_until": protocol.retain_until.isoformat(),
        "blobs_deleted": json.loads(protocol.blobs_deleted),
    }


# --- verification --------------------------------------------------------------------------------


@router.get("/verify")
def verify_archive(scope: CompanyScope, session: DB, rt: RT) -> dict[str, Any]:
    scope.require(Role.ADMIN, Role.AUDITOR)
    r = verify.verify_company(session, rt.blobs, scope.company_id, save_checkpoint=False)
    _log(session, scope, "archive", scope.company_id, "verify", ok=r.ok)
    return {
        "ok": r.ok,
        "manifests": r.manifests,
        "records": r.records,
        "blobs": r.blobs,
        "head_seq": r.head_seq,
        "head_hash": r.head_hash,
        "problems": [p.line() for p in r.problems],
    }


@router.get("/head")
def chain_head(scope: CompanyScope, session: DB, rt: RT) -> dict[str, Any]:
    """The signed chain head (see docs/archive.md for how an outsider checks it)."""
    scope.require(Role.ADMIN, Role.AUDITOR)
    return verify.sign_head(verify.chain_head(session, scope.company_id), rt.settings)
