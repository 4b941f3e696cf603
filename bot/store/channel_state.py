"""Small values a channel keeps across restarts, by (channel, key)."""

from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.clock import utcnow
from bot.store.database import Database
from bot.store.tables import channel_state


class ChannelStateStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def get(self, channel: str, key: str) -> Optional[str]:
        async with self._database.engine.connect() as connection:
            return await connection.scalar(
                sa.select(channel_state.c.value).where(channel_state.c.channel == channel, channel_state.c.key == key)
            )

    async def put(self, channel: str, key: str, value: str) -> None:
        row = channel_state.c
        try:
            async with self._database.transaction() as connection:
                updated = await connection.execute(
                    channel_state.update()
                    .where(row.channel == channel, row.key == key)
                    .values(value=value, updated_at=utcnow())
                )
                if updated.rowcount == 0:
                    await connection.execute(
                        channel_state.insert().values(channel=channel, key=key, value=value, updated_at=utcnow())
                    )
        except IntegrityError:
            # Another process inserted the same key first: ours is the newer value.
            async with self._database.transaction() as connection:
                await connection.execute(
                    channel_state.update()
                    .where(row.channel == channel, row.key == key)
                    .values(value=value, updated_at=utcnow())
                )
