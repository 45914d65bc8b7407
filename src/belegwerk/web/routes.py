"""Web client pages. Handlers only gather data from the service layer and render templates."""

from __future__ import annotations

import hmac
import secrets
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from belegwerk import tenancy
from belegwerk.api.auth import DB, SESSION_COOKIE, WRITERS, get_runtime
from belegwerk.db.models import Company, Membership, Role, User, WebSession
from belegwerk.intake.analyse import analyses_for, analysis_of, as_dict, fatal_count
from belegwerk.intake.receive import RejectedDocument, get_document, list_documents, read_original, receive
from belegwerk.runtime import Runtime

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(resources.files("belegwerk.web").joinpath("templates")))
LOGIN_CSRF_COOKIE = "bw_login_csrf"
NAV = [
    ("inbox", "Inbox"),
    ("archive", "Archive"),
    ("dossiers", "Dossiers"),
    ("exchange", "Exchange"),
    ("admin", "Admin"),
]
RT = Annotated[Runtime, Depends(get_runtime)]


class LoginRequired(Exception):
    """Raised by page dependencies when there is no valid session; answered with a redirect."""


class CsrfFailed(Exception):
    """A state-changing form post without the session's CSRF token."""


def _secure(request: Request, rt: Runtime) -> bool:
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return rt.settings.cookie_secure or proto == "https"


def web_session(request: Request, session: DB) -> WebSession:
    cookie = request.cookies.get(SESSION_COOKIE)
    web = tenancy.session_for_cookie(session, cookie) if cookie else None
    if web is None:
        raise LoginRequired
    return web


Web = Annotated[WebSession, Depends(web_session)]


def check_csrf(web: WebSession, token: str) -> None:
    if not token or not hmac.compare_digest(token, web.csrf_token):
        raise CsrfFailed


def _page(request: Request, session: DB, web: WebSession, name: str, active: str, **extra: Any) -> HTMLResponse:
    companies = tenancy.companies_of(session, web.user)
    current = next(((c, r) for c, r in companies if c.id == web.company_id), None)
    context = {
        "user": web.user,
        "csrf": web.csrf_token,
        "companies": companies,
        "company": current[0] if current else None,
        "role": current[1] if current else None,
        "nav": NAV,
        "active": active,
        **extra,
    }
    return templates.TemplateResponse(request, name, context)


@router.get("/", response_class=RedirectResponse)
def home() -> RedirectResponse:
    return RedirectResponse("/inbox", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, rt: RT, error: str = "") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(request, "login.html", {"login_csrf": token, "error": error})
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request, rt))
    return response


