"""ORM models of the foundation: companies (Mandanten), users, permissions, tokens, sessions,
the audit trail and received documents.

Tables are owned by the service modules that write them: tenancy (company, user, membership,
api_token, web_session) by :mod:`belegwerk.tenancy`, ``audit_event`` by
:mod:`belegwerk.archive.audit`, ``document`` and ``document_analysis`` by :mod:`belegwerk.intake`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from belegwerk.db.base import Base, utcnow


class Role(StrEnum):
    """What a user may do in one company."""

    ADMIN = "admin"  # manages users and settings of the company, and everything a power user can do
    POWER_USER = "power_user"  # accounts-payable clerk: receives, checks and files documents
    APPROVER = "approver"  # approves invoices of their cost centres
    AUDITOR = "auditor"  # read-only portal user (external auditor); every read is logged

    @property
    def label(self) -> str:
        return {
            "admin": "Admin",
            "power_user": "Power user (AP clerk)",
            "approver": "Approver",
            "auditor": "Auditor (read-only)",
        }[self.value]


class Company(Base):
    """A Mandant: every business object belongs to exactly one company."""

    __tablename__ = "company"
    __table_args__ = (CheckConstraint("length(id) between 1 and 20", name="id_length"),)

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    is_system_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")


class Membership(Base):
    """The company permission: which user may work in which company, and in which role."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "company_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="memberships")
    company: Mapped[Company] = relationship()


