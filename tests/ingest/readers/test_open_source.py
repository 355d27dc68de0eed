"""open_source: files that cannot be read at all are rejected with a located issue."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from atlas.errors import RejectedInput
from atlas.ingest.readers import open_source

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(200)


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("empty.csv", b"", "empty-file"),
        ("blank.csv", b"\n\n  \n", "empty-file"),
        ("header.csv", b"a,b,c\n", "no-data-rows"),
        ("random.csv", bytes(range(256)) * 8, "binary-file"),
        ("image.csv", PNG, "unknown-format"),
        ("wide.csv", ",".join(f"h{i}" for i in range(3000)) + "\n" + ",".join("1" * 3000),
         "too-many-columns"),
    ],
)
def test_unreadable_files_are_rejected(
    tmp_path: Path, name: str, data: bytes | str, code: str, write: Callable[..., Path]
) -> None:
    with pytest.raises(RejectedInput) as caught:
        open_source(write(name, data))
    assert caught.value.issues[0].code == code
    assert caught.value.issues[0].file == str(tmp_path / name)
