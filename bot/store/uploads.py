"""Photos uploaded in a web chat session, until a message sends them.

An upload belongs to the session that made it: another session cannot send
it. A session may hold only so many unsent uploads, and uploads no message
sent are swept after a while, files included.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Collection, Optional

import sqlalchemy as sa

from bot.clock import utcnow
from bot.store.database import Database
from bot.store.tables import media_uploads

# Unsent uploads one session may hold; a report takes at most five photos.
MAX_UNSENT_PER_SESSION = 10
# An upload no message sent within this time is deleted.
UNSENT_LIFETIME = timedelta(hours=1)


class UploadStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def unsent(self, conversation_id: str) -> int:
        query = sa.select(sa.func.count()).where(
            media_uploads.c.conversation_id == conversation_id, media_uploads.c.used_at.is_(None)
        )
        async with self._database.engine.connect() as connection:
            return int(await connection.scalar(query) or 0)

    async def add(self, media_id: str, conversation_id: str) -> None:
        async with self._database.transaction() as connection:
            await connection.execute(
                media_uploads.insert().values(media_id=media_id, conversation_id=conversation_id, uploaded_at=utcnow())
            )

    async def use(self, conversation_id: str, media_ids: Collection[str]) -> bool:
        """Mark ``media_ids`` sent; False (and nothing marked) unless this session uploaded them all."""
        mine = sa.and_(media_uploads.c.conversation_id == conversation_id, media_uploads.c.media_id.in_(media_ids))
        async with self._database.transaction() as connection:
            found = await connection.scalar(sa.select(sa.func.count()).where(mine))
            if found != len(set(media_ids)):
                return False
            await connection.execute(
                media_uploads.update().where(mine, media_uploads.c.used_at.is_(None)).values(used_at=utcnow())
            )
        return True

    async def take_unsent(self, now: Optional[datetime] = None) -> list[str]:
        """Forget uploads no message sent in time; their ids, for the files to go too."""
        cutoff = (now or utcnow()) - UNSENT_LIFETIME
        stale = sa.and_(media_uploads.c.used_at.is_(None), media_uploads.c.uploaded_at < cutoff)
        async with self._database.transaction() as connection:
            ids = list((await connection.execute(sa.select(media_uploads.c.media_id).where(stale))).scalars())
            if ids:
                await connection.execute(media_uploads.delete().where(media_uploads.c.media_id.in_(ids)))
        return ids
