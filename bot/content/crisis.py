"""The incident notice during a crisis (fire, drinking water, storm).

An admin sets it (``dorpspomp crisis set``); while it is active the bot gives
it for crisis questions and mentions it once at the start of every
conversation. Setting a new notice ends the previous one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Awaitable, Callable, Optional

import sqlalchemy as sa

from bot.clock import utcnow
from bot.content.topics import TopicLibrary
from bot.store.database import Database, inserted_id
from bot.store.tables import crisis_notices

TOPIC = "crisis_info"
# Every message asks whether a notice is active; a few seconds of staleness
# across processes is a fair price for not asking the database each time.
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class CrisisNotice:
    id: int
    text: str
    link: str
    started_by: str
    started_at: datetime


class CrisisNotices:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._cached: Optional[CrisisNotice] = None
        self._cached_until = float("-inf")

    async def active(self) -> Optional[CrisisNotice]:
        async with self._database.engine.connect() as connection:
            row = (
                await connection.execute(
                    sa.select(crisis_notices)
                    .where(crisis_notices.c.ended_at.is_(None))
                    .order_by(crisis_notices.c.started_at.desc())
                    .limit(1)
                )
            ).first()
        return CrisisNotice(row.id, row.text, row.link, row.started_by, row.started_at) if row else None

    async def active_cached(self) -> Optional[CrisisNotice]:
        if time.monotonic() >= self._cached_until:
            self._cached = await self.active()
            self._cached_until = time.monotonic() + CACHE_SECONDS
        return self._cached

    async def start(self, text: str, link: str, by: str) -> CrisisNotice:
        text = text.strip()
        if not text:
            raise ValueError("a crisis notice needs a text")
        now = utcnow()
        async with self._database.transaction() as connection:
            await connection.execute(
                crisis_notices.update().where(crisis_notices.c.ended_at.is_(None)).values(ended_at=now)
            )
            notice_id = inserted_id(
                await connection.execute(
                    crisis_notices.insert().values(text=text, link=link.strip(), started_by=by, started_at=now)
                )
            )
        self._cached_until = float("-inf")
        return CrisisNotice(notice_id, text, link.strip(), by, now)

    async def end(self) -> bool:
        """End the active notice; False when there was none."""
        async with self._database.transaction() as connection:
            ended = await connection.execute(
                crisis_notices.update().where(crisis_notices.c.ended_at.is_(None)).values(ended_at=utcnow())
            )
        self._cached_until = float("-inf")
        return ended.rowcount > 0


def notice_text(topics: TopicLibrary, notice: CrisisNotice) -> str:
    """The notice as the bot says it, with its link when it has one."""
    if notice.link:
        return topics.text(TOPIC, "notice_link", notice=notice.text, notice_link=notice.link)
    return topics.text(TOPIC, "notice", notice=notice.text)


class CrisisBulletin:
    """The notice the router mentions at the start of a conversation."""

    def __init__(self, notices: CrisisNotices, topics: TopicLibrary) -> None:
        self.notices = notices
        self.topics = topics

    async def opening(self, last_heard: Callable[[], Awaitable[Optional[datetime]]]) -> Optional[str]:
        """The notice's text when the citizen last wrote before it started, or never.

        ``last_heard`` is only asked while a notice is active: without a crisis
        a message costs no extra query.
        """
        notice = await self.notices.active_cached()
        if notice is None:
            return None
        heard = await last_heard()
        if heard is not None and heard >= notice.started_at:
            return None
        return notice_text(self.topics, notice)
