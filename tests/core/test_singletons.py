"""Work that runs in one process at a time: on PostgreSQL whoever holds the
advisory lock, handed over when that process stops or dies; on SQLite the
only process."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from bot.singletons import AdvisoryLocks, OnlyProcess, create_singletons, lock_key, on_one_process
from bot.store import Database
from tests.platforms import until
from tests.support import scratch_postgres_database


async def test_one_replica_runs_it_and_another_takes_over_when_it_stops() -> None:
    with scratch_postgres_database() as url:
        database = Database(url)
        first, second = AdvisoryLocks(database), AdvisoryLocks(database)
        try:
            ran: list[str] = []
            rounds = [
                on_one_process(locks, "retention", lambda n=n: _note(ran, n)) for n, locks in ((1, first), (2, second))
            ]
            await rounds[0]()  # the first replica to start takes the work
            for _ in range(2):
                await asyncio.gather(*(round_() for round_ in rounds))
            assert ran == ["1", "1", "1"]
            assert await second.holds("report status sync")  # another piece of work, another lock
            await first.close()  # stopping: handed over at once
            await rounds[1]()
            assert ran[-1] == "2"
        finally:
            await first.close()
            await second.close()
            await database.close()


async def _note(ran: list[str], number: int) -> None:
    ran.append(str(number))


async def test_a_replica_that_dies_hands_its_work_over() -> None:
    with scratch_postgres_database() as url:
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys, time, psycopg\n"
                "connection = psycopg.connect(sys.argv[1], autocommit=True)\n"
                "connection.execute('SELECT pg_advisory_lock(%s)', (int(sys.argv[2]),))\n"
                "print('holding', flush=True)\n"
                "time.sleep(600)\n",
                url,
                str(lock_key("x mention polling")),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        database = Database(url)
        locks = AdvisoryLocks(database)
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
            assert not await locks.holds("x mention polling")
            holder.kill()  # kill -9: no goodbye to the database
            holder.wait()
            await until(lambda: locks.holds("x mention polling"), timeout=30)
        finally:
            holder.kill()
            await locks.close()
            await database.close()


async def test_on_sqlite_the_only_process_runs_everything(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'one.sqlite3'}")
    try:
        singletons = create_singletons(database)
        assert isinstance(singletons, OnlyProcess)
        assert await singletons.holds("retention") and await singletons.holds("x mention polling")
    finally:
        await database.close()
