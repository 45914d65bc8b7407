"""Who is calling, in which company, with which role.

Two ways in: ``Authorization: Bearer <API token>`` (REST clients) or the browser session
cookie. Cookie-authenticated requests that change state must carry the session's CSRF token
(``X-CSRF-Token`` header or ``csrf_token`` form field), so another site cannot ride on a
logged-in browser. Every company-scoped request resolves exactly one company the caller has a
permission for; anything else is answered as "not found" so ids of other companies leak nothing.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from sqlalchemy.orm import Session

from belegwerk import tenancy
from belegwerk.db.models import Role, User, WebSession
from belegwerk.runtime import Runtime

SESSION_COOKIE = "bw_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def db_session(rt: Annotated[Runtime, Depends(get_runtime)]) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error.

    Work that must only happen once the transaction is durable (enqueueing jobs that read the
    new rows) is registered in ``session.info["after_commit"]`` and run here after the commit.
    """
    with rt.sessions() as session:
        with session.begin():
            yield session
        for callback in session.info.pop("after_commit", []):
            callback()


DB = Annotated[Session, Depends(db_session)]


@dataclass
class Principal:
    user: User
    web: WebSession | None = None  # set when authenticated by the browser session

    @property
    def name(self) -> str:
        return self.user.username


def _bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def _csrf_value(request: Request) -> str | None:
    value = request.headers.get(CSRF_HEADER)
    if value:
        return value
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        field = form.get("csrf_token")
        return field if isinstance(field, str) else None
    return None


async def principal(request: Request, session: DB) -> Principal:
    token = _bearer(request)
    if token is not None:
        user = tenancy.user_for_token(session, token)
        if user is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or revoked API token")
        return Principal(user)
    cookie = request.cookies.get(SESSION_COOKIE)
    web = tenancy.session_for_cookie(session, cookie) if cookie else None
    if web is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "not authenticated", {"WWW-Authenticate": "Bearer"})
    if request.method not in SAFE_METHODS:
        sent = await _csrf_value(request)
        if not sent or not hmac.compare_digest(sent, web.csrf_token):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "CSRF token missing or wrong")
    return Principal(web.user, web)


Caller = Annotated[Principal, Depends(principal)]


@dataclass
class Scope:
    """The company a request works in and the caller's role there."""

    principal: Principal
    company_id: str
    role: Role

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {self.role.value} may not do this (needs {allowed})")


def company_scope(
    company_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9]{1,20}$")], caller: Caller, session: DB
) -> Scope:
    role = tenancy.role_in(session, caller.user, company_id)
    if role is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "company not found")
    return Scope(caller, company_id, role)


CompanyScope = Annotated[Scope, Depends(company_scope)]

WRITERS = (Role.ADMIN, Role.POWER_USER)


def require_system_admin(caller: Caller) -> Principal:
    if not caller.user.is_system_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "system administrators only")
    return caller


SystemAdmin = Annotated[Principal, Depends(require_system_admin)]
