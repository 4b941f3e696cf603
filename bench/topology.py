"""The deployment's topology under faults, and a soak (tests/topology.py).

Three gateway processes behind HAProxy on PostgreSQL and a Redis of their own,
the platforms and the engine as local servers speaking their APIs; simulated
citizens on web chat, Telegram, Messenger and X at once.

Fault runs (the default): the same load five times, side by side, the first
without a fault (the baseline), then with one fault each when a third of the
messages are answered: kill -9 one gateway, restart Redis, the platforms
answer 503 to their next 20 sends each, a rolling update of one gateway. Per
run: how long until every message sent is answered after the fault (the
recovery), the latency of messages sent before the fault and of those sent
from the fault until recovery, and whether each was stored and answered once.

Soak (``--soak MINUTES``, ``make soak``): mixed traffic for that long on one
topology; every minute the resident memory of each gateway, the outbox
backlog, the database's size and that minute's p99 latency.

    .venv/bin/python bench/topology.py [--citizens 4] [--messages 6]
    .venv/bin/python bench/topology.py --soak 30
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.report_throughput import percentile
from bot.store import Database
from tests.fake_engine import running_fake_engine
from tests.platforms import fake_platforms
from tests.support import scratch_postgres_database
from tests.topology import FAULTS, Topology, afterwards, all_answered, citizens_writing, topology, when_answered

Fault = Callable[[Topology], Awaitable[None]]


async def no_fault(top: Topology) -> None:
    return None


FAULT_RUNS: dict[str, Fault] = {"none (baseline)": no_fault, **FAULTS}


async def watching_answers(top: Topology) -> None:
    """Notes answers on the platforms as they arrive (the latency's end)."""
    while True:
        top.note_platform_answers()
        await asyncio.sleep(0.02)


def milliseconds(values: list[float], percent: float) -> str:
    return f"{percentile(values, percent) * 1000:7.0f}" if values else "      -"


@contextlib.asynccontextmanager
async def fresh_topology(folder: Path) -> AsyncIterator[Topology]:
    """A new database, engine, platforms and topology; all gone afterwards."""
    with scratch_postgres_database() as url, contextlib.contextmanager(running_fake_engine)() as engine:
        await asyncio.to_thread(Database(url).migrate)
        async with fake_platforms() as fakes, topology(folder, url, fakes, engine) as top:
            yield top


async def fault_run(name: str, fault: Fault, citizens: int, messages: int) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        async with fresh_topology(Path(folder)) as top:
            watcher = asyncio.create_task(watching_answers(top))
            writing = asyncio.create_task(citizens_writing(top, citizens, messages))
            await when_answered(top, 4 * citizens * messages // 3)
            struck = time.monotonic()
            await fault(top)
            await writing
            await all_answered(top, timeout=300)
            recovered = max(m.answered_at or 0 for m in top.ledger.messages.values())
            watcher.cancel()
            state = await asyncio.to_thread(afterwards, top.database_url)
    before = [m.answered_at - m.sent_at for m in top.ledger.messages.values() if m.sent_at < struck]
    during = [m.answered_at - m.sent_at for m in top.ledger.messages.values() if m.sent_at >= struck]
    stored_once = all(state.stored.get(q) == 1 for q in top.ledger.messages)
    nothing_left = (state.pending_jobs, state.unanswered_kept, state.unsent_deliveries) == (0, 0, 0)
    return [
        f"{name:<32}",
        f"{len(top.ledger.messages):5d}",
        f"{recovered - struck:8.1f}",
        milliseconds(before, 50),
        milliseconds(before, 99),
        milliseconds(during, 50),
        milliseconds(during, 99),
        f"{'yes' if stored_once else 'NO':>6}",
        f"{'yes' if nothing_left else 'NO':>6}",
    ]


async def fault_runs(citizens: int, messages: int) -> None:
    print(f"{citizens} citizens per channel (web chat, Telegram, Messenger, X), {messages} messages each")
    print("run                              msgs  recover  p50 before p99 before  p50 after  p99 after  once  empty")
    print("                                           (s)        (ms)       (ms)       (ms)       (ms)")
    for name, fault in FAULT_RUNS.items():
        print(" ".join(await fault_run(name, fault, citizens, messages)), flush=True)


def database_megabytes(url: str) -> float:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            size = connection.scalar(sa.text("SELECT pg_database_size(current_database())")) or 0
    finally:
        engine.dispose()
    return size / 1024 / 1024


def backlog(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.text("SELECT count(*) FROM outbox WHERE state = 'pending'")) or 0
    finally:
        engine.dispose()


async def soak(minutes: float, citizens: int) -> None:
    print(f"soak: {minutes} min of mixed traffic, {citizens} citizens per channel writing in rounds")
    print("minute  messages  p99 (ms)  outbox backlog  database (MB)  gateway RSS (MiB)")
    with tempfile.TemporaryDirectory() as folder:
        async with fresh_topology(Path(folder)) as top:
            watcher = asyncio.create_task(watching_answers(top))
            end = time.monotonic() + minutes * 60

            async def keep_writing() -> None:
                first = 0
                while time.monotonic() < end:
                    # A message every 3.5 s: a quick typist, under the chat's 20 a minute per session.
                    await citizens_writing(top, citizens, 3, pause=3.5, first=first)
                    first += 3

            rounds = asyncio.create_task(keep_writing())
            minute = 0
            while time.monotonic() < end:
                started = time.monotonic()
                await asyncio.sleep(min(60, max(0, end - started)))
                minute += 1
                window = [
                    m.answered_at - m.sent_at
                    for m in top.ledger.messages.values()
                    if m.answered_at is not None and started <= m.sent_at
                ]
                memory = " ".join(f"{g.rss_kib() / 1024:5.0f}" for g in top.gateways)
                print(
                    f"{minute:6d}  {len(window):8d}  {milliseconds(window, 99)}  "
                    f"{await asyncio.to_thread(backlog, top.database_url):14d}  "
                    f"{await asyncio.to_thread(database_megabytes, top.database_url):13.1f}  {memory}",
                    flush=True,
                )
            await rounds
            await all_answered(top, timeout=300)
            watcher.cancel()
            state = await asyncio.to_thread(afterwards, top.database_url)
    print(
        f"{len(top.ledger.messages)} messages; stored once: "
        f"{all(state.stored.get(q) == 1 for q in top.ledger.messages)}; "
        f"left in outbox/inbox/deliveries: {state.pending_jobs}/{state.unanswered_kept}/{state.unsent_deliveries}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=4, help="simulated citizens per channel")
    parser.add_argument("--messages", type=int, default=6, help="messages each (fault runs)")
    parser.add_argument("--soak", type=float, default=0, help="minutes of soak instead of the fault runs")
    args = parser.parse_args()
    if args.soak:
        asyncio.run(soak(args.soak, args.citizens))
    else:
        asyncio.run(fault_runs(args.citizens, args.messages))


if __name__ == "__main__":
    main()
