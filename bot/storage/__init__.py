"""Where files every process must see are kept: citizens' photos and trained models.

A local folder by default (one machine, or a volume every replica mounts);
an S3-compatible bucket when ``OBJECT_STORE_URL`` is set, so that a photo one
gateway took is there for the colleague whose inbox another gateway serves,
and a model one engine trained is there for every engine replica.

The interface is synchronous (boto3 is): async code calls it in a thread.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional, Protocol
from urllib.parse import urlsplit

from bot.settings import Settings

# The areas of the store: one folder each under the bucket's prefix.
MEDIA, MODELS = "media", "models"
# Keys are names we make ourselves (a photo's uuid, a model's fingerprint):
# nothing that could climb out of a folder or a prefix.
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


class StoreError(RuntimeError):
    """The store could not be reached or refused the operation."""


def bucket_and_prefix(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"OBJECT_STORE_URL must look like s3://bucket/prefix, not {url!r}")
    return parts.netloc, parts.path.strip("/")


def checked_key(key: str) -> str:
    if not KEY.match(key) or ".." in key:
        raise ValueError(f"not a key of ours: {key!r}")
    return key


class ObjectStore(Protocol):
    """Whole objects by key, each written at once (never half a file)."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> Optional[bytes]:
        """The object's bytes, or None when there is no such key."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Gone afterwards; no error when it was not there."""

    def upload(self, key: str, source: Path) -> None:
        """A large file, streamed (a model is tens of megabytes)."""

    def download(self, key: str, target: Path) -> bool:
        """The object into ``target`` (whole or not at all); False when there is no such key."""


def remote_store(settings: Settings, area: str) -> Optional[ObjectStore]:
    """The bucket's ``area`` ("media", "models") when one is configured, else None."""
    if not settings.object_store_url:
        return None
    from bot.storage.s3 import S3Bucket

    return S3Bucket.from_settings(settings, area)


def shared_store(settings: Settings, area: str, folder: Path) -> ObjectStore:
    """The bucket's ``area`` when one is configured, else ``folder``."""
    from bot.storage.local import LocalFolder

    return remote_store(settings, area) or LocalFolder(folder)
