"""The audit log: what staff did, from the inbox, the admin pages or the CLI.

It names who did what to which record, never what a citizen wrote: subjects
are ids and references (redacted all the same, should one slip through).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa

from bot.clock import utcnow
from bot.privacy.redact import redact
from bot.store.database import Database
from bot.store.tables import audit_log

# The actions recorded; record() refuses any other, so a typo cannot hide one.
ACTIONS = frozenset(
    {
        "login",
        "login_failed",
        "logout",
        "claim",
        "contact",
        "transfer",
        "reply",
        "close",
        "flag",
        "review",
        "training",
        "promotion",
        "rejection",
        "crisis",
        "export",
        "erase",
        "purge",
    }
)


# The ids we make (a conversation's uuid4 hex): never personal data, and a
# run of its digits can look like a phone number to the redaction.
_OUR_ID = re.compile(r"[0-9a-f]{32}")


def _subject(subject: str) -> str:
    return subject if _OUR_ID.fullmatch(subject) else redact(subject)[:128]


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    subject: str
    detail: Optional[dict[str, Any]]


class AuditLog:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def record(self, actor: str, action: str, subject: str = "", detail: Optional[dict[str, Any]] = None) -> None:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        async with self._database.transaction() as connection:
            await connection.execute(
                sa.insert(audit_log).values(
                    at=utcnow(), actor=actor[:64], action=action, subject=_subject(subject), detail=detail
                )
            )

    async def forget_before(self, cutoff: datetime) -> int:
        """Remove entries older than ``cutoff`` (the audit retention); how many."""
        async with self._database.transaction() as connection:
            result = await connection.execute(sa.delete(audit_log).where(audit_log.c.at < cutoff))
        return int(result.rowcount or 0)

    async def latest(self, limit: int = 200, action: Optional[str] = None) -> list[AuditEntry]:
        query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if action:
            query = query.where(audit_log.c.action == action)
        async with self._database.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [AuditEntry(r.at, r.actor, r.action, r.subject, r.detail) for r in rows]
