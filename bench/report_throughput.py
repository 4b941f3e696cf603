"""Reports made through the REST channel and forwarded to Signalen (a local fake).

    .venv/bin/python bench/report_throughput.py [--reports 60] [--concurrency 1 10]

Each simulated citizen makes whole reports: one sentence with what and where,
"no photo", "anonymous", "yes, send". Side by side:
- reports/s and per-turn latency through the gateway, and through a bare
  `rasa run` with the same model and action server (which stores the report
  but forwards nothing: the dialogue's own cost);
- time from the citizen's confirmation to the report acknowledged by
  Signalen (through the outbox), against one direct POST to the same fake
  (the least any forwarding could take).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Mapping

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fake_backends import FakeSignalen
from tests.support import (
    ROOT,
    Service,
    start_action_server,
    start_engine_side,
    start_gateway,
    start_rasa_server,
    trained_model_for,
)

TOKEN = "bench-token"
REFERENCE = re.compile(r"M-\d{4}-\d{6}")
STREETS = ["Kerkstraat", "Molenstraat", "Dorpsstraat", "Lindelaan", "Beukenlaan", "Parkweg"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def make_reports(
    session: aiohttp.ClientSession,
    url: str,
    headers: Mapping[str, str],
    count: int,
    turn_ms: list[float],
    confirmed: dict[str, float],
) -> None:
    for index in range(count):
        sender = uuid.uuid4().hex
        street = STREETS[index % len(STREETS)]
        for text in (f"de lantaarnpaal voor {street} {index + 1} is kapot", "/deny", "/deny", "/affirm"):
            started = time.perf_counter()
            async with session.post(
                url + "/webhooks/rest/webhook", json={"sender": sender, "message": text}, headers=headers
            ) as response:
                replies = await response.json()
                if response.status != 200 or not replies:
                    raise RuntimeError(f"{url} answered {response.status}: {replies}")
            turn_ms.append((time.perf_counter() - started) * 1000)
        reference = REFERENCE.search(" ".join(r.get("text", "") for r in replies))
        if reference is None:
            raise RuntimeError(f"no reference after confirming: {replies}")
        confirmed[reference.group(0)] = time.perf_counter()


async def run(
    url: str, headers: Mapping[str, str], total: int, concurrency: int
) -> tuple[float, list[float], dict[str, float]]:
    turn_ms: list[float] = []
    confirmed: dict[str, float] = {}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        started = time.perf_counter()
        await asyncio.gather(
            *(
                make_reports(session, url, headers, max(1, total // concurrency), turn_ms, confirmed)
                for _ in range(concurrency)
            )
        )
        seconds = time.perf_counter() - started
    return len(confirmed) / seconds, turn_ms, confirmed


async def forwarding_ms(signalen: FakeSignalen, confirmed: dict[str, float], timeout: float = 120) -> list[float]:
    """Confirmation → acknowledged by Signalen, per report (waits for the outbox)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        arrived = {
            REFERENCE.search(signal["text"]).group(0): signalen.arrived_at[signal_id]  # type: ignore[union-attr]
            for signal_id, signal in signalen.signals.items()
        }
        if set(confirmed) <= set(arrived):
            return [(arrived[ref] - at) * 1000 for ref, at in confirmed.items()]
        await asyncio.sleep(0.1)
    raise RuntimeError("not every report reached Signalen")


async def direct_post_ms(signalen: FakeSignalen, count: int = 50) -> list[float]:
    body = {
        "text": "Lantaarnpaal kapot",
        "reporter": {},
        "incident_date_start": "2026-11-27T12:00:00+00:00",
        "location": {"geometrie": {"type": "Point", "coordinates": [5.8991, 52.2003]}},
        "category": {
            "sub_category": signalen.url + "/signals/v1/public/terms/categories/wegen/sub_categories/straatverlichting"
        },
    }
    timings = []
    async with aiohttp.ClientSession() as session:
        for _ in range(count):
            started = time.perf_counter()
            async with session.post(signalen.url + "/signals/v1/public/signals/", json=body) as response:
                await response.read()
            timings.append((time.perf_counter() - started) * 1000)
    return timings


