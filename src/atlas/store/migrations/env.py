"""Alembic environment: Atlas always passes an open connection in `config.attributes` (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from atlas.store.models import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
