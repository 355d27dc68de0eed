"""Server mode keeps the wrapped keyring in PostgreSQL, so every host and worker shares one set of data keys."""

from __future__ import annotations

import json

import sqlalchemy as sa

from atlas.errors import KeyProblem, WorkspaceProblem
from atlas.store.migrate import engine
from atlas.store.models import keyring
from atlas.store.pg import redact

_ROW = 1


class PgKeyStore:
    """The keyring document in the `keyring` table (wrapped keys only; the master key never goes there)."""

    def __init__(self, url: str):
        self.url = url
        self._seen: str | None = None  # the document last read: a save over a newer one is refused

    def _read(self, *, schema_required: bool = True) -> str | None:
        eng = engine(self.url)
        try:
            with eng.connect() as con:
                return con.execute(sa.select(keyring.c.doc).where(keyring.c.id == _ROW)).scalar_one_or_none()
        except sa.exc.ProgrammingError as exc:
            if not schema_required:
                return None
            raise WorkspaceProblem(
                f"The database {redact(self.url)} has no Atlas schema yet: run `atlas db upgrade`, then `atlas init`."
            ) from exc
        except sa.exc.OperationalError as exc:
            raise WorkspaceProblem(f"The PostgreSQL database {redact(self.url)} is not reachable: {exc.orig}") from exc
        finally:
            eng.dispose()

    @property
    def exists(self) -> bool:
        return self._read(schema_required=False) is not None

    def load(self) -> dict:
        doc = self._read()
        if doc is None:
            raise KeyProblem(f"The database {redact(self.url)} holds no keyring: run `atlas init` first.")
        self._seen = doc
        try:
            return json.loads(doc)
        except ValueError as exc:
            raise KeyProblem("The keyring in the database is unreadable (altered?).") from exc

    def save(self, doc: dict) -> None:
        text = json.dumps(doc, indent=2)
        eng = engine(self.url)
        try:
            with eng.begin() as con:
                if self._seen is None:
                    con.execute(keyring.insert().values(id=_ROW, doc=text))
                else:
                    done = con.execute(keyring.update().where(keyring.c.id == _ROW, keyring.c.doc == self._seen)
                                       .values(doc=text, updated_at=sa.func.now()))
                    if not done.rowcount:
                        raise KeyProblem("The keyring was changed by another process during this key operation; "
                                         "nothing was saved: run it again.")
            self._seen = text
        except sa.exc.IntegrityError as exc:
            raise KeyProblem("Another process created this workspace's keyring at the same time.") from exc
        finally:
            eng.dispose()