@router.post("/login")
def login(
    request: Request,
    session: DB,
    rt: RT,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    login_csrf: Annotated[str, Form()] = "",
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, login_csrf):
        return login_form(request, rt, error="Your login form expired. Please try again.")
    user = tenancy.authenticate(session, username.strip(), password)
    if user is None:
        failed = login_form(request, rt, error="Unknown user or wrong password.")
        failed.status_code = 401
        return failed
    new = tenancy.start_session(session, user, hours=rt.settings.session_hours)
    response = RedirectResponse("/inbox", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        new.cookie,
        max_age=rt.settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=_secure(request, rt),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(session: DB, web: Web, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(web, csrf_token)
    tenancy.end_session(session, web)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/switch-company")
def switch_company(
    session: DB, web: Web, company_id: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(web, csrf_token)
    try:
        tenancy.switch_company(session, web, company_id)
    except tenancy.TenancyError:
        return Response("No permission for this company.", status_code=403)
    return RedirectResponse("/inbox", status_code=303)


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, session: DB, web: Web, message: str = "") -> HTMLResponse:
    docs = list_documents(session, web.company_id) if web.company_id else []
    analyses = analyses_for(session, [d.id for d in docs])
    return _page(
        request,
        session,
        web,
        "inbox.html",
        "inbox",
        documents=docs,
        analyses=analyses,
        fatal_count=fatal_count,
        message=message,
        writers=WRITERS,
    )


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(document_id: int, request: Request, session: DB, web: Web) -> Response:
    doc = get_document(session, web.company_id, document_id) if web.company_id else None
    if doc is None:
        return Response("Not found.", status_code=404)
    row = analysis_of(session, doc.id)
    analysis = as_dict(row) if row is not None else None
    return _page(request, session, web, "document.html", "inbox", doc=doc, analysis=analysis)


@router.get("/documents/{document_id}/view", response_class=HTMLResponse)
def document_view(document_id: int, session: DB, web: Web, rt: RT) -> Response:
    """An e-invoice rendered for people (all business terms, grouped as on a paper invoice)."""
    from belegwerk.einvoice.detect import UnreadableDocument
    from belegwerk.einvoice.loader import read_invoice
    from belegwerk.einvoice.render import render_html
    from belegwerk.xml.safe import UnreadableXML

    doc = get_document(session, web.company_id, document_id) if web.company_id else None
    if doc is None:
        return Response("Not found.", status_code=404)
    try:
        invoice = read_invoice(rt.blobs.get(doc.sha256))
    except (UnreadableDocument, UnreadableXML) as exc:
        return Response(f"This document is not a readable e-invoice: {exc}", status_code=422, media_type="text/plain")
    return HTMLResponse(render_html(invoice))


@router.post("/inbox/upload")
async def inbox_upload(
    session: DB,
    web: Web,
    rt: RT,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(web, csrf_token)
    role = tenancy.role_in(session, web.user, web.company_id) if web.company_id else None
    if role not in WRITERS or web.company_id is None:
        return Response("Your role may not add documents.", status_code=403)
    try:
        doc = receive(
            session,
            rt.blobs,
            company_id=web.company_id,
            filename=file.filename or "upload",
            data=await file.read(),
            source="upload",
            actor=web.user.username,
        )
    except RejectedDocument as exc:
        return RedirectResponse(f"/inbox?message=Rejected:+{exc}", status_code=303)
    from belegwerk.jobs.tasks import verify_original

    session.info.setdefault("after_commit", []).append(lambda: verify_original(doc.id))
    return RedirectResponse(f"/inbox?message=Received+{doc.filename}", status_code=303)


@router.get("/documents/{document_id}/content")
def download(document_id: int, session: DB, web: Web, rt: RT) -> Response:
    doc = get_document(session, web.company_id, document_id) if web.company_id else None
    if doc is None:
        return Response("Not found.", status_code=404)
    auditor = tenancy.role_in(session, web.user, doc.company_id) is Role.AUDITOR
    data = read_original(session, rt.blobs, doc, reader=web.user.username, auditor=auditor)
    return Response(
        data,
        media_type=doc.media_type,
        headers={"Content-Disposition": f'inline; filename="{doc.filename}"'},
    )


@router.get("/exchange", response_class=HTMLResponse)
def exchange(request: Request, session: DB, web: Web) -> HTMLResponse:
    return _page(request, session, web, "section.html", "exchange", title="Exchange")


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request, session: DB, web: Web, message: str = "") -> Response:
    role = tenancy.role_in(session, web.user, web.company_id) if web.company_id else None
    if role is not Role.ADMIN and not web.user.is_system_admin:
        return _page(request, session, web, "forbidden.html", "admin")
    members = (
        session.execute(
            select(User, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.company_id == web.company_id)
            .order_by(User.username)
        ).all()
        if web.company_id
        else []
    )
    users = list(session.scalars(select(User).order_by(User.username)))
    all_companies = list(session.scalars(select(Company).order_by(Company.id)))
    return _page(
        request,
        session,
        web,
        "admin.html",
        "admin",
        members=members,
        users=users,
        all_companies=all_companies,
        roles=list(Role),
        message=message,
    )


def _admin_redirect(message: str) -> RedirectResponse:
    return RedirectResponse(f"/admin?message={message}", status_code=303)


@router.post("/admin/users")
def admin_create_user(
    session: DB,
    web: Web,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    display_name: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(web, csrf_token)
    if not web.user.is_system_admin:
        return Response("System administrators only.", status_code=403)
    try:
        tenancy.create_user(session, username.strip(), password, actor=web.user.username, display_name=display_name)
    except tenancy.TenancyError as exc:
        return _admin_redirect(str(exc))
    return _admin_redirect(f"User {username} created")


@router.post("/admin/members")
def admin_grant(
    session: DB,
    web: Web,
    username: Annotated[str, Form()],
    role: Annotated[Role, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(web, csrf_token)
    if web.company_id is None or (
        tenancy.role_in(session, web.user, web.company_id) is not Role.ADMIN and not web.user.is_system_admin
    ):
        return Response("Company administrators only.", status_code=403)
    try:
        tenancy.grant(session, tenancy.get_user(session, username), web.company_id, role, actor=web.user.username)
    except tenancy.TenancyError as exc:
        return _admin_redirect(str(exc))
    return _admin_redirect(f"{username} is now {role.label} in {web.company_id}")


@router.post("/admin/companies")
def admin_create_company(
    session: DB,
    web: Web,
    company_id: Annotated[str, Form()],
    name: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(web, csrf_token)
    if not web.user.is_system_admin:
        return Response("System administrators only.", status_code=403)
    try:
        tenancy.create_company(session, company_id.strip(), name, actor=web.user.username)
        tenancy.grant(session, web.user, company_id.strip(), Role.ADMIN, actor=web.user.username)
    except tenancy.TenancyError as exc:
        return _admin_redirect(str(exc))
    return _admin_redirect(f"Company {company_id} created")
