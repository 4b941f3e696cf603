"""Photos citizens send with a report, checked and kept in a local folder.

Only JPEG, PNG and WebP up to 10 MB are taken. The type is read from the
bytes, never from the name or the declared type, and the image must decode:
a file that claims to be a JPEG but is not is refused.
"""
from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from PIL import Image, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
# Pillow's format name → (MIME type, file extension).
ALLOWED_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MEDIA_ID = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")
# How an attachment's URL names a file in this store: "media:<id>".
MEDIA_PREFIX = "media:"


def photo_ids(attachments: Any) -> list[str]:
    """The ids of the stored photos among a message's attachments (JSON as stored)."""
    return [
        a["url"][len(MEDIA_PREFIX):]
        for a in attachments or ()
        if isinstance(a, dict) and a.get("kind") == "image" and str(a.get("url", "")).startswith(MEDIA_PREFIX)
    ]
# Decompression bombs: a small file that unpacks to gigapixels.
Image.MAX_IMAGE_PIXELS = 80_000_000


class MediaRejected(ValueError):
    """The file is not an image we accept; the message says why, for the citizen."""


@dataclass(frozen=True)
class StoredMedia:
    id: str
    mime_type: str
    size: int


def _image_format(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise MediaRejected("Dit bestand is geen foto die ik kan openen. Stuur een JPEG-, PNG- of WebP-foto.") from None
    return image_format


class MediaStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, data: bytes) -> StoredMedia:
        if len(data) > MAX_BYTES:
            raise MediaRejected("Deze foto is groter dan 10 MB. Stuur een kleinere foto, bijvoorbeeld een schermafbeelding.")
        if not data:
            raise MediaRejected("Het bestand is leeg.")
        image_format = _image_format(data)
        if image_format not in ALLOWED_FORMATS:
            raise MediaRejected("Ik kan alleen JPEG-, PNG- of WebP-foto's aannemen.")
        mime_type, extension = ALLOWED_FORMATS[image_format]
        media_id = f"{uuid.uuid4().hex}.{extension}"
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{media_id}.part"
        temporary.write_bytes(data)
        temporary.rename(self.folder / media_id)  # whole files only, even on a crash
        return StoredMedia(media_id, mime_type, len(data))

    def path(self, media_id: str) -> Optional[Path]:
        """The file of a stored photo, or None for an id that is malformed or unknown."""
        if not MEDIA_ID.match(media_id):
            return None
        path = self.folder / media_id
        return path if path.is_file() else None

    def delete(self, media_id: str) -> None:
        path = self.path(media_id)
        if path is not None:
            path.unlink(missing_ok=True)

    @staticmethod
    def mime_type(media_id: str) -> str:
        extension = media_id.rsplit(".", 1)[-1]
        return next(mime for mime, ext in ALLOWED_FORMATS.values() if ext == extension)
