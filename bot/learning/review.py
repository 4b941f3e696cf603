"""The review queue: citizens' questions the bot did not handle well.

A message is a candidate when the bot fell back, answered with low
confidence, handed the conversation to a colleague after it, or a colleague
flagged it from the inbox. Candidates are grouped by their redacted,
normalised text (its key, computed once when the message is stored),
near-identical wordings together; an admin's decision is kept per key (as a
hash: no citizen's words), so a decided question leaves the queue for good.

A page of the queue costs the same whatever citizens sent: the newest
candidates only, grouping in a thread, and only the groups shown redacted.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Optional

import sqlalchemy as sa

from bot.clock import utcnow
from bot.contract import Intent
from bot.privacy.redact import redact, review_key
from bot.store.database import Database
from bot.store.tables import handoffs, message_flags, messages, review_decisions

DECISIONS = ("intent", "new_intent", "out_of_scope", "dismissed")
# Wordings at least this alike (difflib's ratio) are one group.
NEAR_DUPLICATE = 0.85
# The newest candidates a page of the queue looks at; older ones wait their turn.
MAX_CANDIDATES = 2000
# Groups on one page of the queue; wordings shown per group.
PAGE_SIZE = 25
WORDINGS_SHOWN = 10
# A wording's key: redacted and normalised, kept with the message when it is stored.
group_key = review_key


def decision_key(key: str) -> str:
    """How a decided key is kept: a hash, so the decisions hold no citizen's words."""
    return hashlib.sha256(key.encode()).hexdigest()


# Wordings are compared on their start: near-duplicate questions are short,
# and a comparison costs the square of the length.
COMPARED_LENGTH = 120


def _alike(a: str, b: str) -> bool:
    """difflib's ratio at least NEAR_DUPLICATE, with its cheap upper bounds first."""
    a, b = a[:COMPARED_LENGTH], b[:COMPARED_LENGTH]
    if 2 * min(len(a), len(b)) < NEAR_DUPLICATE * (len(a) + len(b)):
        return False
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= NEAR_DUPLICATE and matcher.ratio() >= NEAR_DUPLICATE


def _landmarks(key: str) -> set[str]:
    """The longest words of a wording's start: two near-duplicates share one of
    them, so a wording is compared only with groups that do (not with all)."""
    words = sorted({w for w in key[:COMPARED_LENGTH].split() if len(w) >= 4}, key=lambda w: (-len(w), w))
    return set(words[:3]) or {key}


@dataclass
class ReviewGroup:
    key: str
    # Redacted wordings, most frequent first (filled for the groups shown).
    wordings: list[str]
    count: int
    guess: Optional[str]
    confidence: Optional[float]
    reasons: set[str]
    last_seen: datetime
    keys: set[str] = field(default_factory=set)
    message_ids: list[int] = field(default_factory=list)
    texts: Counter[str] = field(default_factory=Counter, repr=False, compare=False)

    @property
    def example(self) -> str:
        return self.wordings[0]

    def redacted(self) -> "ReviewGroup":
        """Its most frequent wordings, redacted, ready to show or learn from."""
        shown: dict[str, None] = {}
        for text, _ in self.texts.most_common():
            shown.setdefault(redact(text).strip(), None)
            if len(shown) == WORDINGS_SHOWN:
                break
        self.wordings = list(shown)
        return self


@dataclass(frozen=True)
class Candidate:
    message_id: int
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    reason: str
    created_at: datetime
    # group_key(text), stored with the message; computed here for older rows.
    key: Optional[str] = None


def group_candidates(candidates: Iterable[Candidate]) -> list[ReviewGroup]:
    """Near-duplicates together, the most frequent group first; wordings redacted."""
    return [group.redacted() for group in _grouped(candidates)]


def _grouped(candidates: Iterable[Candidate]) -> list[ReviewGroup]:
    """The groups, most frequent first, with their wordings not yet redacted (CPU-bound)."""
    groups: list[ReviewGroup] = []
    by_key: dict[str, ReviewGroup] = {}
    by_landmark: dict[str, list[ReviewGroup]] = {}
    guesses: dict[str, Counter[str]] = {}
    confidences: dict[str, list[float]] = {}
    for candidate in sorted(candidates, key=lambda c: c.created_at):
        key = candidate.key if candidate.key is not None else group_key(candidate.text)
        if not key:
            continue
        landmarks = _landmarks(key)
        group = by_key.get(key) or next(
            (g for g in _unique(by_landmark.get(word, ()) for word in sorted(landmarks)) if _alike(g.key, key)), None
        )
        if group is None:
            group = ReviewGroup(key, [], 0, None, None, set(), candidate.created_at)
            groups.append(group)
            guesses[key], confidences[key] = Counter(), []
            for word in landmarks:
                by_landmark.setdefault(word, []).append(group)
        by_key[key] = group
        group.keys.add(key)
        group.count += 1
        group.reasons.add(candidate.reason)
        group.last_seen = max(group.last_seen, candidate.created_at)
        group.message_ids.append(candidate.message_id)
        group.texts[candidate.text.strip()] += 1
        if candidate.intent:
            guesses[group.key][candidate.intent] += 1
        if candidate.confidence is not None:
            confidences[group.key].append(candidate.confidence)
    for group in groups:
        group.guess = guesses[group.key].most_common(1)[0][0] if guesses[group.key] else None
        scores = confidences[group.key]
        group.confidence = sum(scores) / len(scores) if scores else None
    return sorted(groups, key=lambda g: (-g.count, -g.last_seen.timestamp()))


