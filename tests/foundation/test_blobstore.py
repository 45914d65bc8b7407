"""Content-addressed, write-once blob storage."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from belegwerk.archive.blobstore import BlobNotFound, FileBlobStore, sha256_hex

pytestmark = pytest.mark.foundation


def test_put_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    d1 = store.put(b"hello")
    assert d1 == sha256_hex(b"hello") and store.get(d1) == b"hello"
    path = store.path_for(d1)
    mtime = path.stat().st_mtime_ns
    assert store.put(b"hello") == d1 and path.stat().st_mtime_ns == mtime  # not rewritten
    assert not os.access(path, os.W_OK) or os.geteuid() == 0
    assert path.stat().st_mode & 0o222 == 0  # read-only on disk
    assert list((tmp_path / "tmp").iterdir()) == []  # no temp files left behind


def test_stream_put_and_verification(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    data = os.urandom(3 * 1024 * 1024 + 7)
    digest = store.put_stream(io.BytesIO(data))
    assert digest == sha256_hex(data) and store.verify(digest)
    path = store.path_for(digest)
    path.chmod(0o644)
    with path.open("r+b") as fh:
        fh.write(b"X")
    assert not store.verify(digest)


def test_missing_and_malformed_digests(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    with pytest.raises(BlobNotFound):
        store.get("0" * 64)
    with pytest.raises(ValueError, match="SHA-256"):
        store.get("../../etc/passwd")


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=4096))
def test_any_bytes_round_trip(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    store = FileBlobStore(tmp_path_factory.mktemp("blobs"))
    assert store.get(store.put(data)) == data
