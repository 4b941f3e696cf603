"""The review queue: citizens' questions the bot did not handle well.

A message is a candidate when the bot fell back, answered with low
confidence, handed the conversation to a colleague after it, or a colleague
flagged it from the inbox. Candidates are redacted, then grouped by their
normalised text, near-identical wordings together; an admin's decision is
kept per wording, so a decided question leaves the queue for good.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Optional

import sqlalchemy as sa

from bot.privacy.redact import redact
from bot.store.database import Database, utcnow
from bot.store.tables import handoffs, message_flags, messages, review_decisions

FALLBACK_INTENT = "nlu_fallback"
DECISIONS = ("intent", "new_intent", "out_of_scope", "dismissed")
# Wordings at least this alike (difflib's ratio) are one group.
NEAR_DUPLICATE = 0.85
_NOISE = re.compile(r"https?://\S+|@\w+|[^\w\s\[\]]", re.UNICODE)


def group_key(text: str) -> str:
    """Lower case, accents, punctuation, mentions and links gone; redacted first."""
    plain = unicodedata.normalize("NFKD", redact(text).lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(_NOISE.sub(" ", plain).split())[:255]


@dataclass
class ReviewGroup:
    key: str
    # Redacted wordings, most frequent first.
    wordings: list[str]
    count: int
    guess: Optional[str]
    confidence: Optional[float]
    reasons: set[str]
    last_seen: datetime
    keys: set[str] = field(default_factory=set)
    message_ids: list[int] = field(default_factory=list)

    @property
    def example(self) -> str:
        return self.wordings[0]


@dataclass(frozen=True)
class Candidate:
    message_id: int
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    reason: str
    created_at: datetime


def group_candidates(candidates: Iterable[Candidate]) -> list[ReviewGroup]:
    """Near-duplicates together, the most frequent group first."""
    groups: list[ReviewGroup] = []
    wordings: dict[str, Counter[str]] = {}
    guesses: dict[str, Counter[str]] = {}
    confidences: dict[str, list[float]] = {}
    for candidate in sorted(candidates, key=lambda c: c.created_at):
        key = group_key(candidate.text)
        if not key:
            continue
        group = next((g for g in groups if key in g.keys), None) or next(
            (g for g in groups if difflib.SequenceMatcher(None, g.key, key).ratio() >= NEAR_DUPLICATE), None
        )
        if group is None:
            group = ReviewGroup(key, [], 0, None, None, set(), candidate.created_at)
            groups.append(group)
            wordings[key], guesses[key], confidences[key] = Counter(), Counter(), []
        group.keys.add(key)
        group.count += 1
        group.reasons.add(candidate.reason)
        group.last_seen = max(group.last_seen, candidate.created_at)
        group.message_ids.append(candidate.message_id)
        wordings[group.key][redact(candidate.text).strip()] += 1
        if candidate.intent:
            guesses[group.key][candidate.intent] += 1
        if candidate.confidence is not None:
            confidences[group.key].append(candidate.confidence)
    for group in groups:
        group.wordings = [w for w, _ in wordings[group.key].most_common()]
        group.guess = guesses[group.key].most_common(1)[0][0] if guesses[group.key] else None
        scores = confidences[group.key]
        group.confidence = sum(scores) / len(scores) if scores else None
    return sorted(groups, key=lambda g: (-g.count, -g.last_seen.timestamp()))


class ReviewQueue:
    def __init__(self, database: Database, below_confidence: float, days: int = 90) -> None:
        self._database = database
        self.below_confidence = below_confidence
        self.days = days

    async def candidates(self, now: Optional[datetime] = None) -> list[Candidate]:
        since = (now or utcnow()) - timedelta(days=self.days)
        handoff_message = (
            sa.select(sa.func.max(messages.c.id))
            .where(
                messages.c.conversation_id == handoffs.c.conversation_id,
                messages.c.direction == "in",
                messages.c.created_at <= handoffs.c.queued_at,
                sa.func.coalesce(messages.c.intent, "") != "human_handoff",
            )
            .scalar_subquery()
        )
        handed_off = sa.select(handoff_message).where(handoffs.c.queued_at >= since)
        flagged = sa.select(message_flags.c.message_id)
        reason = sa.case(
            (messages.c.id.in_(flagged), "flagged"),
            (messages.c.intent == FALLBACK_INTENT, "fallback"),
            (messages.c.confidence < self.below_confidence, "low_confidence"),
            else_="handoff",
        )
        query = (
            sa.select(messages.c.id, messages.c.text, messages.c.intent, messages.c.confidence,
                      messages.c.created_at, reason.label("reason"))
            .where(
                messages.c.direction == "in",
                messages.c.text != "",
                messages.c.payload.is_(None),
                messages.c.created_at >= since,
                sa.or_(
                    messages.c.intent == FALLBACK_INTENT,
                    messages.c.confidence < self.below_confidence,
                    messages.c.id.in_(handed_off),
                    messages.c.id.in_(flagged),
                ),
            )
            .order_by(messages.c.id)
        )
        async with self._database.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
            decided = set((await connection.execute(sa.select(review_decisions.c.group_key))).scalars())
        return [
            Candidate(r.id, r.text, r.intent, r.confidence, r.reason, r.created_at)
            for r in rows
            if group_key(r.text) not in decided
        ]

    async def groups(self, now: Optional[datetime] = None) -> list[ReviewGroup]:
        return group_candidates(await self.candidates(now))

    async def group(self, key: str) -> Optional[ReviewGroup]:
        return next((g for g in await self.groups() if key in g.keys), None)

    async def decide(
        self, group: ReviewGroup, decision: str, intent: Optional[str], staff_id: Optional[int]
    ) -> None:
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        now = utcnow()
        async with self._database.transaction() as connection:
            await connection.execute(
                sa.insert(review_decisions),
                [
                    {"group_key": key, "example": group.example, "decision": decision, "intent": intent,
                     "staff_id": staff_id, "decided_at": now}
                    for key in sorted(group.keys)
                ],
            )

    async def flag(self, conversation_id: str, message_id: int, staff_id: int) -> bool:
        """A colleague sends a citizen's message to the review queue; False when it is not one."""
        async with self._database.transaction() as connection:
            found = await connection.scalar(
                sa.select(messages.c.id).where(
                    messages.c.id == message_id,
                    messages.c.conversation_id == conversation_id,
                    messages.c.direction == "in",
                )
            )
            if found is None:
                return False
            exists = await connection.scalar(
                sa.select(message_flags.c.message_id).where(message_flags.c.message_id == message_id)
            )
            if exists is None:
                await connection.execute(
                    sa.insert(message_flags).values(message_id=message_id, staff_id=staff_id, created_at=utcnow())
                )
        return True

    async def decided_count(self) -> int:
        async with self._database.engine.connect() as connection:
            return int(await connection.scalar(sa.select(sa.func.count()).select_from(review_decisions)) or 0)

