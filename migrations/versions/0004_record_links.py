"""record_link, record_item, record_conflict, record_vote: campaigns following the city's record

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-06 22:32:03.841226

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('record_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=40), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('source_url', sa.String(length=500), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_record_item_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_item')),
    sa.UniqueConstraint('campaign_id', 'key', 'field', name=op.f('uq_record_item_campaign_id_key_field'))
    )
    with op.batch_alter_table('record_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_item_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('record_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('client', sa.String(length=80), nullable=False),
    sa.Column('file_number', sa.String(length=80), nullable=False),
    sa.Column('matter_id', sa.String(length=40), nullable=True),
    sa.Column('matter_url', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=200), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('synced_at', sa.DateTime(), nullable=True),
    sa.Column('error_code', sa.String(length=40), nullable=True),
    sa.Column('error_status', sa.Integer(), nullable=True),
    sa.Column('error_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_record_link_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_link')),
    sa.UniqueConstraint('campaign_id', name=op.f('uq_record_link_campaign_id'))
    )
    op.create_table('record_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('ours', sa.Text(), nullable=True),
    sa.Column('theirs', sa.Text(), nullable=True),
    sa.Column('found_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_record_conflict_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['record_item.id'], name=op.f('fk_record_conflict_item_id_record_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_conflict'))
    )
    with op.batch_alter_table('record_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_conflict_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('record_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('decision_maker_id', sa.Integer(), nullable=True),
    sa.Column('person_name', sa.String(length=200), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('event_id', sa.String(length=80), nullable=False),
    sa.Column('voted_on', sa.Date(), nullable=False),
    sa.Column('source_url', sa.String(length=500), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_record_vote_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decision_maker_id'], ['decision_maker.id'], name=op.f('fk_record_vote_decision_maker_id_decision_maker'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_vote')),
    sa.UniqueConstraint('campaign_id', 'event_id', 'person_name', name=op.f('uq_record_vote_campaign_id_event_id_person_name'))
    )
    with op.batch_alter_table('record_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_vote_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_vote_decision_maker_id'), ['decision_maker_id'], unique=False)



def downgrade():
    with op.batch_alter_table('record_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_vote_decision_maker_id'))
        batch_op.drop_index(batch_op.f('ix_record_vote_campaign_id'))

    op.drop_table('record_vote')
    with op.batch_alter_table('record_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_conflict_campaign_id'))

    op.drop_table('record_conflict')
    op.drop_table('record_link')
    with op.batch_alter_table('record_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_item_campaign_id'))

    op.drop_table('record_item')
