"""Companies (Mandanten), users, company permissions, API tokens and web sessions.

All changes go through these functions so each one is validated and audited in one place; the
API, the web client and the CLI call them instead of touching the tables.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from belegwerk.archive import audit
from belegwerk.db.models import ApiToken, Company, Membership, Role, User, WebSession

COMPANY_ID = re.compile(r"^[A-Za-z0-9]{1,20}$")
USERNAME = re.compile(r"^[A-Za-z0-9._@-]{2,80}$")
TOKEN_PREFIX = "bw_"  # noqa: S105 - a public marker, not a secret
_hasher = PasswordHasher()
# A fixed hash to verify against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _hasher.hash("belegwerk-dummy-password")


class TenancyError(ValueError):
    """A request that cannot be fulfilled as asked (bad id, duplicate, unknown user ...)."""


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- companies -----------------------------------------------------------------------------------


def create_company(session: Session, company_id: str, name: str, *, actor: str) -> Company:
    if not COMPANY_ID.match(company_id):
        raise TenancyError("company id must be 1-20 letters or digits (no spaces or special characters)")
    if session.get(Company, company_id) is not None:
        raise TenancyError(f"company {company_id} already exists")
    if not name.strip():
        raise TenancyError("company name must not be empty")
    company = Company(id=company_id, name=name.strip())
    session.add(company)
    session.flush()
    audit.record(
        session,
        company_id=company_id,
        actor=actor,
        object_type="company",
        object_id=company_id,
        action="create",
        after={"id": company_id, "name": company.name},
    )
    return company


# --- users and permissions -----------------------------------------------------------------------


def create_user(
    session: Session,
    username: str,
    password: str,
    *,
    actor: str,
    display_name: str = "",
    email: str = "",
    system_admin: bool = False,
) -> User:
    if not USERNAME.match(username):
        raise TenancyError("username must be 2-80 characters: letters, digits, . _ @ -")
    if len(password) < 10:
        raise TenancyError("password must have at least 10 characters")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise TenancyError(f"user {username} already exists")
    user = User(
        username=username,
        password_hash=_hasher.hash(password),
        display_name=display_name or username,
        email=email,
        is_system_admin=system_admin,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        company_id=None,
        actor=actor,
        object_type="user",
        object_id=username,
        action="create",
        after={"username": username, "system_admin": system_admin},
    )
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise TenancyError(f"unknown user {username}")
    return user


def _membership(session: Session, user: User, company_id: str) -> Membership | None:
    return session.scalar(select(Membership).where(Membership.user_id == user.id, Membership.company_id == company_id))


def grant(session: Session, user: User, company_id: str, role: Role, *, actor: str) -> Membership:
    """Give ``user`` the permission to work in ``company_id`` with ``role`` (replaces an earlier role)."""
    if session.get(Company, company_id) is None:
        raise TenancyError(f"unknown company {company_id}")
    membership = _membership(session, user, company_id)
    before = {"role": membership.role} if membership else None
    if membership is None:
        membership = Membership(user_id=user.id, company_id=company_id, role=role.value)
        session.add(membership)
    else:
        membership.role = role.value
    session.flush()
    audit.record(
        session,
        company_id=company_id,
        actor=actor,
        object_type="membership",
        object_id=user.username,
        action="grant",
        before=before,
        after={"user": user.username, "role": role.value},
    )
    return membership


def revoke_membership(session: Session, user: User, company_id: str, *, actor: str) -> None:
    membership = _membership(session, user, company_id)
    if membership is None:
        raise TenancyError(f"{user.username} has no permission in {company_id}")
    before = {"user": user.username, "role": membership.role}
    session.delete(membership)
    session.flush()
    audit.record(
        session,
        company_id=company_id,
        actor=actor,
        object_type="membership",
        object_id=user.username,
        action="revoke",
        before=before,
    )


def role_in(session: Session, user: User, company_id: str) -> Role | None:
    """The user's role in the company, or None when the user may not work there."""
    membership = _membership(session, user, company_id)
    return Role(membership.role) if membership else None


def companies_of(session: Session, user: User) -> list[tuple[Company, Role]]:
    rows = session.execute(
        select(Company, Membership.role)
        .join(Membership, Membership.company_id == Company.id)
        .where(Membership.user_id == user.id)
        .order_by(Company.id)
    ).all()
    return [(c, Role(r)) for c, r in rows]


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Rehashes outdated argon2 parameters."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


# --- API tokens ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once; only its hash is stored


def create_token(session: Session, user: User, name: str, *, actor: str) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name or "token", token_hash=_sha256(secret), prefix=secret[:10])
    session.add(token)
    session.flush()
    audit.record(
        session,
        company_id=None,
        actor=actor,
        object_type="api_token",
        object_id=token.id,
        action="create",
        after={"user": user.username, "name": token.name, "prefix": token.prefix},
    )
    return IssuedToken(token, secret)


def revoke_token(session: Session, token_id: int, *, actor: User) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and not actor.is_system_admin):
        raise TenancyError(f"unknown token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = _now()
        session.flush()
        audit.record(
            session,
            company_id=None,
            actor=actor.username,
            object_type="api_token",
            object_id=token.id,
            action="revoke",
            before={"revoked": False},
            after={"revoked": True},
        )
    return token


def user_for_token(session: Session, secret: str) -> User | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    token.last_used_at = _now()
    return token.user


# --- web sessions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSession:
    cookie: str
    session: WebSession


def start_session(session: Session, user: User, *, hours: int) -> NewSession:
    cookie = secrets.token_urlsafe(32)
    companies = companies_of(session, user)
    web = WebSession(
        id=_sha256(cookie),
        user_id=user.id,
        company_id=companies[0][0].id if companies else None,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=_now() + timedelta(hours=hours),
    )
    session.add(web)
    session.flush()
    audit.record(
        session, company_id=None, actor=user.username, object_type="user", object_id=user.username, action="login"
    )
    return NewSession(cookie, web)


def session_for_cookie(session: Session, cookie: str) -> WebSession | None:
    web = session.get(WebSession, _sha256(cookie))
    if web is None or _aware(web.expires_at) < _now() or not web.user.is_active:
        return None
    return web


def end_session(session: Session, web: WebSession) -> None:
    username = web.user.username
    session.delete(web)
    session.flush()
    audit.record(session, company_id=None, actor=username, object_type="user", object_id=username, action="logout")


def switch_company(session: Session, web: WebSession, company_id: str) -> None:
    if role_in(session, web.user, company_id) is None:
        raise TenancyError(f"no permission for company {company_id}")
    web.company_id = company_id
    session.flush()
