"""Throughput and latency through the REST channel: the gateway against a bare `rasa run`.

Both serve the same trained model with the same action server and response
generator; only what sits in front of Rasa differs (the gateway also persists
every message in SQL). Each concurrency level runs a fixed number of messages,
spread over that many simultaneous conversations, against loopback only.

    .venv/bin/python bench/rest_throughput.py [--messages 400] [--rounds 3] [--concurrency 1 20]

Rounds alternate between the two targets; msg/s is the median of the rounds,
latency percentiles are over all messages of all rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.training import train_if_changed
from tests.support import ROOT, Service, start_action_server, start_gateway, start_rasa_server

TOKEN = "bench-token"
MESSAGES = [
    "hoi",
    "wat kost een nieuw paspoort?",
    "ik vlieg overmorgen en mijn paspoort is verlopen",
    "waarom is de Westerstraat dicht?",
    "wat is er dit weekend te doen?",
    "praat ik met een robot?",
    "bedankt!",
    "doei",
]


@dataclass
class Target:
    name: str
    service: Service
    headers: Mapping[str, str]


@dataclass
class Result:
    rates: list[float]  # messages per second, one per round
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return statistics.median(self.rates)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def citizen(
    session: aiohttp.ClientSession, target: Target, count: int, latencies: list[float], think: float = 0.0
) -> None:
    """``count`` messages as successive conversations of len(MESSAGES) turns each,
    pausing about ``think`` seconds after each answer as a person reading and typing would."""
    if think:
        # People do not all press send at the same moment: without this the
        # first messages of all citizens arrive as one burst, a twentieth of
        # the samples, and the tail measures that burst.
        await asyncio.sleep(think * random.random())
    for index in range(count):
        if index % len(MESSAGES) == 0:
            sender = uuid.uuid4().hex
        started = time.perf_counter()
        async with session.post(
            target.service.url + "/webhooks/rest/webhook",
            json={"sender": sender, "message": MESSAGES[index % len(MESSAGES)]},
            headers=target.headers,
        ) as response:
            body = await response.json()
            if response.status != 200 or not body:
                raise RuntimeError(f"{target.name} answered {response.status}: {body}")
        latencies.append((time.perf_counter() - started) * 1000)
        if think:
            # Randomised, so the citizens drift apart instead of arriving in bursts.
            await asyncio.sleep(think * random.uniform(0.5, 1.5))


async def run(target: Target, total: int, concurrency: int, think: float) -> tuple[float, list[float]]:
    """``total`` messages from ``concurrency`` citizens talking at the same time:
    the rate and every message's latency."""
    latencies: list[float] = []
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        await asyncio.gather(*(citizen(session, target, len(MESSAGES), []) for _ in range(concurrency)))
        started = time.perf_counter()
        await asyncio.gather(
            *(citizen(session, target, max(1, total // concurrency), latencies, think) for _ in range(concurrency))
        )
        seconds = time.perf_counter() - started
    return len(latencies) / seconds, latencies


def rss_mb(service: Service) -> float:
    for line in Path(f"/proc/{service.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400, help="messages per concurrency level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; msg/s is their median")
    parser.add_argument(
        "--think-ms", type=int, default=0, help="pause after each answer; 0 measures capacity, ~1000 open conversations"
    )
    parser.add_argument("--database-url", help="the gateway's database (default: a fresh SQLite file)")
    parser.add_argument("--redis-url", default="", help="the gateway's Redis (default: none)")
    args = parser.parse_args()

    model = train_if_changed(ROOT, ROOT / "models")
    folder = Path(tempfile.mkdtemp(prefix="dorpspomp-bench-"))
    actions = start_action_server(folder / "actions.log")
    gateway_env = {
        "DATABASE_URL": args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
        "REDIS_URL": args.redis_url,
        "RASA_URL": "",
        "ACTION_ENDPOINT": actions.url + "/webhook",
        "MODEL_DIR": str(model.parent),
        "DORPSPOMP_REST_TOKEN": TOKEN,
        "DORPSPOMP_SECRET": "bench",
        "LOG_LEVEL": "WARNING",
    }
    targets = [
        Target("gateway", start_gateway(folder / "gateway.log", gateway_env), {"Authorization": f"Bearer {TOKEN}"}),
        Target("bare rasa", start_rasa_server(model, actions.url + "/webhook", folder), {}),
    ]
    try:
        print(
            f"model {model.name}; {args.rounds} rounds of {args.messages} messages per level; think {args.think_ms} ms; gateway database {gateway_env['DATABASE_URL'].split(':')[0]}"
            f"{', Redis' if args.redis_url else ''}\n"
        )
        print(f"{'target':<10} {'conc':>4} {'msg/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for concurrency in args.concurrency:
            results = {target.name: Result([], []) for target in targets}
            for round_number in range(args.rounds):
                # Alternate who goes first, so neither profits from a warmer machine.
                for target in targets[:: 1 if round_number % 2 == 0 else -1]:
                    rate, latencies = asyncio.run(run(target, args.messages, concurrency, args.think_ms / 1000))
                    results[target.name].rates.append(rate)
                    results[target.name].latencies_ms.extend(latencies)
            for target in targets:
                result = results[target.name]
                print(
                    f"{target.name:<10} {concurrency:>4} {result.per_second:>8.1f} "
                    f"{result.percentile(50):>8.1f} {result.percentile(95):>8.1f} {result.percentile(99):>8.1f}"
                )
        print()
        for target in targets:
            print(f"{target.name:<10} resident memory {rss_mb(target.service):7.0f} MB")
    finally:
        for target in targets:
            target.service.stop()
        actions.stop()


if __name__ == "__main__":
    main()
