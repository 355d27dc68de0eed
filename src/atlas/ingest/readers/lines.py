"""Vectorised record scanner: where each CSV record starts (physical line), how many fields it has."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

_CHUNK_UNITS = 1 << 24
_NL, _CR = 10, 13


@dataclass(frozen=True)
class RecordMap:
    """Non-empty records in file order: first physical line (1-based), field count, start and length in units."""

    line: np.ndarray
    fields: np.ndarray
    start: np.ndarray
    length: np.ndarray


def _code_units(encoding: str) -> tuple[np.dtype, int]:
    """Numpy dtype of one code unit and the BOM length in units, for encodings where ASCII maps 1:1."""
    if encoding in {"utf-16-le", "utf-16"}:
        return np.dtype("<u2"), 1
    if encoding == "utf-16-be":
        return np.dtype(">u2"), 1
    return np.dtype("u1"), 3 if encoding == "utf-8-sig" else 0


def scan_records(path: Path, encoding: str, delimiter: str, quote: str = '"') -> RecordMap:
    """Quote-aware record boundaries in one streaming pass; RFC 4180 doubled quotes keep parity right."""
    dtype, bom = _code_units(encoding)
    q, d = ord(quote), ord(delimiter)
    lines, fields, starts_all, lengths = [], [], [], []
    inside = False
    newline_index = 0
    record_start = bom
    pending_fields = 0
    offset = 0
    raw = np.memmap(path, dtype=np.uint8, mode="r") if path.stat().st_size else np.zeros(0, np.uint8)
    units = raw[: len(raw) - len(raw) % dtype.itemsize].view(dtype)
    current_line = 1
    for begin in range(0, len(units), _CHUNK_UNITS):
        chunk = np.asarray(units[begin : begin + _CHUNK_UNITS])
        quotes = np.flatnonzero(chunk == q)
        newlines = np.flatnonzero(chunk == _NL)
        delims = np.flatnonzero(chunk == d)
        parity_nl = (np.searchsorted(quotes, newlines) + inside) % 2 == 0
        parity_d = (np.searchsorted(quotes, delims) + inside) % 2 == 0
        ends = newlines[parity_nl]
        outside_delims = delims[parity_d]
        per_segment = np.bincount(np.searchsorted(ends, outside_delims), minlength=len(ends) + 1)
        if len(ends):
            starts = np.concatenate(([record_start - begin], ends[:-1] + 1))
            seg_len = ends - starts
            cr = np.zeros(len(ends), dtype=bool)
            nonzero = seg_len > 0
            cr[nonzero] = chunk[ends[nonzero] - 1] == _CR
            seg_len = seg_len - cr
            seg_fields = per_segment[:-1].copy()
            seg_fields[0] += pending_fields
            ends_line_index = newline_index + np.flatnonzero(parity_nl)
            seg_lines = np.concatenate(([current_line], ends_line_index[:-1] + 2))
            keep = seg_len > 0
            lines.append(seg_lines[keep])
            fields.append(seg_fields[keep] + 1)
            lengths.append(seg_len[keep])
            starts_all.append(starts[keep] + begin)
            record_start = begin + int(ends[-1]) + 1
            current_line = int(ends_line_index[-1]) + 2
            pending_fields = int(per_segment[-1])
        else:
            pending_fields += int(per_segment[-1])
        newline_index += len(newlines)
        inside = bool((len(quotes) + inside) % 2)
        offset = begin + len(chunk)
    tail = offset - record_start
    if tail > 0 and not (tail == 1 and units[offset - 1] == _CR):
        lines.append(np.array([current_line]))
        fields.append(np.array([pending_fields + 1]))
        lengths.append(np.array([tail]))
        starts_all.append(np.array([record_start]))
    if not lines:
        empty = np.zeros(0, dtype=np.int64)
        return RecordMap(empty, empty, empty, empty)
    return RecordMap(
        np.concatenate(lines).astype(np.int64),
        np.concatenate(fields).astype(np.int64),
        np.concatenate(starts_all).astype(np.int64),
        np.concatenate(lengths).astype(np.int64),
    )
