"""Release packages: a manifest with the SHA-256 of every file, signed with Ed25519, and its verification."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from atlas.store.keys import Keys

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SCHEME = "atlas-release-manifest/1"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _package_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in (MANIFEST, SIGNATURE))


def _json_bytes(doc: Any) -> bytes:
    return (json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def write_json(path: Path, doc: Any) -> Path:
    path.write_bytes(_json_bytes(doc))
    return path


def seal(folder: Path, keys: Keys, header: dict[str, Any], marks: dict[str, str] | None = None) -> str:
    """Write manifest.json and manifest.sig, then make the package read-only; returns the manifest SHA-256."""
    signer = Ed25519PrivateKey.from_private_bytes(keys.signing_seed)
    public = signer.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    files = []
    for p in _package_files(folder):
        rel = p.relative_to(folder).as_posix()
        entry: dict[str, Any] = {"path": rel, "sha256": sha256_file(p), "bytes": p.stat().st_size}
        if marks and rel in marks:
            entry["fingerprint_mark"] = marks[rel]
        files.append(entry)
    manifest = {"scheme": SCHEME, **header, "files": files, "signature": {"algorithm": "Ed25519",
                                                                           "public_key": public}}
    body = _json_bytes(manifest)
    (folder / MANIFEST).write_bytes(body)
    (folder / SIGNATURE).write_text(signer.sign(body).hex() + "\n", encoding="ascii")
    for p in folder.rglob("*"):
        os.chmod(p, 0o555 if p.is_dir() else 0o444)
    os.chmod(folder, 0o555)
    return hashlib.sha256(body).hexdigest()


@dataclass
class VerifyResult:
    """Outcome of checking one or more packages; `problems` name the file at fault."""

    ok: bool
    packages: int = 0
    files_checked: int = 0
    public_keys: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def verify_release(folder: str | Path, *, trusted_key: str | None = None) -> VerifyResult:
    """Check signature and every file hash; a folder of per-recipient packages is checked package by package."""
    root = Path(folder)
    manifests = [root / MANIFEST] if (root / MANIFEST).exists() else sorted(root.rglob(MANIFEST))
    out = VerifyResult(ok=True)
    if not manifests:
        out.ok = False
        out.problems.append(f"{root}: no {MANIFEST} found")
        return out
    for m in manifests:
        _verify_one(m.parent, out, trusted_key)
    out.ok = not out.problems
    return out


def _verify_one(folder: Path, out: VerifyResult, trusted_key: str | None) -> None:
    out.packages += 1
    body = (folder / MANIFEST).read_bytes()
    try:
        manifest = json.loads(body)
        public = manifest["signature"]["public_key"]
        signature = bytes.fromhex((folder / SIGNATURE).read_text(encoding="ascii").strip())
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(signature, body)
    except FileNotFoundError:
        out.problems.append(f"{folder / SIGNATURE}: missing signature")
        return
    except (InvalidSignature, ValueError, KeyError, TypeError, UnicodeDecodeError):
        out.problems.append(f"{folder / MANIFEST}: signature does not match the manifest")
        return
    out.public_keys.append(public)
    if trusted_key is not None and public != trusted_key:
        out.problems.append(f"{folder / MANIFEST}: signed by {public[:16]}…, not by the trusted key")
    listed = {}
    for entry in manifest.get("files", []):
        rel = entry["path"]
        listed[rel] = entry
        p = folder / rel
        out.files_checked += 1
        if not p.is_file():
            out.problems.append(f"{p}: listed in the manifest but missing")
        elif sha256_file(p) != entry["sha256"]:
            out.problems.append(f"{p}: content differs from the manifest (SHA-256 mismatch)")
    for p in _package_files(folder):
        rel = p.relative_to(folder).as_posix()
        if rel not in listed and not (p.parent != folder and (p.parent / MANIFEST).exists()):
            out.problems.append(f"{p}: not listed in the manifest")
