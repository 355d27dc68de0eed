"""Where the master key comes from: ATLAS_MASTER_KEY, or a 0600 key file the user must back up."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from atlas.errors import KeyProblem
from atlas.settings import Settings
from atlas.store.keys import encode_key, new_key, parse_key


def load_master(settings: Settings) -> bytes:
    """The master key, or a clear error saying how to provide it."""
    if settings.master_key is not None:
        return parse_key(settings.master_key.get_secret_value())
    path = settings.resolved_key_file
    if not path.is_file():
        raise KeyProblem(
            f"No master key: set ATLAS_MASTER_KEY or restore the key file {path} from your backup.",
        )
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyProblem(f"The key file {path} is readable by others (mode {oct(mode)}); run: chmod 600 {path}")
    return parse_key(path.read_text())


def create_key_file(path: Path, key: bytes | None = None) -> bytes:
    """Write a new master key file with mode 0600 (created with that mode, never world-readable)."""
    key = key or new_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(encode_key(key) + "\n")
    os.replace(tmp, path)
    return key
