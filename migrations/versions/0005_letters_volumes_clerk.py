"""Packets in volumes, the committee clerk's address, deliveries of packets to the clerk

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("packet", schema=None) as batch_op:
        batch_op.add_column(sa.Column("volumes", sa.JSON(), nullable=True))
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clerk_email", sa.String(length=254), nullable=True))
    op.create_table(
        "packet_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("packet_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("to", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sending",
                "delivered",
                "failed",
                name="packet_delivery_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("smtp_reply", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status <> 'delivered' OR (smtp_reply IS NOT NULL AND delivered_at IS NOT NULL)",
            name=op.f("ck_packet_delivery_delivered_has_reply"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_packet_delivery_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["packet_id"],
            ["packet.id"],
            name=op.f("fk_packet_delivery_packet_id_packet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user.id"],
            name=op.f("fk_packet_delivery_requested_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packet_delivery")),
    )
    with op.batch_alter_table("packet_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_packet_delivery_packet_id"), ["packet_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("packet_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_packet_delivery_packet_id"))
    op.drop_table("packet_delivery")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_column("clerk_email")
    with op.batch_alter_table("packet", schema=None) as batch_op:
        batch_op.drop_column("volumes")
