"""An S3-compatible bucket (AWS S3, MinIO, Ceph, a cloud provider's object storage).

``OBJECT_STORE_URL=s3://bucket/prefix``; each area ("media", "models") is a
folder under the prefix. Credentials and the endpoint come from the settings,
never from boto3's own search of the environment and home folder, so
``dorpspomp config check`` shows what is used.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bot.settings import Settings
from bot.storage import StoreError, bucket_and_prefix, checked_key

MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
# A stalled store must not hold a citizen's photo or an engine's start forever.
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"})


class S3Bucket:
    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: Settings, area: str) -> "S3Bucket":
        assert settings.object_store_url
        bucket, prefix = bucket_and_prefix(settings.object_store_url)
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id,
            aws_secret_access_key=settings.s3_secret_access_key,
            config=CLIENT_CONFIG,
        )
        return cls(client, bucket, "/".join(part for part in (prefix, area) if part))

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{checked_key(key)}" if self.prefix else checked_key(key)

    def put(self, key: str, data: bytes) -> None:
        with _failures(f"writing {key}"):
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def get(self, key: str) -> Optional[bytes]:
        with _failures(f"reading {key}"):
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as error:
                if _missing(error):
                    return None
                raise
            return bytes(answer["Body"].read())

    def exists(self, key: str) -> bool:
        with _failures(f"looking up {key}"):
            try:
                self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as error:
                if _missing(error):
                    return False
                raise
            return True

    def delete(self, key: str) -> None:
        with _failures(f"deleting {key}"):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def upload(self, key: str, source: Path) -> None:
        with _failures(f"uploading {key}"):
            self.client.upload_file(str(source), self.bucket, self._key(key))

    def download(self, key: str, target: Path) -> bool:
        if not self.exists(key):
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        try:
            with _failures(f"downloading {key}"):
                self.client.download_file(self.bucket, self._key(key), str(partial))
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        return True


@contextmanager
def _failures(what: str) -> Iterator[None]:
    """Every boto failure as our StoreError, so callers need know no boto."""
    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise StoreError(f"object store: {what} failed: {error}") from error


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in MISSING
