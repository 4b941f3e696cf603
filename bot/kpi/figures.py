"""The KPI figures of a date range, from the conversations as stored.

Erased conversations keep their times, intents, hand-offs and report
categories, so every figure here survives the retention job unchanged.
Municipal volumes (thousands of messages a day) are small enough to count
in Python after one query per table.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Iterable, Iterator, Mapping, Optional, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.contract import CONTROL_INTENTS, Intent
from bot.store.database import Database
from bot.store.tables import handoffs, messages, reports

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Durations:
    """Seconds: the median and the 90th percentile of a set of waits."""

    count: int
    median: Optional[float]
    p90: Optional[float]

    @classmethod
    def of(cls, seconds: Iterable[float]) -> "Durations":
        values = sorted(seconds)
        if not values:
            return cls(0, None, None)
        return cls(len(values), statistics.median(values), values[min(len(values) - 1, int(0.9 * len(values)))])


@dataclass
class KpiFigures:
    start: date
    end: date  # inclusive
    conversations: int = 0
    conversations_per_channel: Counter[str] = field(default_factory=Counter)
    messages_in: int = 0
    messages_out: int = 0
    # channel -> day -> citizens' messages
    messages_per_channel_day: dict[str, Counter[date]] = field(default_factory=lambda: defaultdict(Counter))
    topics: Counter[str] = field(default_factory=Counter)
    bot_only_share: Optional[float] = None
    fallback_rate: Optional[float] = None
    handoffs: int = 0
    handoff_rate: Optional[float] = None
    handoff_reasons: Counter[str] = field(default_factory=Counter)
    bot_first_response: Durations = Durations(0, None, None)
    human_first_response: Durations = Durations(0, None, None)
    resolution: Durations = Durations(0, None, None)
    satisfaction: Optional[float] = None
    satisfaction_count: int = 0
    reports_per_category: Counter[str] = field(default_factory=Counter)
    reports_per_status: Counter[str] = field(default_factory=Counter)
    unanswered: int = 0

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def rows(self) -> Iterator[tuple[str, str, str]]:
        """(figure, breakdown, value): the CSV export and its tests read these."""

        def number(value: Optional[float]) -> str:
            return "" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)

        yield ("conversations", "", number(self.conversations))
        yield from (
            ("conversations_per_channel", k, number(v)) for k, v in sorted(self.conversations_per_channel.items())
        )
        yield ("messages_in", "", number(self.messages_in))
        yield ("messages_out", "", number(self.messages_out))
        for channel, per_day in sorted(self.messages_per_channel_day.items()):
            yield from ((f"messages_per_day:{channel}", d.isoformat(), number(per_day[d])) for d in self.days)
        yield from (("topic", k, number(v)) for k, v in self.topics.most_common())
        yield ("bot_only_share", "", number(self.bot_only_share))
        yield ("fallback_rate", "", number(self.fallback_rate))
        yield ("handoffs", "", number(self.handoffs))
        yield ("handoff_rate", "", number(self.handoff_rate))
        yield from (("handoff_reason", k, number(v)) for k, v in self.handoff_reasons.most_common())
        for name, durations in (
            ("bot_first_response_seconds", self.bot_first_response),
            ("human_first_response_seconds", self.human_first_response),
            ("resolution_seconds", self.resolution),
        ):
            yield (name, "median", number(durations.median))
            yield (name, "p90", number(durations.p90))
        yield ("satisfaction", "mean", number(self.satisfaction))
        yield ("satisfaction", "ratings", number(self.satisfaction_count))
        yield from (("reports_per_category", k, number(v)) for k, v in sorted(self.reports_per_category.items()))
        yield from (("reports_per_status", k, number(v)) for k, v in sorted(self.reports_per_status.items()))
        yield ("unanswered_messages", "", number(self.unanswered))

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(("figure", "breakdown", "value"))
        writer.writerows(self.rows())
        return buffer.getvalue()


def _share(part: int, whole: int) -> Optional[float]:
    return part / whole if whole else None


class KpiReport:
    def __init__(self, database: Database, timezone: ZoneInfo) -> None:
        self._database = database
        self.timezone = timezone

    def period(self, start: Optional[date], end: Optional[date], now: datetime) -> tuple[date, date]:
        """The period asked for; an end left open is today where the municipality is
        (in UTC the evening's messages would fall on tomorrow), a start left open
        makes the last DEFAULT_DAYS days."""
        end = end or now.astimezone(self.timezone).date()
        return start or end - timedelta(days=DEFAULT_DAYS - 1), end

    def _bounds(self, start: date, end: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(start, time.min, self.timezone),
            datetime.combine(end + timedelta(days=1), time.min, self.timezone),
        )

    async def figures(self, start: date, end: date) -> KpiFigures:
        since, until = self._bounds(start, end)
        figures = KpiFigures(start, end)
        async with self._database.engine.connect() as connection:
            in_range = (messages.c.created_at >= since) & (messages.c.created_at < until)
            conversation_ids = sa.select(messages.c.conversation_id).where(in_range).distinct()
            rows = (
                await connection.execute(
                    sa.select(
                        messages.c.conversation_id,
                        messages.c.direction,
                        messages.c.channel,
                        messages.c.intent,
                        messages.c.staff_id,
                        messages.c.created_at,
                    )
                    .where(messages.c.conversation_id.in_(conversation_ids))
                    .order_by(messages.c.conversation_id, messages.c.id)
                )
            ).all()
            handoff_rows = (
                await connection.execute(
                    sa.select(handoffs).where(handoffs.c.queued_at >= since, handoffs.c.queued_at < until)
                )
            ).all()
            open_conversations = set(
                (
                    await connection.execute(sa.select(handoffs.c.conversation_id).where(handoffs.c.open.is_(True)))
                ).scalars()
            )
            report_rows = (
                await connection.execute(
                    sa.select(reports.c.service_code, reports.c.status).where(
                        reports.c.created_at >= since, reports.c.created_at < until
                    )
                )
            ).all()
        self._count_messages(figures, rows, since, until, open_conversations)
        self._count_handoffs(figures, handoff_rows)
        figures.reports_per_category = Counter(r.service_code for r in report_rows)
        figures.reports_per_status = Counter(r.status for r in report_rows)
        return figures

    def _count_messages(
        self, figures: KpiFigures, rows: Sequence[sa.engine.Row], since: datetime, until: datetime, open_ids: set[str]
    ) -> None:
        by_conversation: Mapping[str, list[sa.engine.Row]] = _grouped(rows)
        understood = fallbacks = 0
        bot_waits: list[float] = []
        for conversation_id, turns in by_conversation.items():
            incoming = [t for t in turns if t.direction == "in" and since <= t.created_at < until]
            if not incoming:
                continue
            figures.conversations += 1
            figures.conversations_per_channel[incoming[0].channel] += 1
            for index, turn in enumerate(turns):
                if not since <= turn.created_at < until:
                    continue
                if turn.direction == "out":
                    figures.messages_out += 1
                    continue
                figures.messages_in += 1
                figures.messages_per_channel_day[turn.channel][turn.created_at.astimezone(self.timezone).date()] += 1
                if turn.intent:
                    understood += 1
                    fallbacks += turn.intent == Intent.NLU_FALLBACK
                    if turn.intent not in CONTROL_INTENTS:
                        figures.topics[turn.intent] += 1
                answer = next((t for t in turns[index + 1 :] if t.direction == "out"), None)
                if answer is None:
                    figures.unanswered += conversation_id not in open_ids
                elif answer.staff_id is None:
                    bot_waits.append((answer.created_at - turn.created_at).total_seconds())
        figures.fallback_rate = _share(fallbacks, understood)
        figures.bot_first_response = Durations.of(bot_waits)

    def _count_handoffs(self, figures: KpiFigures, rows: Sequence[sa.engine.Row]) -> None:
        figures.handoffs = len(rows)
        figures.handoff_reasons = Counter(r.reason for r in rows)
        handed_off = {r.conversation_id for r in rows}
        figures.handoff_rate = _share(len(handed_off), figures.conversations)
        figures.bot_only_share = _share(figures.conversations - len(handed_off), figures.conversations)
        figures.human_first_response = Durations.of(
            (r.first_reply_at - r.queued_at).total_seconds() for r in rows if r.first_reply_at
        )
        figures.resolution = Durations.of((r.resolved_at - r.queued_at).total_seconds() for r in rows if r.resolved_at)
        ratings = [r.satisfaction for r in rows if r.satisfaction is not None]
        figures.satisfaction = statistics.fmean(ratings) if ratings else None
        figures.satisfaction_count = len(ratings)


def _grouped(rows: Iterable[sa.engine.Row]) -> dict[str, list[sa.engine.Row]]:
    grouped: dict[str, list[sa.engine.Row]] = defaultdict(list)
    for row in rows:
        grouped[row.conversation_id].append(row)
    return grouped
