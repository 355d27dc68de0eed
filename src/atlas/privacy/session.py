"""One acting session: an open store, the authenticated actor, and a signed audit head when it ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from atlas.privacy.access import Actor
from atlas.privacy.audit import sign_head
from atlas.privacy.users import actor_for


@contextmanager
def acting(ws: Any, actor: Actor | None = None, *, read_only: bool = False) -> Iterator[tuple[duckdb.DuckDBPyConnection,
                                                                                              Actor]]:
    """Yield (connection, actor); the CLI actor is ATLAS_USER, checked against the users table."""
    with ws.connect(read_only=read_only) as con:
        who = actor or actor_for(con, ws.settings.user)
        try:
            yield con, who
        finally:
            if not read_only:
                sign_head(con, ws.keys)
