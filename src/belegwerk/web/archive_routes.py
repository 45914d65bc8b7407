"""Web pages of the archive: search (Archive), record detail, dossiers, and the auditor portal.

Handlers gather data from :mod:`belegwerk.archive` and render templates. Auditors get the same
pages read-only (no forms that change anything) with a portal banner; each of their reads is
written to the audit trail, as through the REST API. Company admins manage a dossier's read
grants on the dossier page with the same :mod:`belegwerk.archive.access` functions (and thus the
same audit events) as the REST API and the CLI.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from belegwerk import tenancy
from belegwerk.api.auth import DB, WRITERS, get_runtime
from belegwerk.archive import access, audit, dossiers, records, search, verify
from belegwerk.archive.classes import CLASSES, parse_class
from belegwerk.archive.errors import ArchiveError, Refused
from belegwerk.archive.search import SearchQuery
from belegwerk.db.models import ArchiveDossier, Role, WebSession
from belegwerk.runtime import Runtime
from belegwerk.web.routes import Web, _page, check_csrf

router = APIRouter(include_in_schema=False)
RT = Annotated[Runtime, Depends(get_runtime)]


def _role(session: Session, web: WebSession) -> Role | None:
    return tenancy.role_in(session, web.user, web.company_id) if web.company_id else None


def _log(
    session: Session, web: WebSession, role: Role | None, object_type: str, object_id: str | int, action: str
) -> None:
    if role is Role.AUDITOR and web.company_id:
        audit.record(
            session,
            company_id=web.company_id,
            actor=web.user.username,
            object_type=object_type,
            object_id=object_id,
            action=action,
        )


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _amount(value: str) -> Decimal | None:
    try:
        return Decimal(value.replace(",", ".")) if value.strip() else None
    except InvalidOperation:
        return None


@router.get("/archive", response_class=HTMLResponse)
def archive(
    request: Request,
    session: DB,
    web: Web,
    text: str = "",
    document_class: str = "",
    partner: str = "",
    document_number: str = "",
    date_from: str = "",
    date_to: str = "",
    amount_min: str = "",
    amount_max: str = "",
    state: str = "current",
    saved: int | None = None,
) -> HTMLResponse:
    role = _role(session, web)
    result = None
    error = ""
    q = SearchQuery(
        text=text,
        document_class=document_class or None,
        vendor_no=partner or None,
        document_number=document_number or None,
        date_from=_date(date_from),
        date_to=_date(date_to),
        amount_min=_amount(amount_min),
        amount_max=_amount(amount_max),
        state=state if state in search.STATES else "current",
    )
    if web.company_id and role is not None:
        try:
            if saved is not None:
                q = SearchQuery.from_json(search.get_saved(session, web.company_id, web.user.username, saved).query)
            result = search.search(session, web.company_id, q, access.Viewer(role, web.user.id))
            _log(session, web, role, "archive_search", "-", "search")
        except ArchiveError as exc:
            error = str(exc)
    return _page(
        request,
        session,
        web,
        "archive.html",
        "archive",
        q=q,
        result=result,
        error=error,
        classes=CLASSES,
        states=search.STATES,
        saved_searches=search.saved_searches(session, web.company_id, web.user.username) if web.company_id else [],
        form={"partner": partner, "date_from": date_from, "date_to": date_to, "amount_min": amount_min,
              "amount_max": amount_max},
        portal=role is Role.AUDITOR,
    )  # fmt: skip


@router.post("/archive/saved-searches")
def save_search(
    request: Request,
    session: DB,
    web: Web,
    name: Annotated[str, Form()],
    query: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(web, csrf_token)
    if web.company_id is None:
        return Response("No company selected.", status_code=400)
    try:
        search.save_search(session, web.company_id, web.user.username, name, SearchQuery.from_json(query))
    except (ArchiveError, ValueError, TypeError) as exc:
        return Response(f"Cannot save this search: {exc}", status_code=400)
    return RedirectResponse("/archive", status_code=303)


@router.get("/archive/records/{record_id}", response_class=HTMLResponse)
def record_page(request: Request, session: DB, web: Web, record_id: int, message: str = "") -> Response:
    role = _role(session, web)
    if web.company_id is None or role is None:
        return Response("Not found.", status_code=404)
    try:
        rec = records.get_record(session, web.company_id, record_id)
    except ArchiveError:
        return Response("Not found.", status_code=404)
    if not access.may_see_record(session, access.Viewer(role, web.user.id), rec):
        return Response("Not found.", status_code=404)
    _log(session, web, role, "archive_record", rec.id, "read-metadata")
    manifest = records.manifest_for(session, rec.id)
    return _page(
        request,
        session,
        web,
        "archive_record.html",
        "archive",
        rec=rec,
        index=records.index_of(rec),
        versions=access.visible_versions(session, access.Viewer(role, web.user.id), web.company_id, rec.record_uid),
        manifest=json.dumps(json.loads(manifest.manifest), indent=2, ensure_ascii=False) if manifest else "",
        manifest_hash=manifest.hash if manifest else "",
        hold=records.active_hold(session, web.company_id, rec.record_uid),
        retain_until=records.effective_retain_until(session, rec),
        class_label=CLASSES[parse_class(rec.document_class)].label,
        is_admin=role is Role.ADMIN,
        portal=role is Role.AUDITOR,
        message=message,
    )


@router.get("/archive/records/{record_id}/content")
def record_content(session: DB, web: Web, rt: RT, record_id: int) -> Response:
    role = _role(session, web)
    if web.company_id is None or role is None:
        return Response("Not found.", status_code=404)
    try:
        rec = records.get_record(session, web.company_id, record_id)
    except ArchiveError:
        return Response("Not found.", status_code=404)
    if not access.may_see_record(session, access.Viewer(role, web.user.id), rec):
        return Response("Not found.", status_code=404)
    _log(session, web, role, "archive_record", rec.id, "read")
    return Response(
        records.content(rt.blobs, rec),
        media_type=rec.media_type,
        headers={"Content-Disposition": f'inline; filename="{rec.filename}"', "X-Content-SHA256": rec.blob_sha256},
    )


@router.post("/archive/records/{record_id}/hold")
def hold(
    session: DB,
    web: Web,
    record_id: int,
    reason: Annotated[str, Form()] = "",
    release: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(web, csrf_token)
    if web.company_id is None or _role(session, web) is not Role.ADMIN:
        return Response("Company administrators only.", status_code=403)
    try:
        if release:
            records.release_hold(session, web.company_id, record_id, actor=web.user.username)
            message = "Legal hold released"
        else:
            records.set_hold(session, web.company_id, record_id, reason=reason, actor=web.user.username)
            message = "Legal hold set"
    except ArchiveError as exc:
        message = str(exc)
    return RedirectResponse(f"/archive/records/{record_id}?message={message}", status_code=303)


@router.get("/dossiers", response_class=HTMLResponse)
def dossier_list(request: Request, session: DB, web: Web, kind: str = "", q: str = "") -> HTMLResponse:
    role = _role(session, web)
    rows = []
    if web.company_id and role is not None:
        viewer = access.Viewer(role, web.user.id)
        rows = dossiers.list_dossiers(session, web.company_id, kind=kind or None, text_filter=q, viewer=viewer)
    _log(session, web, role, "archive_dossier", "-", "list")
    return _page(
        request, session, web, "dossiers.html", "dossiers", rows=rows, kind=kind, q=q, portal=role is Role.AUDITOR
    )


@router.get("/dossiers/{kind}/{number}", response_class=HTMLResponse)
def dossier_page(request: Request, session: DB, web: Web, kind: str, number: str, message: str = "") -> Response:
    role = _role(session, web)
    if web.company_id is None or role is None:
        return Response("Not found.", status_code=404)
    try:
        d = dossiers.get_dossier(session, web.company_id, kind, number)
    except ArchiveError:
        return Response("Not found.", status_code=404)
    if not access.may_open_dossier(session, access.Viewer(role, web.user.id), d):
        return Response("Not found.", status_code=404)
    _log(session, web, role, "archive_dossier", f"{kind}:{number}", "read")
    return _dossier_view(request, session, web, role, d, message=message)


def _dossier_view(
    request: Request,
    session: Session,
    web: WebSession,
    role: Role,
    d: ArchiveDossier,
    *,
    message: str = "",
    grant_error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """The dossier page; the access section (grants) only for company admins. A refused grant
    form renders the page again with its error, so the admin sees it next to the form."""
    is_admin = role is Role.ADMIN
    page = _page(
        request,
        session,
        web,
        "dossier.html",
        "dossiers",
        d=d,
        registers=dossiers.registers(session, d, access.Viewer(role, web.user.id)),
        classes=CLASSES,
        upload_classes=dossiers.UPLOAD_CLASSES,
        can_upload=role in WRITERS,
        portal=role is Role.AUDITOR,
        message=message,
        is_admin=is_admin,
        grants=access.grants(session, d) if is_admin else [],
        grant_candidates=access.grant_candidates(session, d.company_id, d) if is_admin else [],
        grant_error=grant_error,
    )
    page.status_code = status_code
    return page


def _dossier_url(kind: str, number: str, message: str) -> str:
    return f"/dossiers/{quote(kind, safe='')}/{quote(number, safe='')}?{urlencode({'message': message})}"


def _admin_dossier(session: Session, web: WebSession, kind: str, number: str) -> ArchiveDossier | Response:
    """The dossier a grant form addresses, or the refusal: 403 for anyone but a company admin."""
    if web.company_id is None or _role(session, web) is not Role.ADMIN:
        return Response("Company administrators only.", status_code=403)
    try:
        return dossiers.get_dossier(session, web.company_id, kind, number)
    except ArchiveError:
        return Response("Not found.", status_code=404)


@router.post("/dossiers/{kind}/{number}/grants")
def dossier_grant(
    request: Request,
    session: DB,
    web: Web,
    kind: str,
    number: str,
    username: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Grant a user (an approver of the company) read access to the dossier; admins only, audited."""
    check_csrf(web, csrf_token)
    d = _admin_dossier(session, web, kind, number)
    if isinstance(d, Response):
        return d
    company_id = d.company_id
    username = username.strip()
    try:
        user = tenancy.get_user(session, username)
        access.check_new_grant(session, company_id, d, user)
        access.grant_dossier(session, company_id, d, user, web.user.username)
    except (tenancy.TenancyError, ArchiveError) as exc:
        status_code = 409 if isinstance(exc, Refused) else 400
        error = f"Cannot grant access: {exc}"
        return _dossier_view(request, session, web, Role.ADMIN, d, grant_error=error, status_code=status_code)
    return RedirectResponse(_dossier_url(kind, number, f"{username} may now read this dossier"), status_code=303)


