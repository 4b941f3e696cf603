"""Throughput and latency through the REST channel: the gateway (Python 3.12+)
with the engine service (Rasa on 3.10) behind it, against a bare `rasa run`.

All serve the same trained model with the same action server and response
generator; only what sits in front of Rasa differs (the gateway also persists
every message in SQL, and reaches Rasa over one more HTTP hop). The engine
service is also measured on its own: the gateway's p50 minus the engine's is
what the gateway and the hop add. Each concurrency level runs a fixed number
of messages, spread over that many simultaneous conversations, on loopback.

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
from typing import Any, Callable, Mapping

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.engine import wire
from tests.support import (
    ENGINE_TOKEN,
    ROOT,
    Service,
    start_action_server,
    start_engine_service,
    start_gateway,
    start_rasa_server,
    trained_model_for,
)

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


def rest_message(sender: str, text: str) -> tuple[str, dict[str, Any]]:
    return "/webhooks/rest/webhook", {"sender": sender, "message": text}


def engine_turn(sender: str, text: str) -> tuple[str, dict[str, Any]]:
    return wire.turn_path(sender), {"text": text, "channel": "rest", "metadata": {}}


@dataclass
class Target:
    name: str
    service: Service
    headers: Mapping[str, str]
    request: Callable[[str, str], tuple[str, dict[str, Any]]] = rest_message

    def answered(self, body: Any) -> bool:
        return bool(body.get("replies") if isinstance(body, dict) else body)


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
        path, json = target.request(sender, MESSAGES[index % len(MESSAGES)])
        started = time.perf_counter()
        async with session.post(target.service.url + path, json=json, headers=target.headers) as response:
            body = await response.json()
            if response.status != 200 or not target.answered(body):
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
    """The resident memory of the service's process (its own, not its children's)."""
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

    model = trained_model_for(ROOT)
    folder = Path(tempfile.mkdtemp(prefix="dorpspomp-bench-"))
    actions = start_action_server(folder / "actions.log")
    env = {
        "DATABASE_URL": args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
        "REDIS_URL": args.redis_url,
        "ACTION_ENDPOINT": actions.url + "/webhook",
        "MODEL_DIR": str(model.parent),
        "DORPSPOMP_REST_TOKEN": TOKEN,
        "DORPSPOMP_SECRET": "bench",
        "LOG_LEVEL": "WARNING",
    }
    engine = start_engine_service(folder / "engine.log", env)
    gateway = start_gateway(folder / "gateway.log", {**env, "ENGINE_URL": engine.url})
    targets = [
        Target("gateway", gateway, {"Authorization": f"Bearer {TOKEN}"}),
        Target("engine", engine, {"Authorization": f"Bearer {ENGINE_TOKEN}"}, engine_turn),
        Target("bare rasa", start_rasa_server(model, actions.url + "/webhook", folder), {}),
    ]
    try:
        print(
            f"model {model.name}; {args.rounds} rounds of {args.messages} messages per level; think {args.think_ms} ms; gateway database {env['DATABASE_URL'].split(':')[0]}"
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
        print("\n(gateway: the whole path a citizen's message takes; engine: the engine service's API alone)\n")
        for target in targets:
            print(f"{target.name:<10} resident memory {rss_mb(target.service):7.0f} MB")
        print(f"{'actions':<10} resident memory {rss_mb(actions):7.0f} MB")
    finally:
        for target in targets:
            target.service.stop()
        actions.stop()


if __name__ == "__main__":
    main()
