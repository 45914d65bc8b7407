"""dossier grants

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 04:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_dossier_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.String(length=20), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("granted_by", sa.String(length=80), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_archive_dossier_grant_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["archive_dossier.id"],
            name=op.f("fk_archive_dossier_grant_dossier_id_archive_dossier"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_archive_dossier_grant_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_dossier_grant")),
        sa.UniqueConstraint("dossier_id", "user_id", name=op.f("uq_archive_dossier_grant_dossier_id")),
    )
    with op.batch_alter_table("archive_dossier_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_archive_dossier_grant_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_archive_dossier_grant_dossier_id"), ["dossier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_archive_dossier_grant_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("archive_dossier_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archive_dossier_grant_user_id"))
        batch_op.drop_index(batch_op.f("ix_archive_dossier_grant_dossier_id"))
        batch_op.drop_index(batch_op.f("ix_archive_dossier_grant_company_id"))

    op.drop_table("archive_dossier_grant")
