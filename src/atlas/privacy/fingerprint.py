"""Recipient fingerprints: each recipient's copy of a release lists the same cells in its own keyed order.

The order is a permutation sorted by HMAC(recipient secret, row), so values never change, yet a leaked
file (even a subset of its rows, as long as their order is kept) points back to the recipient whose
secret explains its order.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from atlas.store.keys import Keys, derive

SCHEME = "atlas-hmac-order-v1"
MIN_PAIRS = 8
THRESHOLD = 0.95


def recipient_secret(keys: Keys, recipient: str) -> bytes:
    """A per-recipient secret derived from the workspace secret (nothing to store, nothing to lose)."""
    return hmac.new(derive(keys.secret, "fingerprint"), recipient.encode(), hashlib.sha256).digest()


def _row_text(row: Sequence[Any]) -> bytes:
    return "\x1f".join("" if v is None else str(v) for v in row).encode()


def _rank(row: Sequence[Any], secret: bytes) -> bytes:
    return hmac.new(secret, _row_text(row), hashlib.sha256).digest()


def fingerprint_rows(rows: Sequence[Sequence[Any]], recipient_secret: bytes) -> list[int]:
    """The permutation to publish rows in: `[rows[i] for i in perm]`; pass rows as they will be written."""
    ranks = [_rank(r, recipient_secret) for r in rows]
    return sorted(range(len(rows)), key=lambda i: (ranks[i], i))


def manifest_mark(recipient_secret: bytes, file_sha256: str) -> str:
    """The mark recorded in the manifest: verifiable with the recipient's secret, meaningless without it."""
    return hmac.new(recipient_secret, f"{SCHEME}:{file_sha256}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Trace:
    recipient: str | None
    score: float
    pairs: int
    scores: dict[str, float]


def trace_rows(rows: Sequence[Sequence[Any]], candidates: Mapping[str, bytes]) -> Trace:
    """Which candidate's order explains the observed row order (score 1.0 = every adjacent pair agrees)."""
    pairs = max(len(rows) - 1, 0)
    scores = {}
    for name, secret in candidates.items():
        ranks = [_rank(r, secret) for r in rows]
        agree = sum(1 for a, b in pairwise(ranks) if a <= b)
        scores[name] = agree / pairs if pairs else 0.0
    best = max(scores, key=scores.__getitem__, default=None)
    score = scores.get(best, 0.0) if best else 0.0
    found = best if best is not None and pairs >= MIN_PAIRS and score >= THRESHOLD else None
    return Trace(found, score, pairs, scores)


def trace_file(path: Path, candidates: Mapping[str, bytes], *, header: bool = True) -> Trace:
    """Trace a leaked CSV file back to a recipient (rows compared as the text that was written)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    return trace_rows(rows[1:] if header else rows, candidates)
