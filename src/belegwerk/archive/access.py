"""Who sees which archive records: the one place every read path asks.

Admins, power users and auditors see every record of their company. Approvers — the users
without ERP access — see a record only if it is filed in a dossier granted to them (its
``partner_kind``/``partner_number`` name a dossier with a grant for the user) *and* it is of an
approver class (invoices and vouchers). Without a grant an approver sees nothing.

:func:`record_filter` is the SQL condition used by search, context views, dossier registers and
single-record reads alike, so no path can show more than another. Grants are changed only by
:func:`grant_dossier` / :func:`revoke_dossier`, each written to the audit trail — whether the
REST API, the CLI or the web dossier page asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, select, true
from sqlalchemy.orm import Session

from belegwerk.archive import audit
from belegwerk.archive.classes import APPROVER_CLASSES
from belegwerk.archive.errors import ArchiveError, Refused
from belegwerk.db.models import ArchiveDossier, ArchiveDossierGrant, ArchiveRecord, Membership, Role, User

# The roles whose archive reads are limited to granted dossiers: the users without ERP access.
GRANTED_ROLES = frozenset({Role.APPROVER})


@dataclass(frozen=True)
class Viewer:
    """A reader of the archive: the role in the company and, for grant checks, the user id."""

    role: Role
    user_id: int | None = None


def viewer_of(who: Viewer | Role) -> Viewer:
    """A bare role is a viewer without a user: enough for the unrestricted roles; an approver
    given as a bare role has no grants and therefore sees nothing (fails closed)."""
    return who if isinstance(who, Viewer) else Viewer(who)


def restricted(who: Viewer | Role) -> bool:
    """Whether the viewer's reads are limited to granted dossiers (see :data:`GRANTED_ROLES`)."""
    return viewer_of(who).role in GRANTED_ROLES


def _granted_dossiers(user_id: int) -> Any:
    return select(ArchiveDossierGrant.dossier_id).where(ArchiveDossierGrant.user_id == user_id)


def record_filter(who: Viewer | Role) -> ColumnElement[bool]:
    """The SQL condition on ``ArchiveRecord`` a viewer's reads must satisfy (company scoping is
    the caller's ``company_id`` condition, as before)."""
    viewer = viewer_of(who)
    if not restricted(viewer):
        return true()
    if viewer.user_id is None:
        return false()
    in_granted_dossier = exists().where(
        ArchiveDossier.company_id == ArchiveRecord.company_id,
        ArchiveDossier.kind == ArchiveRecord.partner_kind,
        ArchiveDossier.number == ArchiveRecord.partner_number,
        ArchiveDossier.id.in_(_granted_dossiers(viewer.user_id)),
    )
    return and_(ArchiveRecord.document_class.in_(sorted(c.value for c in APPROVER_CLASSES)), in_granted_dossier)


def dossier_filter(who: Viewer | Role) -> ColumnElement[bool]:
    """The SQL condition on ``ArchiveDossier`` for listing dossiers: approvers see granted ones only."""
    viewer = viewer_of(who)
    if not restricted(viewer):
        return true()
    if viewer.user_id is None:
        return false()
    return ArchiveDossier.id.in_(_granted_dossiers(viewer.user_id))


def may_see_record(session: Session, who: Viewer | Role, rec: ArchiveRecord) -> bool:
    """Whether one record passes :func:`record_filter` (asked of the database, same rule)."""
    if not restricted(who):
        return True
    return session.scalar(select(exists().where(ArchiveRecord.id == rec.id, record_filter(who)))) is True


def visible_versions(session: Session, who: Viewer | Role, company_id: str, record_uid: str) -> list[ArchiveRecord]:
    """A record's versions the viewer may see: a correction can move a record to another
    partner (another dossier), so each version is filtered on its own."""
    return list(
        session.scalars(
            select(ArchiveRecord)
            .where(ArchiveRecord.company_id == company_id, ArchiveRecord.record_uid == record_uid, record_filter(who))
            .order_by(ArchiveRecord.version)
        )
    )


