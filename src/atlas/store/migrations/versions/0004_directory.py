"""Contingency directory: networks, focal points and consent, evidence, trafficking reports (mirrors embedded schema version 4; never edited once released)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('networks',
    sa.Column('network_id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('formal', sa.Boolean(), nullable=False),
    sa.Column('nationalities', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('areas', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('languages', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('services', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('reach', sa.Text(), nullable=True),
    sa.Column('members_estimate', sa.Integer(), nullable=True),
    sa.Column('founded_year', sa.Integer(), nullable=True),
    sa.Column('public_listing', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('network_id')
    )
    op.create_table('focal_points',
    sa.Column('focal_id', sa.Text(), nullable=False),
    sa.Column('pseudonym', sa.Text(), nullable=False),
    sa.Column('network_id', sa.Text(), nullable=True),
    sa.Column('role', sa.Text(), nullable=True),
    sa.Column('areas', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('languages', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('verified_at', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('added_by', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('focal_id')
    )
    op.create_table('focal_consents',
    sa.Column('focal_id', sa.Text(), nullable=False),
    sa.Column('purposes', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('recipients', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('given_at', sa.Date(), nullable=True),
    sa.Column('expires_at', sa.Date(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.Text(), nullable=True)
    )
    op.create_table('evidence',
    sa.Column('evidence_id', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('places', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('nationalities', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('themes', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('method', sa.Text(), nullable=True),
    sa.Column('sensitivity', sa.Text(), nullable=False),
    sa.Column('reliability', sa.Text(), nullable=True),
    sa.Column('credibility', sa.Integer(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('file_name', sa.Text(), nullable=True),
    sa.Column('sha256', sa.Text(), nullable=True),
    sa.Column('sealed_pseudonym', sa.Text(), nullable=True),
    sa.Column('review_status', sa.Text(), nullable=False),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('reviewed_by', sa.Text(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('added_by', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('evidence_id')
    )
    op.create_table('evidence_links',
    sa.Column('evidence_id', sa.Text(), nullable=False),
    sa.Column('target_kind', sa.Text(), nullable=False),
    sa.Column('target_id', sa.Text(), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('linked_by', sa.Text(), nullable=True)
    )
    op.create_table('trafficking_reports',
    sa.Column('report_id', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('indicator', sa.Text(), nullable=False),
    sa.Column('area', sa.Text(), nullable=False),
    sa.Column('adm1', sa.Text(), nullable=True),
    sa.Column('route_origin', sa.Text(), nullable=True),
    sa.Column('route_transit', postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column('route_destination', sa.Text(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('source_type', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('confidence', sa.Text(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('added_by', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('report_id')
    )


def downgrade() -> None:
    op.drop_table('trafficking_reports')
    op.drop_table('evidence_links')
    op.drop_table('evidence')
    op.drop_table('focal_consents')
    op.drop_table('focal_points')
    op.drop_table('networks')
