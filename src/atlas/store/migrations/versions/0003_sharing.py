"""Sharing: agreements, crisis activations, releases, special-run requests, schedule (mirrors embedded schema version 3; never edited once released)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence('run_requests_request_id_seq')))
    op.create_table('agreements',
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sha256', sa.Text(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('added_by', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('name', 'version')
    )
    op.create_table('agreement_states',
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('changed_by', sa.Text(), nullable=True)
    )
    op.create_table('crisis_activations',
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('activated_by', sa.Text(), nullable=False),
    sa.Column('trigger', sa.Text(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by', sa.Text(), nullable=True)
    )
    op.create_table('releases',
    sa.Column('release_id', sa.Text(), nullable=False),
    sa.Column('agreement', sa.Text(), nullable=False),
    sa.Column('agreement_version', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('manifest_sha256', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('release_id')
    )
    op.create_table('release_tables',
    sa.Column('release_id', sa.Text(), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=False),
    sa.Column('table_name', sa.Text(), nullable=False),
    sa.Column('population', sa.Text(), nullable=False),
    sa.Column('dimensions', sa.Text(), nullable=False),
    sa.Column('cells', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table('run_requests',
    sa.Column('request_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('agreement', sa.Text(), nullable=False),
    sa.Column('spec', sa.Text(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('requester', sa.Text(), nullable=False),
    sa.Column('organisation', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('release_id', sa.Text(), nullable=True),
    sa.Column('cells', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('request_id')
    )
    op.create_table('schedule_runs',
    sa.Column('agreement', sa.Text(), nullable=False),
    sa.Column('slot', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('release_id', sa.Text(), nullable=True),
    sa.Column('ran_at', sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.execute(sa.schema.DropSequence(sa.Sequence('run_requests_request_id_seq')))
    op.drop_table('schedule_runs')
    op.drop_table('run_requests')
    op.drop_table('release_tables')
    op.drop_table('releases')
    op.drop_table('crisis_activations')
    op.drop_table('agreement_states')
    op.drop_table('agreements')
