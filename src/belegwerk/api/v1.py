"""REST API v1. Thin: validation of input, a call into the service layer, a response model."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, Response, UploadFile, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from belegwerk import tenancy
from belegwerk.api.auth import DB, WRITERS, Caller, CompanyScope, SystemAdmin, get_runtime
from belegwerk.archive import audit
from belegwerk.db.models import ApiToken, AuditEvent, Document, Membership, Role, User
from belegwerk.intake.analyse import analysis_of, as_dict
from belegwerk.intake.receive import RejectedDocument, get_document, list_documents, read_original, receive
from belegwerk.runtime import Runtime

router = APIRouter(prefix="/api/v1")
RT = Annotated[Runtime, Depends(get_runtime)]


class CompanyOut(BaseModel):
    id: str
    name: str
    role: str


class MeOut(BaseModel):
    username: str
    display_name: str
    system_admin: bool
    companies: list[CompanyOut]


class DocumentOut(BaseModel):
    id: int
    company_id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    source: str
    state: str
    received_at: datetime
    received_by: str

    @classmethod
    def of(cls, d: Document) -> DocumentOut:
        return cls.model_validate(d, from_attributes=True)


class AuditOut(BaseModel):
    seq: int
    occurred_at: datetime
    actor: str
    object_type: str
    object_id: str
    action: str
    before_digest: str | None
    after_digest: str | None
    hash: str


class ChainOut(BaseModel):
    chain: str
    events: int
    ok: bool
    broken_seq: int | None
    reason: str


class TokenIn(BaseModel):
    name: str = Field(default="api", max_length=100)


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret; shown only in this response")


class CompanyIn(BaseModel):
    id: str = Field(pattern=r"^[A-Za-z0-9]{1,20}$")
    name: str = Field(min_length=1, max_length=200)


class UserIn(BaseModel):
    username: str
    password: str
    display_name: str = ""
    email: str = ""


class UserOut(BaseModel):
    username: str
    display_name: str
    system_admin: bool
    active: bool


class MemberIn(BaseModel):
    role: Role


class MemberOut(BaseModel):
    username: str
    role: Role


def _bad(exc: tenancy.TenancyError) -> HTTPException:
    code = status.HTTP_409_CONFLICT if "already exists" in str(exc) else status.HTTP_400_BAD_REQUEST
    return HTTPException(code, str(exc))


# --- me, companies, users ------------------------------------------------------------------------


@router.get("/me", response_model=MeOut, tags=["account"])
def me(caller: Caller, session: DB) -> MeOut:
    return MeOut(
        username=caller.user.username,
        display_name=caller.user.display_name,
        system_admin=caller.user.is_system_admin,
        companies=[
            CompanyOut(id=c.id, name=c.name, role=r.value) for c, r in tenancy.companies_of(session, caller.user)
        ],
    )


@router.get("/companies", response_model=list[CompanyOut], tags=["companies"])
def my_companies(caller: Caller, session: DB) -> list[CompanyOut]:
    return [CompanyOut(id=c.id, name=c.name, role=r.value) for c, r in tenancy.companies_of(session, caller.user)]


@router.post("/companies", response_model=CompanyOut, status_code=201, tags=["companies"])
def create_company(body: CompanyIn, admin: SystemAdmin, session: DB) -> CompanyOut:
    try:
        company = tenancy.create_company(session, body.id, body.name, actor=admin.name)
        tenancy.grant(session, admin.user, company.id, Role.ADMIN, actor=admin.name)
    except tenancy.TenancyError as exc:
        raise _bad(exc) from exc
    return CompanyOut(id=company.id, name=company.name, role=Role.ADMIN.value)


@router.post("/users", response_model=UserOut, status_code=201, tags=["users"])
def create_user(body: UserIn, admin: SystemAdmin, session: DB) -> UserOut:
    try:
        user = tenancy.create_user(
            session, body.username, body.password, actor=admin.name, display_name=body.display_name, email=body.email
        )
    except tenancy.TenancyError as exc:
        raise _bad(exc) from exc
    return UserOut(username=user.username, display_name=user.display_name, system_admin=False, active=True)


@router.get("/companies/{company_id}/members", response_model=list[MemberOut], tags=["companies"])
def members(scope: CompanyScope, session: DB) -> list[MemberOut]:
    scope.require(Role.ADMIN)
    rows = session.execute(
        select(User.username, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.company_id == scope.company_id)
        .order_by(User.username)
    ).all()
    return [MemberOut(username=u, role=Role(r)) for u, r in rows]


@router.put("/companies/{company_id}/members/{username}", response_model=MemberOut, tags=["companies"])
def set_member(username: str, body: MemberIn, scope: CompanyScope, session: DB) -> MemberOut:
    scope.require(Role.ADMIN)
    try:
        user = tenancy.get_user(session, username)
        tenancy.grant(session, user, scope.company_id, body.role, actor=scope.principal.name)
    except tenancy.TenancyError as exc:
        raise _bad(exc) from exc
    return MemberOut(username=username, role=body.role)


@router.delete("/companies/{company_id}/members/{username}", status_code=204, tags=["companies"])
def remove_member(username: str, scope: CompanyScope, session: DB) -> Response:
    scope.require(Role.ADMIN)
    try:
        tenancy.revoke_membership(
            session, tenancy.get_user(session, username), scope.company_id, actor=scope.principal.name
        )
    except tenancy.TenancyError as exc:
        raise _bad(exc) from exc
    return Response(status_code=204)


# --- API tokens ----------------------------------------------------------------------------------


@router.get("/tokens", response_model=list[TokenOut], tags=["account"])
def tokens(caller: Caller, session: DB) -> list[TokenOut]:
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == caller.user.id).order_by(ApiToken.id))
    return [TokenOut.model_validate(t, from_attributes=True) for t in rows]


@router.post("/tokens", response_model=TokenCreated, status_code=201, tags=["account"])
def create_token(body: TokenIn, caller: Caller, session: DB) -> TokenCreated:
    issued = tenancy.create_token(session, caller.user, body.name, actor=caller.name)
    out = TokenOut.model_validate(issued.token, from_attributes=True)
    return TokenCreated(**out.model_dump(), token=issued.secret)


@router.delete("/tokens/{token_id}", status_code=204, tags=["account"])
def revoke_token(token_id: int, caller: Caller, session: DB) -> Response:
    try:
        tenancy.revoke_token(session, token_id, actor=caller.user)
    except tenancy.TenancyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return Response(status_code=204)


# --- documents -----------------------------------------------------------------------------------


@router.get("/companies/{company_id}/documents", response_model=list[DocumentOut], tags=["documents"])
def documents(scope: CompanyScope, session: DB, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[DocumentOut]:
    return [DocumentOut.of(d) for d in list_documents(session, scope.company_id, limit=limit)]


@router.post("/companies/{company_id}/documents", response_model=DocumentOut, status_code=201, tags=["documents"])
async def upload(scope: CompanyScope, session: DB, rt: RT, file: Annotated[UploadFile, File()]) -> DocumentOut:
    scope.require(*WRITERS)
    data = await file.read()
    try:
        doc = receive(
            session,
            rt.blobs,
            company_id=scope.company_id,
            filename=file.filename or "upload",
            data=data,
            source="api" if scope.principal.web is None else "upload",
            actor=scope.principal.name,
        )
    except RejectedDocument as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from exc
    _enqueue_verification(session, doc.id)
    return DocumentOut.of(doc)


def _enqueue_verification(session: DB, document_id: int) -> None:
    from belegwerk.jobs.tasks import verify_original

    session.info.setdefault("after_commit", []).append(lambda: verify_original(document_id))


@router.get("/companies/{company_id}/documents/{document_id}", response_model=DocumentOut, tags=["documents"])
def document(document_id: int, scope: CompanyScope, session: DB) -> DocumentOut:
    doc = get_document(session, scope.company_id, document_id)
    if doc is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "document not found")
    return DocumentOut.of(doc)


@router.get("/companies/{company_id}/documents/{document_id}/analysis", tags=["documents"])
def document_analysis(document_id: int, scope: CompanyScope, session: DB) -> dict[str, Any]:
    """Type, e-invoice validation verdict and extracted fields (BT ids, with confidence) of a document."""
    doc = get_document(session, scope.company_id, document_id)
    if doc is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "document not found")
    row = analysis_of(session, doc.id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not analysed yet")
    return as_dict(row)


@router.get("/companies/{company_id}/documents/{document_id}/content", tags=["documents"])
def document_content(document_id: int, scope: CompanyScope, session: DB, rt: RT) -> Response:
    doc = get_document(session, scope.company_id, document_id)
    if doc is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "document not found")
    data = read_original(session, rt.blobs, doc, reader=scope.principal.name, auditor=scope.role is Role.AUDITOR)
    return Response(
        data,
        media_type=doc.media_type,
        headers={"Content-Disposition": f'attachment; filename="{doc.filename}"', "X-Content-SHA256": doc.sha256},
    )


# --- audit ---------------------------------------------------------------------------------------


@router.get("/companies/{company_id}/audit", response_model=list[AuditOut], tags=["audit"])
def audit_events(scope: CompanyScope, session: DB, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditOut]:
    scope.require(Role.ADMIN, Role.AUDITOR)
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.chain == scope.company_id).order_by(AuditEvent.seq.desc()).limit(limit)
    )
    return [AuditOut.model_validate(e, from_attributes=True) for e in rows]


@router.get("/companies/{company_id}/audit/verify", response_model=ChainOut, tags=["audit"])
def audit_verify(scope: CompanyScope, session: DB) -> ChainOut:
    scope.require(Role.ADMIN, Role.AUDITOR)
    report = audit.verify(session, scope.company_id)[0]
    return ChainOut(
        chain=report.chain, events=report.events, ok=report.ok, broken_seq=report.broken_seq, reason=report.reason
    )