def may_open_dossier(session: Session, who: Viewer | Role, dossier: ArchiveDossier) -> bool:
    if not restricted(who):
        return True
    return session.scalar(select(exists().where(ArchiveDossier.id == dossier.id, dossier_filter(who)))) is True


# --- grants --------------------------------------------------------------------------------------


def _member(session: Session, company_id: str, user: User) -> None:
    from belegwerk import tenancy

    if tenancy.role_in(session, user, company_id) is None:
        raise ArchiveError(f"{user.username} is not a member of {company_id}")


def _grant_row(session: Session, dossier: ArchiveDossier, user: User) -> ArchiveDossierGrant | None:
    return session.scalar(
        select(ArchiveDossierGrant).where(
            ArchiveDossierGrant.dossier_id == dossier.id, ArchiveDossierGrant.user_id == user.id
        )
    )


def _audit(session: Session, dossier: ArchiveDossier, user: User, actor: str, action: str) -> None:
    audit.record(
        session,
        company_id=dossier.company_id,
        actor=actor,
        object_type="archive_dossier_grant",
        object_id=f"{dossier.kind}:{dossier.number}:{user.username}",
        action=action,
        details={"dossier": f"{dossier.kind}:{dossier.number}", "user": user.username},
    )


def grant_dossier(
    session: Session, company_id: str, dossier: ArchiveDossier, user: User, actor: str
) -> ArchiveDossierGrant:
    """Give a user read access to one dossier (idempotent; only a new grant is audited)."""
    if dossier.company_id != company_id:
        raise ArchiveError(f"no {dossier.kind} dossier {dossier.number} in {company_id}")
    _member(session, company_id, user)
    row = _grant_row(session, dossier, user)
    if row is not None:
        return row
    row = ArchiveDossierGrant(company_id=company_id, dossier_id=dossier.id, user_id=user.id, granted_by=actor)
    session.add(row)
    session.flush()
    _audit(session, dossier, user, actor, "grant")
    return row


def check_new_grant(session: Session, company_id: str, dossier: ArchiveDossier, user: User) -> None:
    """Refuse a grant that would fail or change nothing, for forms that offer only useful
    choices: the user is not a member of the company, their role sees every dossier without a
    grant, or they already have this dossier (:class:`Refused`). :func:`grant_dossier` itself stays idempotent
    and accepts any member, as the REST API and the CLI promise."""
    from belegwerk import tenancy

    role = tenancy.role_in(session, user, company_id)
    if role is None:
        raise ArchiveError(f"{user.username} is not a user of {company_id}")
    if not restricted(role):
        raise ArchiveError(f"{user.username} is {role.label} and sees every dossier without a grant")
    if _grant_row(session, dossier, user) is not None:
        raise Refused(f"{user.username} already has access to {dossier.kind} dossier {dossier.number}")


def grant_candidates(session: Session, company_id: str, dossier: ArchiveDossier) -> list[User]:
    """The active users of the company whose role needs grants and who do not have this dossier
    yet — the choice a grant form offers, by user name."""
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.company_id == company_id,
                Membership.role.in_(sorted(r.value for r in GRANTED_ROLES)),
                User.is_active.is_(True),
                User.id.not_in(select(ArchiveDossierGrant.user_id).where(ArchiveDossierGrant.dossier_id == dossier.id)),
            )
            .order_by(User.username)
        )
    )


def revoke_dossier(session: Session, company_id: str, dossier: ArchiveDossier, user: User, actor: str) -> bool:
    """Take a dossier grant away; False when there was none (then nothing is audited)."""
    if dossier.company_id != company_id:
        raise ArchiveError(f"no {dossier.kind} dossier {dossier.number} in {company_id}")
    row = _grant_row(session, dossier, user)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    _audit(session, dossier, user, actor, "revoke")
    return True


def grants(session: Session, dossier: ArchiveDossier) -> list[tuple[ArchiveDossierGrant, User]]:
    """The users granted a dossier, by user name."""
    rows = session.execute(
        select(ArchiveDossierGrant, User)
        .join(User, User.id == ArchiveDossierGrant.user_id)
        .where(ArchiveDossierGrant.dossier_id == dossier.id)
        .order_by(User.username)
    ).all()
    return [(g, u) for g, u in rows]
