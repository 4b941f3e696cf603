"""Reports in SQL: every report is committed, with its forwarding job, before the
citizen hears it was received."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa

from bot.clock import utcnow
from bot.store.database import Database, inserted_id
from bot.store.outbox import enqueue
from bot.store.tables import conversations, outbox, reports

FORWARD_JOB = "report.forward"
REFERENCE = re.compile(r"\b[Mm]-?(\d{4})-?(\d{6})\b")
CLOSED_STATUSES = ("afgehandeld", "geannuleerd")


def format_reference(report_id: int, created_at: datetime) -> str:
    return f"M-{created_at.year}-{report_id:06d}"


def find_reference(text: str) -> Optional[str]:
    """The reference number in a citizen's text, written the way we hand it out."""
    match = REFERENCE.search(text)
    return f"M-{match.group(1)}-{match.group(2)}" if match else None


@dataclass(frozen=True)
class NewReport:
    conversation_id: Optional[str]
    channel: str
    service_code: str
    description: str
    latitude: Optional[float]
    longitude: Optional[float]
    address: Optional[str]
    media: list[str] = field(default_factory=list)
    contact_email: Optional[str] = None
    contact_phone: Optional[str] = None


@dataclass(frozen=True)
class Report(NewReport):
    id: int = 0
    reference: str = ""
    status: str = "ontvangen"
    status_notes: Optional[str] = None
    external_id: Optional[str] = None
    media_forwarded: int = 0
    forward_state: str = "pending"
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None


def _report(row: Any) -> Report:
    values = dict(row) if isinstance(row, dict) else dict(row._mapping)
    values["media"] = list(values["media"] or [])
    return Report(**values)


class ReportStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def submit(self, new: NewReport, forward: bool) -> Report:
        """Store a confirmed report and, with a back end, queue it for forwarding."""
        now = utcnow()
        async with self._database.transaction() as connection:
            # `rasa shell` talks without a gateway conversation; its reports belong to none.
            conversation_id = await connection.scalar(
                sa.select(conversations.c.id).where(conversations.c.id == new.conversation_id)
            )
            result = await connection.execute(
                reports.insert().values(
                    **{**new.__dict__, "conversation_id": conversation_id},
                    status="ontvangen",
                    media_forwarded=0,
                    forward_state="pending" if forward else "kept",
                    created_at=now,
                    updated_at=now,
                )
            )
            report_id = inserted_id(result)
            await connection.execute(
                reports.update().where(reports.c.id == report_id).values(reference=format_reference(report_id, now))
            )
            if forward:
                await enqueue(connection, FORWARD_JOB, str(report_id))
        report = await self.get(report_id)
        assert report is not None
        return report

    async def get(self, report_id: int) -> Optional[Report]:
        return await self._one(reports.c.id == report_id)

    async def by_reference(self, reference: str, conversation_id: str) -> Optional[Report]:
        """A report by its number, only for the conversation that made it."""
        return await self._one(reports.c.reference == reference, reports.c.conversation_id == conversation_id)

    async def for_conversation(self, conversation_id: str, limit: int = 10) -> list[Report]:
        return await self._many(
            sa.select(reports)
            .where(reports.c.conversation_id == conversation_id)
            .order_by(reports.c.id.desc())
            .limit(limit)
        )

    async def open_at_backend(self, limit: int = 500) -> list[Report]:
        """Forwarded reports the back end has not closed yet: their status may change."""
        return await self._many(
            sa.select(reports)
            .where(
                reports.c.external_id.is_not(None),
                reports.c.status.not_in(CLOSED_STATUSES),
            )
            .order_by(reports.c.updated_at)
            .limit(limit)
        )

    async def needing_attention(self) -> list[tuple[Report, Optional[str]]]:
        """Reports not (yet) at the back end, with the last error of forwarding them."""
        query = (
            sa.select(reports, outbox.c.last_error)
            .select_from(
                reports.outerjoin(
                    outbox,
                    sa.and_(
                        outbox.c.kind == FORWARD_JOB,
                        outbox.c.subject_id == sa.cast(reports.c.id, sa.String),
                    ),
                )
            )
            .where(reports.c.forward_state.in_(("pending", "failed")))
            .order_by(reports.c.id)
        )
        async with self._database.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        found: dict[int, tuple[Report, Optional[str]]] = {}
        for row in rows:
            values = dict(row._mapping)
            error = values.pop("last_error")
            report = _report(values)
            found[report.id] = (report, error or found.get(report.id, (report, None))[1])
        return list(found.values())

    async def forward_again(self, reference: str) -> bool:
        """Queue a failed report for forwarding once more (after the back end was fixed)."""
        async with self._database.transaction() as connection:
            report_id = await connection.scalar(
                sa.select(reports.c.id).where(reports.c.reference == reference, reports.c.forward_state == "failed")
            )
            if report_id is None:
                return False
            await connection.execute(
                reports.update().where(reports.c.id == report_id).values(forward_state="pending", updated_at=utcnow())
            )
            await enqueue(connection, FORWARD_JOB, str(report_id))
        return True

    async def mark_created(self, report_id: int, external_id: str) -> None:
        await self._update(report_id, external_id=external_id)

    async def mark_media_forwarded(self, report_id: int, count: int) -> None:
        await self._update(report_id, media_forwarded=count)

    async def mark_forwarded(self, report_id: int) -> None:
        await self._update(report_id, forward_state="forwarded")

    async def mark_forward_failed(self, report_id: int) -> None:
        await self._update(report_id, forward_state="failed")

    async def change_status(self, report: Report, status: str, notes: Optional[str]) -> bool:
        """Record a new status; False when another worker already recorded a change."""
        async with self._database.transaction() as connection:
            result = await connection.execute(
                reports.update()
                .where(
                    reports.c.id == report.id,
                    reports.c.status == report.status,
                    # IS NOT DISTINCT FROM: notes may be NULL on both sides.
                    reports.c.status_notes.is_not_distinct_from(report.status_notes),
                )
                .values(status=status, status_notes=notes, updated_at=utcnow())
            )
        return result.rowcount == 1

    async def _update(self, report_id: int, **values: Any) -> None:
        async with self._database.transaction() as connection:
            await connection.execute(
                reports.update().where(reports.c.id == report_id).values(**values, updated_at=utcnow())
            )

    async def _one(self, *conditions: Any) -> Optional[Report]:
        found = await self._many(sa.select(reports).where(*conditions))
        return found[0] if found else None

    async def _many(self, query: Any) -> list[Report]:
        async with self._database.engine.connect() as connection:
            return [_report(row) for row in (await connection.execute(query)).all()]
