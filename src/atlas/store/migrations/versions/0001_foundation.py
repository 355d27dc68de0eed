"""Foundation: batches, persons, aggregates, issues, quarantine, geography, keyring (mirrors embedded schema version 1; never edited once released)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence('batches_batch_id_seq')))
    op.execute(sa.schema.CreateSequence(sa.Sequence('geo_sets_set_id_seq')))
    op.create_table('batches',
    sa.Column('batch_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('file_name', sa.Text(), nullable=True),
    sa.Column('sha256', sa.Text(), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=True),
    sa.Column('format', sa.Text(), nullable=True),
    sa.Column('encoding', sa.Text(), nullable=True),
    sa.Column('mapping', sa.Text(), nullable=True),
    sa.Column('legal_basis', sa.Text(), nullable=True),
    sa.Column('purposes', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('policy', sa.Text(), nullable=True),
    sa.Column('user_name', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rows_read', sa.BigInteger(), nullable=True),
    sa.Column('rows_stored', sa.BigInteger(), nullable=True),
    sa.Column('rows_quarantined', sa.BigInteger(), nullable=True),
    sa.Column('issues_count', sa.BigInteger(), nullable=True),
    sa.Column('forced', sa.Boolean(), server_default=sa.text('false'), nullable=True),
    sa.Column('vocab_version', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('batch_id')
    )
    op.create_table('persons',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('source_row', sa.BigInteger(), nullable=False),
    sa.Column('pseudonym', sa.Text(), nullable=True),
    sa.Column('adm1', sa.Text(), nullable=True),
    sa.Column('adm2', sa.Text(), nullable=True),
    sa.Column('record_key', sa.Double(), nullable=False),
    sa.Column('record_id', sa.Text(), nullable=True),
    sa.Column('event_date', sa.Date(), nullable=True),
    sa.Column('sex', sa.Text(), nullable=True),
    sa.Column('age', sa.SmallInteger(), nullable=True),
    sa.Column('age_band', sa.Text(), nullable=True),
    sa.Column('nationality', sa.Text(), nullable=True),
    sa.Column('birth_country', sa.Text(), nullable=True),
    sa.Column('ethnicity', sa.Text(), nullable=True),
    sa.Column('languages', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('host_language_level', sa.Text(), nullable=True),
    sa.Column('host_country', sa.Text(), nullable=True),
    sa.Column('area', sa.Text(), nullable=True),
    sa.Column('migration_status', sa.Text(), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('origin_country', sa.Text(), nullable=True),
    sa.Column('transit_countries', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('entry_point', sa.Text(), nullable=True),
    sa.Column('destination_country', sa.Text(), nullable=True),
    sa.Column('arrival_year', sa.SmallInteger(), nullable=True),
    sa.Column('wg_seeing', sa.Text(), nullable=True),
    sa.Column('wg_hearing', sa.Text(), nullable=True),
    sa.Column('wg_walking', sa.Text(), nullable=True),
    sa.Column('wg_cognition', sa.Text(), nullable=True),
    sa.Column('wg_self_care', sa.Text(), nullable=True),
    sa.Column('wg_communication', sa.Text(), nullable=True),
    sa.Column('sector_isic', sa.Text(), nullable=True),
    sa.Column('informal_work', sa.Boolean(), nullable=True),
    sa.Column('employer_holds_documents', sa.Boolean(), nullable=True),
    sa.Column('unpaid_wages', sa.Boolean(), nullable=True),
    sa.Column('isco_major', sa.Text(), nullable=True),
    sa.Column('isced_level', sa.Text(), nullable=True),
    sa.Column('diaspora', sa.Boolean(), nullable=True),
    sa.Column('unaccompanied_child', sa.Boolean(), nullable=True),
    sa.Column('household_id', sa.Text(), nullable=True),
    sa.Column('sampling_weight', sa.Double(), nullable=True),
    sa.Column('consent_purposes', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('consent_date', sa.Date(), nullable=True),
    sa.Column('consent_withdrawn', sa.Boolean(), nullable=True),
    sa.Column('entry_mode', sa.Text(), nullable=True),
    sa.Column('_issues', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('_raw', sa.Text(), nullable=True)
    )
    op.create_index('persons_batch', 'persons', ['batch_id'], unique=False)
    op.create_index('persons_pseudonym', 'persons', ['pseudonym'], unique=False)
    op.create_table('aggregates',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('source_row', sa.BigInteger(), nullable=False),
    sa.Column('adm1', sa.Text(), nullable=True),
    sa.Column('adm2', sa.Text(), nullable=True),
    sa.Column('period', sa.Text(), nullable=True),
    sa.Column('area', sa.Text(), nullable=True),
    sa.Column('country', sa.Text(), nullable=True),
    sa.Column('nationality', sa.Text(), nullable=True),
    sa.Column('origin_country', sa.Text(), nullable=True),
    sa.Column('destination_country', sa.Text(), nullable=True),
    sa.Column('entry_point', sa.Text(), nullable=True),
    sa.Column('sex', sa.Text(), nullable=True),
    sa.Column('age_band', sa.Text(), nullable=True),
    sa.Column('migration_status', sa.Text(), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('indicator', sa.Text(), nullable=True),
    sa.Column('value', sa.Double(), nullable=True),
    sa.Column('_issues', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('_raw', sa.Text(), nullable=True)
    )
    op.create_index('aggregates_batch', 'aggregates', ['batch_id'], unique=False)
    op.create_table('issues',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('file', sa.Text(), nullable=True),
    sa.Column('row_number', sa.BigInteger(), nullable=True),
    sa.Column('column_name', sa.Text(), nullable=True),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('code', sa.Text(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('hint', sa.Text(), nullable=True)
    )
    op.create_index('issues_batch', 'issues', ['batch_id'], unique=False)
    op.create_table('quarantine',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.BigInteger(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('reasons', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('status', sa.Text(), server_default=sa.text("'open'"), nullable=True),
    sa.Column('fixed', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index('quarantine_batch', 'quarantine', ['batch_id'], unique=False)
    op.create_table('geo_sets',
    sa.Column('set_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('country', sa.Text(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('version', sa.Text(), nullable=True),
    sa.Column('source_file', sa.Text(), nullable=True),
    sa.Column('sha256', sa.Text(), nullable=True),
    sa.Column('features', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('set_id')
    )
    op.create_table('geo_areas',
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('country', sa.Text(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('pcode', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('names', sa.Text(), nullable=True),
    sa.Column('parent', sa.Text(), nullable=True),
    sa.Column('geometry', sa.LargeBinary(), nullable=True),
    sa.Column('area_km2', sa.Double(), nullable=True)
    )
    op.create_table('keyring',
    sa.Column('id', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('doc', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.execute(sa.schema.DropSequence(sa.Sequence('batches_batch_id_seq')))
    op.execute(sa.schema.DropSequence(sa.Sequence('geo_sets_set_id_seq')))
    op.drop_table('keyring')
    op.drop_table('geo_areas')
    op.drop_table('geo_sets')
    op.drop_table('quarantine')
    op.drop_table('issues')
    op.drop_table('aggregates')
    op.drop_table('persons')
    op.drop_table('batches')
