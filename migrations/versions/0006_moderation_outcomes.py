"""testimony: outcome mail choice, note to the resident, a minute to undo a decision

Revision ID: 0006
Revises: 0002
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("testimony", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("outcome_mail", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("outcome_mail_due", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("resident_note", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("undo_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("undo_reason", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("testimony", schema=None) as batch_op:
        for column in ("undo_reason", "undo_status", "resident_note", "outcome_mail_due"):
            batch_op.drop_column(column)
        batch_op.drop_column("outcome_mail")
