"""Content-addressed storage of original bytes.

Originals are stored under their SHA-256 before anything else happens to a document, so no
later failure can lose one. A blob is written once — temp file, fsync, hard link into place
(which fails instead of replacing), fsync of the directory — and is never overwritten. The
:class:`BlobStore` protocol is what an S3-compatible backend implements as well.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from datetime import date
from pathlib import Path
from typing import BinaryIO, Protocol

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1024 * 1024


class BlobNotFound(KeyError):
    """No blob with that digest."""


class BlobStore(Protocol):
    def put(self, data: bytes) -> str: ...
    def put_stream(self, stream: BinaryIO) -> str: ...
    def get(self, digest: str) -> bytes: ...
    def exists(self, digest: str) -> bool: ...
    def check(self) -> None: ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked(digest: str) -> str:
    if not _DIGEST.match(digest):
        raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
    return digest


class FileBlobStore:
    """Blobs as files ``<root>/ab/cd/<digest>`` (read-only once written)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"

    def path_for(self, digest: str) -> Path:
        d = _checked(digest)
        return self.root / d[:2] / d[2:4] / d

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).is_file()

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        if not self.exists(digest):
            self._write(digest, [data])
        return digest

    def put_stream(self, stream: BinaryIO) -> str:
        """Store a stream of any size without holding it in memory."""
        self._tmp.mkdir(parents=True, exist_ok=True)
        tmp = self._tmp / f"in-{secrets.token_hex(8)}"
        h = hashlib.sha256()
        try:
            with tmp.open("wb") as out:
                while chunk := stream.read(_CHUNK):
                    h.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            digest = h.hexdigest()
            self._link(tmp, digest)
            return digest
        finally:
            tmp.unlink(missing_ok=True)

    def _write(self, digest: str, chunks: list[bytes]) -> None:
        self._tmp.mkdir(parents=True, exist_ok=True)
        tmp = self._tmp / f"put-{secrets.token_hex(8)}"
        try:
            with tmp.open("wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            self._link(tmp, digest)
        finally:
            tmp.unlink(missing_ok=True)

    def _link(self, tmp: Path, digest: str) -> None:
        target = self.path_for(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.chmod(0o444)
        try:
            os.link(tmp, target)  # fails if the target exists: never overwrite
        except FileExistsError:
            return
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def get(self, digest: str) -> bytes:
        path = self.path_for(digest)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFound(digest) from exc

    def open(self, digest: str) -> BinaryIO:
        try:
            return self.path_for(digest).open("rb")
        except FileNotFoundError as exc:
            raise BlobNotFound(digest) from exc

    def verify(self, digest: str) -> bool:
        """Re-read a blob and check that its content still hashes to its name."""
        h = hashlib.sha256()
        with self.open(digest) as fh:
            while chunk := fh.read(_CHUNK):
                h.update(chunk)
        return h.hexdigest() == digest

    def check(self) -> None:
        """Readiness: the store's directory is writable (raises OSError otherwise)."""
        self._tmp.mkdir(parents=True, exist_ok=True)
        probe = self._tmp / f"ready-{secrets.token_hex(4)}"
        probe.write_bytes(b"")
        probe.unlink()


class ArchiveBlobStore(Protocol):
    """What the archive needs of a store; FileBlobStore and the S3 store both provide it."""

    def put(self, data: bytes) -> str: ...
    def get(self, digest: str) -> bytes: ...
    def exists(self, digest: str) -> bool: ...
    def verify(self, digest: str) -> bool: ...


def delete_blob(store: ArchiveBlobStore, digest: str) -> bool:
    """Remove a blob for good — only the archive's disposal after the retention end calls this.

    Kept outside the classes so that nothing else reaches for deletion by accident.
    """
    if isinstance(store, FileBlobStore):
        path = store.path_for(digest)
        if not path.exists():
            return False
        path.unlink()
        return True
    deleter = getattr(store, "delete", None)
    return bool(deleter(digest)) if callable(deleter) else False


def protect_blob(store: ArchiveBlobStore, digest: str, until: date) -> None:
    """Ask the storage to refuse deletion before ``until`` where it can (S3 Object Lock)."""
    protector = getattr(store, "protect", None)
    if callable(protector):
        protector(digest, until)
