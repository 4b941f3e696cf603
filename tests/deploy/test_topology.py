"""The deployment's topology as plain processes on this machine (tests/topology.py):
three gateways behind HAProxy on PostgreSQL and Redis, citizens on web chat,
Telegram, Messenger and X at once; in each run one fault while they write.

Whatever the fault, afterwards: every message stored once and answered once
(one answer made, and sent once, but for what a killed process was sending
at the moment it died: no platform takes an idempotency key), each
conversation's answers in the order they were made, nothing left in the
outbox or the inbox. Recovery times and latency are bench/topology.py's.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import MigratedTemplates
from tests.fake_engine import FakeEngine
from tests.platforms import fake_platforms
from tests.support import scratch_postgres_database
from tests.topology import (
    FAULTS,
    afterwards,
    all_answered,
    citizens_writing,
    in_order_per_conversation,
    topology,
    when_answered,
)

pytestmark = pytest.mark.integration

CITIZENS_PER_CHANNEL = 4
MESSAGES_EACH = 6


@pytest.fixture
def database_url(migrated_templates: MigratedTemplates) -> Iterator[str]:
    with scratch_postgres_database(migrated_templates.postgres_database) as url:
        yield url


@pytest.mark.parametrize("fault", FAULTS)
async def test_nothing_is_lost_or_doubled_whatever_happens_mid_load(
    fault: str, database_url: str, fake_engine: FakeEngine, tmp_path: Path
) -> None:
    async with fake_platforms() as fakes, topology(tmp_path, database_url, fakes, fake_engine) as top:
        writing = asyncio.create_task(citizens_writing(top, CITIZENS_PER_CHANNEL, MESSAGES_EACH))
        await asyncio.wait_for(when_answered(top, 4 * CITIZENS_PER_CHANNEL * MESSAGES_EACH // 3), 120)
        await FAULTS[fault](top)
        await asyncio.wait_for(writing, 180)
        await all_answered(top, timeout=120)

        questions = set(top.ledger.messages)
        assert len(questions) == 4 * CITIZENS_PER_CHANNEL * MESSAGES_EACH
        platform_answers = [asked for _, _, asked in top.answers_seen_by_platforms()]
        state = await asyncio.to_thread(afterwards, database_url)

    assert {q: state.stored_as.get(q) for q in questions if state.stored.get(q, 0) != 1} == {}, "stored once"
    on_platforms = {q for q in questions if not q.startswith("wc")}
    answers = Counter(platform_answers)
    assert {q: state.deliveries.get(q) for q in on_platforms if state.deliveries.get(q) != 1} == {}, "answered once"
    # Platforms take no idempotency key: an answer a killed process had handed
    # to the platform but not yet recorded as sent goes out again from the
    # process that takes its delivery over. Only then may an answer arrive twice.
    may_repeat = state.taken_over if fault == "kill -9 one gateway" else set()
    assert all(seconds < 10 for seconds in top.stop_seconds), f"a stopping gateway took {top.stop_seconds} s"
    doubled = {q for q in on_platforms if answers[q] > 1}
    assert doubled <= may_repeat, f"sent twice: {sorted(doubled - may_repeat)}"
    assert set(answers) == on_platforms
    webchat = {q for q in questions if q.startswith("wc")}
    assert {q: n for q in webchat if (n := state.webchat_answers.get(q, 0)) != 1} == {}, "answered once"
    assert in_order_per_conversation(top, state.queued) == {}
    assert (state.pending_jobs, state.unanswered_kept, state.unsent_deliveries) == (0, 0, 0), "nothing stuck"
