"""Spanish twins of the campaign texts: decision body and reference, decision-makers' offices,
position notes, deadline places, committees and notes, and organization descriptions (with
their English field)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = {
    "decision": (
        ("body_es", sa.String(length=200)),
        ("reference_es", sa.String(length=80)),
    ),
    "decision_maker": (("office_es", sa.String(length=200)),),
    "stated_position": (("source_note_es", sa.String(length=500)),),
    "deadline": (
        ("location_es", sa.String(length=300)),
        ("committee_es", sa.String(length=200)),
        ("notes_es", sa.Text()),
    ),
    "endorsement": (
        ("description", sa.String(length=300)),
        ("description_es", sa.String(length=300)),
    ),
}


def upgrade():
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, type_ in columns:
                batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade():
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _type in reversed(columns):
                batch_op.drop_column(name)
