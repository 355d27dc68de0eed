"""Alembic migrations of the server-mode (PostgreSQL) schema; applied by `atlas db upgrade`."""
