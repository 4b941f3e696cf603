"""Internal notes on a conversation: for colleagues, never sent to the citizen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

import sqlalchemy as sa

from bot.clock import utcnow
from bot.store.database import Database
from bot.store.tables import staff, staff_notes

MAX_NOTE_LENGTH = 4000


@dataclass(frozen=True)
class Note:
    id: int
    text: str
    author: Optional[str]
    created_at: datetime


class NoteStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(self, conversation_id: str, staff_id: Optional[int], text: str) -> None:
        """A colleague's note; ``staff_id`` None for one the system writes."""
        async with self._database.transaction() as connection:
            await connection.execute(
                staff_notes.insert().values(
                    conversation_id=conversation_id, staff_id=staff_id, text=text, created_at=utcnow()
                )
            )

    async def of(self, conversation_id: str) -> list[Note]:
        query = (
            sa.select(staff_notes, staff.c.display_name)
            .select_from(staff_notes.outerjoin(staff, staff.c.id == staff_notes.c.staff_id))
            .where(staff_notes.c.conversation_id == conversation_id)
            .order_by(staff_notes.c.id)
        )
        async with self._database.engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [Note(r["id"], r["text"], r["display_name"], r["created_at"]) for r in rows]
