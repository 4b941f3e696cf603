"""Photos citizens send with a report, checked and kept in the object store
(a local folder, or a bucket every replica shares: bot/storage/).

Only JPEG, PNG and WebP up to 10 MB are taken. The type is read from the
bytes, never from the name or the declared type. Every photo is decoded in
full and encoded anew: what is kept is pixels only, so a "JPEG" with HTML
behind it, EXIF with the citizen's GPS position and camera serial, or text
chunks never reach a colleague's browser or the municipality's back end.
Decoding takes tens of milliseconds: async code calls :meth:`MediaStore.store`,
which does it in a thread.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import uuid
import warnings
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Awaitable, Optional

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from bot.messages import Attachment, Location
from bot.storage import ObjectStore

if TYPE_CHECKING:
    from bot.store.uploads import UploadStore

MAX_BYTES = 10 * 1024 * 1024
# Pillow's format name → (MIME type, file extension).
ALLOWED_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MEDIA_ID = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")
# How an attachment's URL names a file in this store: "media:<id>".
logger = logging.getLogger(__name__)

MEDIA_PREFIX = "media:"


def photo_ids(attachments: Any) -> list[str]:
    """The ids of the stored photos among a message's attachments (JSON as stored)."""
    return [
        a["url"][len(MEDIA_PREFIX) :]
        for a in attachments or ()
        if isinstance(a, dict) and a.get("kind") == "image" and str(a.get("url", "")).startswith(MEDIA_PREFIX)
    ]


# Decompression bombs: a small file that unpacks to gigapixels. A phone
# photo has 12 to 50 megapixels; more is refused, never just warned about.
MAX_PIXELS = 60_000_000


class MediaRejected(ValueError):
    """The file is not an image we accept; the message says why, for the citizen."""


@dataclass(frozen=True)
class StoredMedia:
    id: str
    mime_type: str
    size: int
    # Where the photo says it was taken (EXIF GPS); not kept, only offered
    # back to the citizen, who decides whether the report uses it.
    location: Optional[Location] = None


NOT_A_PHOTO = "Dit bestand is geen foto die ik kan openen. Stuur een JPEG-, PNG- of WebP-foto."
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 90},
    "PNG": {"optimize": False},
    "WEBP": {"quality": 90},
}


def _decoded(data: bytes) -> tuple[Image.Image, str, Optional[Location]]:
    """The photo's pixels (turned upright), its format and its GPS position."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image_format = image.format or ""
                if image_format not in ALLOWED_FORMATS:
                    raise MediaRejected("Ik kan alleen JPEG-, PNG- of WebP-foto's aannemen.")
                if image.width * image.height > MAX_PIXELS:
                    raise MediaRejected("Deze foto heeft te veel pixels. Stuur een kleinere foto.")
                location = _gps(image)
                image.load()
                upright = ImageOps.exif_transpose(image)
    except MediaRejected:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        EOFError,
    ):
        raise MediaRejected(NOT_A_PHOTO) from None
    return upright, image_format, location


def _encoded(image: Image.Image, image_format: str) -> bytes:
    """The pixels alone in ``image_format``: no EXIF, ICC profile, comments or text chunks."""
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    if image.mode == "P":
        clean.putpalette(image.getpalette() or [])
    output = io.BytesIO()
    clean.save(output, image_format, **_SAVE_OPTIONS[image_format])
    return output.getvalue()


def _degrees(value: Any, reference: Any) -> float:
    degrees, minutes, seconds = (float(Fraction(str(part))) if not isinstance(part, float) else part for part in value)
    result = degrees + minutes / 60 + seconds / 3600
    return -result if str(reference).upper() in ("S", "W") else result


def _gps(image: Image.Image) -> Optional[Location]:
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        latitude = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef, "N"))
        longitude = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError, OSError):
        return None
    if -90 <= latitude <= 90 and -180 <= longitude <= 180 and (latitude, longitude) != (0.0, 0.0):
        return Location(round(latitude, 6), round(longitude, 6))
    return None


class MediaStore:
    def __init__(self, store: ObjectStore) -> None:
        self._store = store

    def save(self, data: bytes) -> StoredMedia:
        if len(data) > MAX_BYTES:
            raise MediaRejected(
                "Deze foto is groter dan 10 MB. Stuur een kleinere foto, bijvoorbeeld een schermafbeelding."
            )
        if not data:
            raise MediaRejected("Het bestand is leeg.")
        image, image_format, location = _decoded(data)
        clean = _encoded(image, image_format)
        mime_type, extension = ALLOWED_FORMATS[image_format]
        media_id = f"{uuid.uuid4().hex}.{extension}"
        self._store.put(media_id, clean)
        return StoredMedia(media_id, mime_type, len(clean), location)

    async def store(self, data: bytes) -> StoredMedia:
        """:meth:`save`, off the event loop."""
        return await asyncio.to_thread(self.save, data)

    async def keep_photo(
        self, download: Awaitable[bytes], source: str, failures: tuple[type[Exception], ...]
    ) -> Optional[Attachment]:
        """A photo a platform holds, fetched by ``download`` and kept here; None
        (logged) when fetching fails with one of ``failures`` or it is no photo:
        the citizen's message is answered without it."""
        caught: tuple[type[Exception], ...] = (*failures, MediaRejected)
        try:
            stored = await self.store(await download)
        except caught as error:
            logger.warning("%s: photo not kept: %s", source, error)
            return None
        return Attachment("image", MEDIA_PREFIX + stored.id, stored.mime_type)

    async def photo(self, media_id: str) -> Optional[bytes]:
        """A stored photo's bytes, or None for an id that is malformed or unknown."""
        if not MEDIA_ID.match(media_id):
            return None
        return await asyncio.to_thread(self._store.get, media_id)

    async def has(self, media_id: str) -> bool:
        return bool(MEDIA_ID.match(media_id)) and await asyncio.to_thread(self._store.exists, media_id)

    async def delete(self, media_id: str) -> None:
        if MEDIA_ID.match(media_id):
            await asyncio.to_thread(self._store.delete, media_id)

    @staticmethod
    def mime_type(media_id: str) -> str:
        extension = media_id.rsplit(".", 1)[-1]
        return next(mime for mime, ext in ALLOWED_FORMATS.values() if ext == extension)


async def sweep_unsent_uploads(uploads: "UploadStore", media: MediaStore, now: Optional[datetime] = None) -> None:
    """Delete photos uploaded in a web chat that no message sent in time."""
    for media_id in await uploads.take_unsent(now):
        await media.delete(media_id)
