"""Does hostile or heavy work at the edge stall everyone else?

A real gateway (``dorpspomp serve``; the engine is a local server speaking
the engine service's API, so only the gateway's own work is measured) answers
``/healthz`` over and over while, in turn:

- nothing else happens (the baseline, same run);
- logins with wrong passwords arrive eight at a time (Argon2);
- an admin opens the review queue, which holds ``--junk`` messages of 4,000
  characters of junk (redaction, grouping).

A stalled event loop shows as a slow ``/healthz``: every chat and webhook
waits the same. Side by side, the e-mail pattern of the redaction as it was
(quadratic on a long word) and as it is now, on the same junk.

    .venv/bin/python bench/edge_stalls.py [--junk 1000] [--probes 200]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import string
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Awaitable, Callable

import aiohttp
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report_throughput import percentile

from bot.clock import utcnow
from bot.privacy.redact import _EMAIL, review_key
from tests.fake_engine import running_fake_engine
from tests.support import STAFF_PASSWORD, add_colleague, start_gateway

OLD_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)


def junk(length: int = 4000) -> str:
    rng = random.Random(length)
    words = ("".join(rng.choices(string.ascii_lowercase, k=rng.randint(200, 900))) for _ in range(12))
    return " ".join(words)[:length]


def add_junk(database_url: str, count: int) -> None:
    """``count`` citizens' messages the bot did not understand, as the store keeps them."""
    engine = sa.create_engine(database_url)
    now = utcnow()
    with engine.begin() as connection:
        for n in range(count):
            conversation = uuid.uuid4().hex
            connection.execute(
                sa.text(
                    "INSERT INTO conversations (id, channel, sender, created_at) VALUES (:id, 'webchat', :id, :at)"
                ),
                {"id": conversation, "at": now},
            )
            text = f"{n} " + junk(3990 - n % 50)
            connection.execute(
                sa.text(
                    "INSERT INTO messages (conversation_id, direction, channel, text, intent, confidence, created_at, review_key)"
                    " VALUES (:c, 'in', 'webchat', :text, 'nlu_fallback', 0.1, :at, :key)"
                ),
                {"c": conversation, "text": text, "at": now, "key": review_key(text)},
            )
    engine.dispose()


async def probe(session: aiohttp.ClientSession, url: str, count: int, busy: Callable[[], bool]) -> list[float]:
    """``/healthz`` round trips (ms), taken while ``busy()`` holds, at most ``count``."""
    taken: list[float] = []
    while len(taken) < count and busy():
        started = time.perf_counter()
        async with session.get(url + "/healthz") as response:
            await response.read()
        taken.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.005)
    return taken


async def while_running(
    session: aiohttp.ClientSession, url: str, count: int, work: Awaitable[object]
) -> tuple[list[float], float]:
    task = asyncio.ensure_future(work)
    started = time.perf_counter()
    await asyncio.sleep(0.01)
    taken = await probe(session, url, count, lambda: not task.done())
    await task
    return taken, time.perf_counter() - started


async def logins(url: str, rounds: int) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:

        async def one(n: int) -> None:
            headers = {"X-Forwarded-For": f"198.51.100.{n % 250}"}
            async with session.get(url + "/webcare/login", headers=headers) as page:
                csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)  # type: ignore[union-attr]
            data = {"csrf": csrf, "username": f"guess-{uuid.uuid4().hex[:6]}", "password": "wrong password"}
            async with session.post(url + "/webcare/login", data=data, headers=headers, allow_redirects=False) as r:
                assert r.status == 401, r.status  # checked and refused, not turned away unchecked
                await r.read()

        for round_number in range(rounds):
            await asyncio.gather(*(one(round_number * 8 + n) for n in range(8)))


async def review_page(url: str, username: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(url + "/webcare/login") as page:
            csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)  # type: ignore[union-attr]
        await session.post(
            url + "/webcare/login", data={"csrf": csrf, "username": username, "password": STAFF_PASSWORD}
        )
        for _ in range(3):
            async with session.get(url + "/admin/review") as response:
                assert response.status == 200, response.status
                await response.read()


def row(name: str, taken: list[float], seconds: float | None = None) -> str:
    spent = f"{seconds:7.2f}" if seconds is not None else "      –"
    return (
        f"| {name:<44} | {len(taken):>6} | {percentile(taken, 50):7.1f} | {percentile(taken, 95):7.1f} "
        f"| {max(taken):8.1f} | {spent} |"
    )


def email_figures(count: int) -> list[str]:
    texts = [junk(4000 - n) for n in range(count)]
    lines = []
    for name, pattern in (("e-mail pattern as it was", OLD_EMAIL), ("e-mail pattern now", _EMAIL)):
        started = time.perf_counter()
        for text in texts:
            pattern.sub("[E-MAIL]", text)
        lines.append(
            f"| {name:<28} | {(time.perf_counter() - started) * 1000 / count:9.3f} ms per 4,000-character message |"
        )
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--junk", type=int, default=1000)
    parser.add_argument("--probes", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="edge-stalls-"))
    engines = running_fake_engine()
    engine = next(engines)
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'edge.sqlite3'}",
        "REDIS_URL": "",
        **engine.env,
        "MEDIA_DIR": str(folder / "media"),
        "TRUST_FORWARDED_FOR": "1",
        "LOG_LEVEL": "WARNING",
    }
    gateway = start_gateway(folder / "gateway.log", env)
    try:
        admin = await add_colleague(env["DATABASE_URL"], "admin", "Carla Smit")
        add_junk(env["DATABASE_URL"], args.junk)
        async with aiohttp.ClientSession() as session:
            idle = await probe(session, gateway.url, args.probes, lambda: True)
            during_logins, login_seconds = await while_running(
                session, gateway.url, args.probes, logins(gateway.url, 5)
            )
            during_review, review_seconds = await while_running(
                session, gateway.url, args.probes, review_page(gateway.url, admin)
            )
        print(f"\n/healthz round trips (ms) on {sys.platform}, {args.junk} junk messages in the review queue\n")
        print("| while | probes | p50 | p95 | max | work took (s) |")
        print("|---|---:|---:|---:|---:|---:|")
        print(row("nothing else (baseline)", idle))
        print(row("40 wrong logins, 8 at a time", during_logins, login_seconds))
        print(row("an admin opens /admin/review three times", during_review, review_seconds))
        print()
        print("| redaction | time |")
        print("|---|---|")
        for line in email_figures(min(args.junk, 50)):
            print(line)
    finally:
        gateway.stop()
        next(engines, None)


if __name__ == "__main__":
    asyncio.run(main())
