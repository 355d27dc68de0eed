"""Privacy: vault, consent, retention, erasures, users, audit trail, incidents (mirrors embedded schema version 2; never edited once released)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence('incidents_incident_id_seq')))
    op.create_table('vault',
    sa.Column('pseudonym', sa.Text(), nullable=False),
    sa.Column('field', sa.Text(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.LargeBinary(), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('stored_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lookup', sa.Text(), nullable=True)
    )
    op.create_index('vault_lookup', 'vault', ['lookup'], unique=False)
    op.create_index('vault_pseudonym', 'vault', ['pseudonym'], unique=False)
    op.create_table('consent_events',
    sa.Column('pseudonym', sa.Text(), nullable=False),
    sa.Column('purposes', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('given_at', sa.Date(), nullable=True),
    sa.Column('channel', sa.Text(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table('retention_rules',
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('scope', 'name')
    )
    op.create_table('retention_runs',
    sa.Column('run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('today', sa.Date(), nullable=True),
    sa.Column('actor', sa.Text(), nullable=True),
    sa.Column('report', sa.Text(), nullable=True)
    )
    op.create_table('erasures',
    sa.Column('pseudonym', sa.Text(), nullable=False),
    sa.Column('rows_digest', sa.Text(), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actor', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True)
    )
    op.create_table('erased_rows',
    sa.Column('row_hash', sa.Text(), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('row_hash')
    )
    op.create_table('data_usage',
    sa.Column('object_kind', sa.Text(), nullable=False),
    sa.Column('object_id', sa.Text(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('recipient', sa.Text(), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table('organisations',
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('users',
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('organisation', sa.Text(), nullable=True),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('role_grants',
    sa.Column('user_name', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('granted_by', sa.Text(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Text(), nullable=True)
    )
    op.create_table('api_keys',
    sa.Column('key_id', sa.Text(), nullable=False),
    sa.Column('user_name', sa.Text(), nullable=False),
    sa.Column('secret_hash', sa.Text(), nullable=False),
    sa.Column('label', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key_id')
    )
    op.create_table('audit_log',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('logged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('object', sa.Text(), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.Text(), nullable=False),
    sa.Column('hash', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_table('audit_heads',
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.Text(), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('public_key', sa.Text(), nullable=True),
    sa.Column('signature', sa.Text(), nullable=True)
    )
    op.create_table('incidents',
    sa.Column('incident_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reported_by', sa.Text(), nullable=True),
    sa.Column('severity', sa.Text(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('affected', sa.Text(), nullable=True),
    sa.Column('recipient', sa.Text(), nullable=True),
    sa.Column('actions', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('incident_id')
    )
    op.create_table('release_fingerprints',
    sa.Column('release_id', sa.Text(), nullable=False),
    sa.Column('file', sa.Text(), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('n_rows', sa.BigInteger(), nullable=True),
    sa.Column('mark', sa.Text(), nullable=True)
    )


def downgrade() -> None:
    op.execute(sa.schema.DropSequence(sa.Sequence('incidents_incident_id_seq')))
    op.drop_table('release_fingerprints')
    op.drop_table('incidents')
    op.drop_table('audit_heads')
    op.drop_table('audit_log')
    op.drop_table('api_keys')
    op.drop_table('role_grants')
    op.drop_table('users')
    op.drop_table('organisations')
    op.drop_table('data_usage')
    op.drop_table('erased_rows')
    op.drop_table('erasures')
    op.drop_table('retention_runs')
    op.drop_table('retention_rules')
    op.drop_table('consent_events')
    op.drop_table('vault')
