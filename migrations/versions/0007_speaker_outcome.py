"""testimony.speaker_outcome: hearing day's called / spoke / absent

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OUTCOME = sa.Enum(
    "called",
    "spoke",
    "absent",
    name="testimony_speaker_outcome",
    native_enum=False,
    create_constraint=True,
    length=6,
)


def upgrade():
    with op.batch_alter_table("testimony", schema=None) as batch_op:
        batch_op.add_column(sa.Column("speaker_outcome", OUTCOME, nullable=True))


def downgrade():
    with op.batch_alter_table("testimony", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_testimony_testimony_speaker_outcome"), type_="check")
        batch_op.drop_column("speaker_outcome")
