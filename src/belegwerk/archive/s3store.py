"""S3-compatible blob storage (AWS S3, MinIO, Ceph RGW, …), chosen with ``BELEGWERK_STORAGE=s3``.

Same contract as :class:`~belegwerk.archive.blobstore.FileBlobStore`: objects are named by the
SHA-256 of their content (``<prefix>ab/cd/<digest>``), written once (``If-None-Match: *`` where
the service supports conditional writes, else a HEAD first) and never overwritten. When the
bucket has S3 Object Lock enabled and ``BELEGWERK_S3_OBJECT_LOCK_MODE`` is set, each archived
object gets a retention date (``protect``: the record's retention end) so the storage itself
refuses deletion before then — WORM in hardware terms. ``GOVERNANCE`` lets an authorised
disposal remove it with ``BypassGovernanceRetention``; ``COMPLIANCE`` does not allow even that
until the date has passed.

boto3 is imported only when this backend is configured; the client is injectable for tests.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
from datetime import UTC, date, datetime, time
from typing import Any, BinaryIO

from belegwerk.archive.blobstore import BlobNotFound, sha256_hex
from belegwerk.config import ConfigError, Settings

_CHUNK = 1024 * 1024


def _missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    code = str((response or {}).get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""
    return code in {"404", "NoSuchKey", "NotFound"}


def _exists_conflict(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    code = str((response or {}).get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""
    return code in {"PreconditionFailed", "412", "ConditionalRequestConflict"}


class S3BlobStore:
    """Content-addressed blobs in one bucket (optionally under a key prefix)."""

    def __init__(
        self, client: Any, bucket: str, *, prefix: str = "", lock_mode: str = "", bypass_governance: bool = True
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.lock_mode = lock_mode.upper()
        self.bypass_governance = bypass_governance

    def key_for(self, digest: str) -> str:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
        return f"{self.prefix}{digest[:2]}/{digest[2:4]}/{digest}"

    def exists(self, digest: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key_for(digest))
        except Exception as exc:
            if _missing(exc):
                return False
            raise
        return True

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        if self.exists(digest):
            return digest
        checksum = hashlib.sha256(data).digest()
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.key_for(digest),
                Body=data,
                IfNoneMatch="*",
                ChecksumSHA256=base64.b64encode(checksum).decode("ascii"),
            )
        except Exception as exc:
            if not _exists_conflict(exc):
                raise
        return digest

    def put_stream(self, stream: BinaryIO) -> str:
        return self.put(stream.read())

    def get(self, digest: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key_for(digest))
        except Exception as exc:
            if _missing(exc):
                raise BlobNotFound(digest) from exc
            raise
        body: bytes = response["Body"].read()
        return body

    def verify(self, digest: str) -> bool:
        """Re-read the object and check that its content still hashes to its name."""
        return sha256_hex(self.get(digest)) == digest

    def protect(self, digest: str, until: date) -> None:
        """Set the Object Lock retention of the object to the end of ``until`` (if enabled)."""
        if not self.lock_mode:
            return
        moment = datetime.combine(until, time(23, 59, 59), tzinfo=UTC)
        if moment <= datetime.now(UTC):
            return  # already past (e.g. a back-catalogue record): S3 refuses retention dates in the past
        self.client.put_object_retention(
            Bucket=self.bucket,
            Key=self.key_for(digest),
            Retention={"Mode": self.lock_mode, "RetainUntilDate": moment},
        )

    def delete(self, digest: str) -> bool:
        extra: dict[str, Any] = {}
        if self.lock_mode == "GOVERNANCE" and self.bypass_governance:
            extra["BypassGovernanceRetention"] = True
        if not self.exists(digest):
            return False
        self.client.delete_object(Bucket=self.bucket, Key=self.key_for(digest), **extra)
        return True

    def check(self) -> None:
        """Readiness: the bucket is reachable (raises OSError otherwise)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            raise OSError(f"S3 bucket {self.bucket} not reachable: {exc}") from exc


def from_settings(settings: Settings) -> S3BlobStore:
    """Build the store from ``BELEGWERK_S3_*``; a missing bucket or boto3 is a ConfigError."""
    if not settings.s3_bucket:
        raise ConfigError("BELEGWERK_S3_BUCKET: must be set when BELEGWERK_STORAGE=s3")
    try:
        boto3 = importlib.import_module("boto3")
    except ImportError as exc:
        raise ConfigError("BELEGWERK_STORAGE: s3 needs the boto3 package (pip install boto3)") from exc
    client = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url or None,
        region_name=settings.s3_region or None,
        aws_access_key_id=settings.s3_access_key_id or None,
        aws_secret_access_key=settings.s3_secret_access_key or None,
    )
    return S3BlobStore(client, settings.s3_bucket, prefix=settings.s3_prefix, lock_mode=settings.s3_object_lock_mode)
