"""Envelope encryption: a master key wraps the workspace's data keys; everything else is derived.

The master key never touches data. It only unwraps data keys (AES-256-GCM), so rotating it is cheap
and safe. Each data key derives, by HKDF with a distinct label, the DuckDB file key and the vault key.
A separate long-lived workspace secret (wrapped the same way) derives the pseudonym and record-key
secrets, which must not change on rotation or linkage across batches would break.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from atlas.errors import KeyProblem

KEY_BYTES = 32
KEYRING_NAME = "keyring.json"


def parse_key(text: str) -> bytes:
    """Accept a 32-byte key as hex (64 chars) or base64; refuse anything weaker."""
    text = text.strip()
    raw: bytes | None = None
    if len(text) == 64:
        try:
            raw = binascii.unhexlify(text)
        except binascii.Error:
            raw = None
    if raw is None:
        try:
            raw = base64.b64decode(text, validate=True)
        except binascii.Error as exc:
            raise KeyProblem("The master key is neither 64 hex characters nor base64.") from exc
    if len(raw) != KEY_BYTES:
        raise KeyProblem(f"The master key must be {KEY_BYTES} bytes; got {len(raw)}.")
    return raw


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def fingerprint(key: bytes) -> str:
    """Short public identifier of a key (never the key): lets errors say *which* key was expected."""
    return hashlib.sha256(b"atlas-key-fingerprint" + key).hexdigest()[:16]


def derive(key: bytes, label: str, length: int = KEY_BYTES) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=b"atlas/" + label.encode()).derive(key)


def _wrap(master: bytes, payload: bytes, aad: str) -> dict[str, str]:
    nonce = secrets.token_bytes(12)
    blob = AESGCM(master).encrypt(nonce, payload, aad.encode())
    return {"nonce": encode_key(nonce), "wrapped": encode_key(blob)}


def _unwrap(master: bytes, entry: dict[str, str], aad: str) -> bytes:
    try:
        return AESGCM(master).decrypt(base64.b64decode(entry["nonce"]), base64.b64decode(entry["wrapped"]), aad.encode())
    except InvalidTag as exc:
        raise KeyProblem(
            "The master key does not open this workspace (wrong key, or the keyring was altered).",
            detail={"expected_fingerprint": entry.get("master_fingerprint")},
        ) from exc


@dataclass(frozen=True)
class DataKey:
    id: int
    key: bytes

    @property
    def duckdb_key(self) -> str:
        return derive(self.key, "duckdb").hex()

    @property
    def vault_key(self) -> bytes:
        return derive(self.key, "vault")


@dataclass(frozen=True)
class Keys:
    """Unwrapped key material of an open workspace (kept in memory only)."""

    data_keys: dict[int, DataKey]
    active_id: int
    secret: bytes

    @property
    def active(self) -> DataKey:
        return self.data_keys[self.active_id]

    @property
    def pseudonym_key(self) -> bytes:
        return derive(self.secret, "pseudonym")

    @property
    def record_key_secret(self) -> bytes:
        return derive(self.secret, "record-key")

    @property
    def signing_seed(self) -> bytes:
        return derive(self.secret, "ed25519-signing")


class KeyStore(Protocol):
    """Where the wrapped keyring document lives: a 0600 file, or a PostgreSQL row in server mode."""

    @property
    def exists(self) -> bool: ...

    def load(self) -> dict: ...

    def save(self, doc: dict) -> None: ...


class FileKeyStore:
    """The keyring as HOME/keyring.json (no secret in clear)."""

    def __init__(self, path: Path):
        self.path = path

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            raise KeyProblem(f"The keyring {self.path} is missing or unreadable.") from exc

    def save(self, doc: dict) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=2))
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)


class Keyring:
    """The wrapped keys of a workspace, in a file (embedded) or a database row (server mode)."""

    def __init__(self, where: Path | KeyStore):
        self.store: KeyStore = FileKeyStore(where) if isinstance(where, Path) else where

    @property
    def exists(self) -> bool:
        return self.store.exists

    def _load(self) -> dict:
        return self.store.load()

    def _save(self, doc: dict) -> None:
        self.store.save(doc)

    def create(self, master: bytes) -> Keys:
        secret, dk = new_key(), DataKey(1, new_key())
        doc = {
            "format": 1,
            "master_fingerprint": fingerprint(master),
            "secret": _wrap(master, secret, "secret"),
            "active": 1,
            "data_keys": [{"id": 1, "created": _now(), **_wrap(master, dk.key, "data-key-1")}],
            "rotations": [],
        }
        self._save(doc)
        return Keys({1: dk}, 1, secret)

    def open(self, master: bytes) -> Keys:
        doc = self._load()
        if doc.get("master_fingerprint") != fingerprint(master):
            raise KeyProblem(
                "The master key does not open this workspace: it is a different key "
                f"(fingerprint {fingerprint(master)}, the workspace expects {doc.get('master_fingerprint')}).",
            )
        secret = _unwrap(master, doc["secret"], "secret")
        dks = {e["id"]: DataKey(e["id"], _unwrap(master, e, f"data-key-{e['id']}")) for e in doc["data_keys"]}
        return Keys(dks, doc["active"], secret)

    def rewrap(self, old_master: bytes, new_master: bytes) -> None:
        """Master-key rotation: unwrap everything with the old key, wrap it again with the new one."""
        keys = self.open(old_master)
        doc = self._load()
        doc["master_fingerprint"] = fingerprint(new_master)
        doc["secret"] = _wrap(new_master, keys.secret, "secret")
        doc["data_keys"] = [
            {"id": dk.id, "created": _created(doc, dk.id), **_wrap(new_master, dk.key, f"data-key-{dk.id}")}
            for dk in keys.data_keys.values()
        ]
        doc["rotations"].append({"at": _now(), "kind": "master", "fingerprint": fingerprint(new_master)})
        self._save(doc)

    def add_data_key(self, master: bytes) -> DataKey:
        """Data-key rotation, step 1: a new active data key (the caller re-encrypts, then retires)."""
        self.open(master)
        doc = self._load()
        new_id = max(e["id"] for e in doc["data_keys"]) + 1
        dk = DataKey(new_id, new_key())
        doc["data_keys"].append({"id": new_id, "created": _now(), **_wrap(master, dk.key, f"data-key-{new_id}")})
        doc["active"] = new_id
        doc["rotations"].append({"at": _now(), "kind": "data", "id": new_id})
        self._save(doc)
        return dk

    def retire(self, keep_ids: set[int]) -> None:
        doc = self._load()
        doc["data_keys"] = [e for e in doc["data_keys"] if e["id"] in keep_ids]
        self._save(doc)


def _created(doc: dict, key_id: int) -> str:
    return next((e.get("created", "") for e in doc["data_keys"] if e["id"] == key_id), "")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