class ApiToken(Base):
    """A per-user REST API token. Only its SHA-256 is stored; revoked tokens stay for the audit trail."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class WebSession(Base):
    """A browser session (server-side, so logout and revocation are immediate)."""

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie value
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[str | None] = mapped_column(ForeignKey("company.id", ondelete="SET NULL"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class AuditEvent(Base):
    """Append-only, hash-chained audit trail; one chain per company (``chain`` = company id or ``_system``)."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("chain", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chain: Mapped[str] = mapped_column(String(20), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    before_digest: Mapped[str | None] = mapped_column(String(64))
    after_digest: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Document(Base):
    """An incoming document as received: the original is in the blob store under ``sha256``."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("company.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="received")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    received_by: Mapped[str] = mapped_column(String(80))


class DocumentAnalysis(Base):
    """What analysis found in a document: type, e-invoice verdict, extracted fields with confidence.

    Kept because producing it is expensive (OCR takes seconds per page); it is re-created, never
    edited, and every (re-)analysis is audited with the digest of its result.
    """

    __tablename__ = "document_analysis"

    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), primary_key=True)
    analysed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(10))
    syntax: Mapped[str | None] = mapped_column(String(40))
    profile: Mapped[str | None] = mapped_column(String(60))
    valid: Mapped[bool | None] = mapped_column(Boolean)
    fatal: Mapped[str] = mapped_column(Text, default="[]")
    warnings: Mapped[str] = mapped_column(Text, default="[]")
    report: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[str] = mapped_column(Text, default="{}")
    error: Mapped[str | None] = mapped_column(Text)
    invoice_number: Mapped[str | None] = mapped_column(String(100))
    issue_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str | None] = mapped_column(String(3))
    seller_name: Mapped[str | None] = mapped_column(String(200))
    gross: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))


# --- Archive -------------------------------------------------------------------------------------
# Owned by :mod:`belegwerk.archive.records` (records, manifests, holds, disposals, retention rules,
# saved searches, verify checkpoints) and :mod:`belegwerk.archive.dossiers` (dossiers).


class ArchiveRecord(Base):
    """One version of an archived object. Immutable: the database refuses UPDATE, and DELETE
    unless a disposal protocol exists, the retention end has passed and no legal hold is active.

    ``record_uid`` is shared by all versions of one record; a correction is a new row with
    ``version + 1`` and ``previous_id`` pointing at the version it corrects. The index columns
    (partner, number, date, amount, ERP references) are copies of ``index_data`` for searching.
    """

    __tablename__ = "archive_record"
    __table_args__ = (UniqueConstraint("record_uid", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("company.id"), index=True)
    record_uid: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("archive_record.id"), index=True)
    document_class: Mapped[str] = mapped_column(String(40), index=True)
    index_data: Mapped[str] = mapped_column(Text)  # canonical JSON
    text_content: Mapped[str] = mapped_column(Text, default="")
    blob_sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    partner_kind: Mapped[str | None] = mapped_column(String(10))
    partner_number: Mapped[str | None] = mapped_column(String(40))
    doc_number: Mapped[str | None] = mapped_column(String(80), index=True)
    doc_date: Mapped[date | None] = mapped_column(Date, index=True)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    currency: Mapped[str | None] = mapped_column(String(3))
    order_number: Mapped[str | None] = mapped_column(String(80), index=True)
    posting_number: Mapped[str | None] = mapped_column(String(80), index=True)
    process_id: Mapped[str | None] = mapped_column(String(80), index=True)
    source_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    retention_base: Mapped[date] = mapped_column(Date)
    retain_until: Mapped[date] = mapped_column(Date)
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    filed_by: Mapped[str] = mapped_column(String(80))


Index("ix_archive_record_partner", ArchiveRecord.company_id, ArchiveRecord.partner_kind, ArchiveRecord.partner_number)
Index("ix_archive_record_amount", ArchiveRecord.company_id, ArchiveRecord.amount)


class ArchiveManifest(Base):
    """The per-company manifest chain (append-only). ``kind`` is ``record`` (a filed version:
    index data + blob hashes + previous-version hash) or ``disposal`` (a record deleted after
    its retention end). ``hash`` covers seq, the previous hash and the manifest text."""

    __tablename__ = "archive_manifest"
    __table_args__ = (UniqueConstraint("company_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    company_id: Mapped[str] = mapped_column(String(20), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer, index=True)  # no FK: survives disposal
    record_uid: Mapped[str] = mapped_column(String(36), index=True)
    manifest: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ArchiveHold(Base):
    """A legal hold on a record (all versions); active while ``released_at`` is NULL."""

    __tablename__ = "archive_hold"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("company.id"), index=True)
    record_uid: Mapped[str] = mapped_column(String(36), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    set_by: Mapped[str] = mapped_column(String(80))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    released_by: Mapped[str | None] = mapped_column(String(80))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ArchiveDisposal(Base):
    """Deletion protocol (append-only): which record was deleted, when, by whom, on what grounds."""

    __tablename__ = "archive_disposal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("company.id"), index=True)
    record_uid: Mapped[str] = mapped_column(String(36), index=True)
    document_class: Mapped[str] = mapped_column(String(40))
    versions: Mapped[int] = mapped_column(Integer)
    manifest_hashes: Mapped[str] = mapped_column(Text)  # JSON list, one per version
    retain_until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    confirmed_by: Mapped[str] = mapped_column(String(80))
    confirmed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    blobs_deleted: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of digests


class ArchiveRetentionRule(Base):
    """A company's retention period for a document class (only longer than the legal default)."""

    __tablename__ = "archive_retention_rule"
    __table_args__ = (UniqueConstraint("company_id", "document_class"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("company.id"), index=True)
    document_class: Mapped[str] = mapped_column(String(40))
    years: Mapped[int] = mapped_column(Integer)
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ArchiveVerifyCheckpoint(Base):
    """How far the incremental verification got per company: manifests up to ``last_seq`` were
    verified (chain link and blob) at ``verified_at`` and ended in ``last_hash``."""

    __tablename__ = "archive_verify_checkpoint"

    company_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ArchiveSavedSearch(Base):
    __tablename__ = "archive_saved_search"
    __table_args__ = (UniqueConstraint("company_id", "owner", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("company.id"), index=True)
    owner: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(Text)  # canonical JSON of the search parameters
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ArchiveDossier(Base):
    """A vendor or customer dossier (Akte), mirrored from the master data by CSV import/sync."""

    __tablename__ = "archive_dossier"
    __table_args__ = (UniqueConstraint("company_id", "kind", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("company.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # vendor | customer
    number: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    vat_id: Mapped[str] = mapped_column(String(20), default="")
    tax_number: Mapped[str] = mapped_column(String(30), default="")
    iban: Mapped[str] = mapped_column(String(34), default="")
    gl_account: Mapped[str] = mapped_column(String(20), default="")
    cost_centre: Mapped[str] = mapped_column(String(20), default="")
    payment_terms: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ArchiveDossierGrant(Base):
    """A user's read permission on one dossier: approvers (users without ERP access) see the
    records of the dossiers granted to them and nothing else of the archive."""

    __tablename__ = "archive_dossier_grant"
    __table_args__ = (UniqueConstraint("dossier_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("company.id"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("archive_dossier.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    granted_by: Mapped[str] = mapped_column(String(80))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