def _unique(lists: Iterable[Iterable[ReviewGroup]]) -> Iterable[ReviewGroup]:
    """The groups of ``lists`` in order, each once."""
    seen: set[int] = set()
    for groups in lists:
        for group in groups:
            if id(group) not in seen:
                seen.add(id(group))
                yield group


@dataclass(frozen=True)
class ReviewPage:
    groups: list[ReviewGroup]
    number: int
    pages: int

    @property
    def first(self) -> int:
        """The place in the queue of this page's first group, counted from 1."""
        return (self.number - 1) * PAGE_SIZE + 1


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
                sa.func.coalesce(messages.c.intent, "") != Intent.HUMAN_HANDOFF,
            )
            .scalar_subquery()
        )
        handed_off = sa.select(handoff_message).where(handoffs.c.queued_at >= since)
        flagged = sa.select(message_flags.c.message_id)
        reason = sa.case(
            (messages.c.id.in_(flagged), "flagged"),
            (messages.c.intent == Intent.NLU_FALLBACK, "fallback"),
            (messages.c.confidence < self.below_confidence, "low_confidence"),
            else_="handoff",
        )
        query = (
            sa.select(
                messages.c.id,
                messages.c.text,
                messages.c.review_key,
                messages.c.intent,
                messages.c.confidence,
                messages.c.created_at,
                reason.label("reason"),
            )
            .where(
                messages.c.direction == "in",
                messages.c.text != "",
                messages.c.payload.is_(None),
                messages.c.created_at >= since,
                sa.or_(
                    messages.c.intent == Intent.NLU_FALLBACK,
                    messages.c.confidence < self.below_confidence,
                    messages.c.id.in_(handed_off),
                    messages.c.id.in_(flagged),
                ),
            )
            .order_by(messages.c.id.desc())
            .limit(MAX_CANDIDATES)
        )
        async with self._database.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
            decided = set((await connection.execute(sa.select(review_decisions.c.group_key))).scalars())
        return await asyncio.to_thread(_undecided, rows, decided)

    async def groups(self, now: Optional[datetime] = None) -> list[ReviewGroup]:
        """Every group, redacted (the CLI's listing)."""
        return await asyncio.to_thread(group_candidates, await self.candidates(now))

    async def page(self, number: int = 1) -> ReviewPage:
        """One page of groups, the most frequent first; only these are redacted."""
        grouped = await asyncio.to_thread(_grouped, await self.candidates())
        pages = max(1, -(-len(grouped) // PAGE_SIZE))
        number = min(max(number, 1), pages)
        shown = grouped[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        return ReviewPage(await asyncio.to_thread(lambda: [g.redacted() for g in shown]), number, pages)

    async def group(self, key: str) -> Optional[ReviewGroup]:
        grouped = await asyncio.to_thread(_grouped, await self.candidates())
        found = next((g for g in grouped if key in g.keys), None)
        return await asyncio.to_thread(found.redacted) if found else None

    async def decide(self, group: ReviewGroup, decision: str, intent: Optional[str], staff_id: Optional[int]) -> None:
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        now = utcnow()
        async with self._database.transaction() as connection:
            await connection.execute(
                sa.insert(review_decisions),
                [
                    {
                        "group_key": decision_key(key),
                        "example": group.example,
                        "decision": decision,
                        "intent": intent,
                        "staff_id": staff_id,
                        "decided_at": now,
                    }
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


def _undecided(rows: Iterable[sa.engine.Row], decided: set[str]) -> list[Candidate]:
    candidates = []
    for row in rows:
        key = row.review_key if row.review_key is not None else group_key(row.text)
        if decision_key(key) not in decided:
            candidates.append(Candidate(row.id, row.text, row.intent, row.confidence, row.reason, row.created_at, key))
    return candidates