@router.post("/dossiers/{kind}/{number}/grants/{username}/revoke")
def dossier_revoke(
    request: Request,
    session: DB,
    web: Web,
    kind: str,
    number: str,
    username: str,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Take a user's read access to the dossier away; admins only, audited."""
    check_csrf(web, csrf_token)
    d = _admin_dossier(session, web, kind, number)
    if isinstance(d, Response):
        return d
    try:
        user = tenancy.get_user(session, username)
    except tenancy.TenancyError as exc:
        error = f"Cannot revoke access: {exc}"
        return _dossier_view(request, session, web, Role.ADMIN, d, grant_error=error, status_code=400)
    if not access.revoke_dossier(session, d.company_id, d, user, web.user.username):
        error = f"Cannot revoke access: {username} has no access to {kind} dossier {number}"
        return _dossier_view(request, session, web, Role.ADMIN, d, grant_error=error, status_code=404)
    return RedirectResponse(_dossier_url(kind, number, f"Access for {username} revoked"), status_code=303)


@router.post("/dossiers/{kind}/{number}/documents")
async def dossier_upload(
    session: DB,
    web: Web,
    rt: RT,
    kind: str,
    number: str,
    file: Annotated[UploadFile, File()],
    document_class: Annotated[str, Form()] = "letter",
    subject: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(web, csrf_token)
    if web.company_id is None or _role(session, web) not in WRITERS:
        return Response("Your role may not add documents.", status_code=403)
    try:
        d = dossiers.get_dossier(session, web.company_id, kind, number)
        dossiers.upload_to_dossier(
            session,
            rt.blobs,
            d,
            document_class=document_class,
            filename=file.filename or "upload",
            data=await file.read(),
            actor=web.user.username,
            index={"subject": subject} if subject else None,
        )
        message = f"Filed {file.filename}"
    except ArchiveError as exc:
        message = str(exc)
    return RedirectResponse(f"/dossiers/{kind}/{number}?message={message}", status_code=303)


@router.get("/portal", response_class=HTMLResponse)
def portal(request: Request, session: DB, web: Web, rt: RT) -> Response:
    """The auditor's start page: chain head, verification result and the ways in (read-only)."""
    role = _role(session, web)
    if web.company_id is None or role not in (Role.AUDITOR, Role.ADMIN):
        return _page(request, session, web, "forbidden.html", "archive")
    report = verify.verify_company(session, rt.blobs, web.company_id, save_checkpoint=False)
    _log(session, web, role, "archive", web.company_id, "verify")
    return _page(
        request,
        session,
        web,
        "portal.html",
        "archive",
        report=report,
        head=verify.chain_head(session, web.company_id),
        retention=records.retention_table(session, web.company_id),
        portal=True,
    )