async def main_async(args: argparse.Namespace) -> None:
    model = trained_model_for(ROOT)
    folder = Path(tempfile.mkdtemp(prefix="dorpspomp-bench-"))
    signalen = FakeSignalen()
    await signalen.start()
    env = {
        "DATABASE_URL": args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
        "MEDIA_DIR": str(folder / "media"),
        "REPORTS_BACKEND": "signalen",
        "REPORTS_BACKEND_URL": signalen.url,
        "REDIS_URL": args.redis_url,
        "MODEL_DIR": str(model.parent),
        "DORPSPOMP_REST_TOKEN": TOKEN,
        "DORPSPOMP_SECRET": "bench",
        "LOG_LEVEL": "WARNING",
    }
    # Started in threads: the fake Signalen in this loop must answer meanwhile.
    stack = contextlib.ExitStack()
    engine = await asyncio.to_thread(start_engine_side, stack, folder, env)
    gateway: Service = await asyncio.to_thread(start_gateway, folder / "gateway.log", {**env, **engine})
    # The bare Rasa's reports are stored but stay put, so they do not load the forwarder.
    kept_actions: Service = await asyncio.to_thread(
        start_action_server, folder / "actions-bare.log", {**env, "REPORTS_BACKEND": "none"}
    )
    bare: Service = await asyncio.to_thread(start_rasa_server, model, kept_actions.url + "/webhook", folder)
    try:
        print(
            f"model {model.name}; {args.reports} reports per level, 4 turns each; database {env['DATABASE_URL'].split(':')[0]}\n"
        )
        print(f"{'target':<10} {'conc':>4} {'reports/s':>10} {'turn p50':>9} {'turn p95':>9}")
        forwarded: dict[int, list[float]] = {}
        for concurrency in args.concurrency:
            for name, service, headers in (
                ("gateway", gateway, {"Authorization": f"Bearer {TOKEN}"}),
                ("bare rasa", bare, {}),
            ):
                rate, turns, confirmed = await run(service.url, headers, args.reports, concurrency)
                print(
                    f"{name:<10} {concurrency:>4} {rate:>10.2f} {percentile(turns, 50):>9.1f} {percentile(turns, 95):>9.1f}"
                )
                if name == "gateway":
                    forwarded[concurrency] = await forwarding_ms(signalen, confirmed)
        direct = await direct_post_ms(signalen)
        print("\nconfirmation → acknowledged by Signalen (ms)")
        print(f"{'':<32} {'p50':>7} {'p95':>7} {'max':>7}")
        for concurrency, timings in forwarded.items():
            label = f"through the outbox, conc {concurrency}"
            print(
                f"{label:<32} {statistics.median(timings):>7.0f} {percentile(timings, 95):>7.0f} {max(timings):>7.0f}"
            )
        print(
            f"{'one direct POST (floor)':<32} {statistics.median(direct):>7.1f} {percentile(direct, 95):>7.1f} {max(direct):>7.1f}"
        )
        per_reference = Counter(
            REFERENCE.search(signal["text"]).group(0)
            for signal in signalen.signals.values()
            if REFERENCE.search(signal["text"])
        )  # type: ignore[union-attr]
        print(
            f"\n{sum(map(len, forwarded.values()))} confirmed reports through the gateway; at Signalen {len(per_reference)} of them, "
            f"at most {max(per_reference.values())} signal(s) each"
        )
    finally:
        for service in (bare, kept_actions, gateway):
            await asyncio.to_thread(service.stop)
        await asyncio.to_thread(stack.close)
        await signalen.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=60, help="reports per target and concurrency level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--database-url", help="database of gateway and actions (default: a fresh SQLite file)")
    parser.add_argument("--redis-url", default="", help="the gateway's Redis (default: none)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
