"""How fast the platform webhooks acknowledge a delivery, whatever the engine does.

WhatsApp, Messenger, Instagram, X and Telegram retry a delivery that is not acknowledged quickly, so
the channels answer 200 before the citizen's message is answered. For each
platform, ``--deliveries`` signed deliveries (each a new citizen) are sent in
rounds of ``--concurrency`` at once, and the time to the 200 is taken.
Side by side, in the same run:

- the real gateway (``dorpspomp serve``, trained model, action server),
  platforms faked by local servers speaking their APIs;
- the same gateway's REST channel, which answers only once the engine has
  answered (the baseline: what a synchronous webhook would cost);
- the same gateway on a remote "Rasa" that takes ``--engine-delay`` seconds
  per answer, to show the acknowledgement does not wait for the engine.

Afterwards the bench waits until every delivery was answered on the
platform, so the figures are for work really done.

    .venv/bin/python bench/webhook_ack.py [--deliveries 200] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Awaitable, Callable

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report_throughput import percentile

from bot.engine import wire
from bot.messages import EngineResult, Reply, Understanding
from tests.platform_payloads import (
    TELEGRAM_SECRET,
    facebook_comment,
    instagram_message,
    instagram_signature,
    messenger_batch,
    messenger_signature,
    messenger_text,
    telegram_text,
    whatsapp_delivery,
    whatsapp_signature,
    whatsapp_text,
    x_mention,
    x_signature,
)
from tests.platforms import Fakes, fake_platforms
from tests.support import (
    REDIS_URL,
    ROOT,
    free_port,
    scratch_postgres_database,
    start_engine_side,
    start_gateway,
    trained_model_for,
)

TOKEN = "bench-token"
Delivery = Callable[[int], tuple[str, bytes, dict[str, str]]]


def x_delivery(n: int) -> tuple[str, bytes, dict[str, str]]:
    raw = json.dumps(x_mention("hoe laat is het stadhuis open?", author_id=str(4_000_000_000 + n))).encode()
    return "/webhooks/x", raw, {"x-twitter-webhooks-signature": x_signature(raw)}


def messenger_delivery(n: int) -> tuple[str, bytes, dict[str, str]]:
    raw = json.dumps(messenger_batch([messenger_text(f"bench-{uuid.uuid4().hex}", "wat kost een paspoort?")])).encode()
    return "/webhooks/messenger", raw, {"X-Hub-Signature-256": messenger_signature(raw)}


def whatsapp_bench_delivery(n: int) -> tuple[str, bytes, dict[str, str]]:
    number = f"316{uuid.uuid4().int % 10**8:08d}"
    raw = json.dumps(whatsapp_delivery([whatsapp_text(number, "wat kost een paspoort?")])).encode()
    return "/webhooks/whatsapp", raw, {"X-Hub-Signature-256": whatsapp_signature(raw)}


def instagram_delivery(n: int) -> tuple[str, bytes, dict[str, str]]:
    raw = json.dumps(instagram_message(f"ig-{uuid.uuid4().hex}", text="wat kost een paspoort?")).encode()
    return "/webhooks/instagram", raw, {"X-Hub-Signature-256": instagram_signature(raw)}


def comment_delivery(n: int) -> tuple[str, bytes, dict[str, str]]:
    raw = json.dumps(facebook_comment(f"fb-{uuid.uuid4().hex}", "hoe laat is het stadhuis open?")).encode()
    return "/webhooks/messenger", raw, {"X-Hub-Signature-256": messenger_signature(raw)}


def telegram_delivery(n: int) -> tuple[str, bytes, dict[str, str]]:
    # A new chat per delivery, across set-ups too: answers are counted by chat.
    raw = json.dumps(telegram_text(uuid.uuid4().int % 10**12, "hoi")).encode()
    return "/webhooks/telegram", raw, {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}


def rest_delivery(n: int) -> tuple[str, bytes, dict[str, str]]:
    raw = json.dumps({"sender": f"bench-{uuid.uuid4().hex}", "message": "hoe laat is het stadhuis open?"}).encode()
    return "/webhooks/rest/webhook", raw, {"Authorization": f"Bearer {TOKEN}"}


PLATFORMS: dict[str, Delivery] = {
    "whatsapp": whatsapp_bench_delivery,
    "messenger": messenger_delivery,
    "facebook comments": comment_delivery,
    "instagram": instagram_delivery,
    "x": x_delivery,
    "telegram": telegram_delivery,
}


def answered(fakes: Fakes) -> dict[str, int]:
    """Citizens answered so far, per platform."""
    sent_to = {m["recipient"].get("id") for m in fakes.graph.sent}
    return {
        "whatsapp": len({m["to"] for m in fakes.graph.whatsapp if "to" in m}),
        "messenger": len({r for r in sent_to if r and r.startswith("bench-")}),
        "facebook comments": len({on for on, _ in fakes.graph.comments}),
        "instagram": len({r for r in sent_to if r and r.startswith("ig-")}),
        "x": len(fakes.x.tweets),
        "telegram": len({m["chat_id"] for m in fakes.telegram.messages()}),
    }


async def acknowledgements(url: str, make: Delivery, total: int, concurrency: int) -> list[float]:
    """Milliseconds to each response, ``concurrency`` deliveries in flight at a time."""
    times: list[float] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:

        async def one(n: int) -> None:
            path, raw, headers = make(n)
            started = time.perf_counter()
            async with session.post(
                url + path, data=raw, headers={"Content-Type": "application/json", **headers}
            ) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status}")
            times.append((time.perf_counter() - started) * 1000)

        for start in range(0, total, concurrency):
            await asyncio.gather(*(one(n) for n in range(start, min(total, start + concurrency))))
    return times


async def all_answered(fakes: Fakes, platform: str, expected: int, timeout: float = 600) -> float:
    started = time.perf_counter()
    while answered(fakes)[platform] < expected:
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"{platform}: only {answered(fakes)[platform]} of {expected} answered")
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


def storage(stack: contextlib.ExitStack, folder: Path, name: str, args: argparse.Namespace) -> dict[str, str]:
    """The database (and Redis) of one set-up: SQLite, or as in production PostgreSQL and Redis."""
    if args.storage == "postgresql":
        return {"DATABASE_URL": stack.enter_context(scratch_postgres_database()), "REDIS_URL": REDIS_URL}
    return {"DATABASE_URL": f"sqlite:///{folder / name}.sqlite3", "REDIS_URL": ""}


def row(label: str, times: list[float]) -> str:
    return f"| {label} | {len(times)} | {percentile(times, 50):.1f} | {percentile(times, 99):.1f} | {max(times):.1f} |"


async def measure(url: str, fakes: Fakes, args: argparse.Namespace, label: str, with_rest: bool) -> list[str]:
    rows = []
    for platform, make in PLATFORMS.items():
        before = answered(fakes)[platform]
        times = await acknowledgements(url, make, args.deliveries, args.concurrency)
        drained = await all_answered(fakes, platform, before + args.deliveries)
        rows.append(row(f"{label}: {platform} webhook", times) + f" answered {drained:.1f}s after the last ack |")
    if with_rest:
        times = await acknowledgements(url, rest_delivery, args.deliveries, args.concurrency)
        rows.append(row(f"{label}: REST channel (answers synchronously)", times) + " — |")
    return rows


class SlowEngine:
    """An engine service (its API, bot/engine/wire.py) that takes ``delay``
    seconds for every answer: an engine that is slow, not busy."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def app(self) -> web.Application:
        app = web.Application()
        app.add_routes(
            [
                web.post(wire.turn_path("{conversation}"), self.answer),
                web.get(wire.HEALTH_PATH, self.health),
                web.get(wire.MODEL_PATH, self.health),
            ]
        )
        return app

    async def answer(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        result = EngineResult((Reply("Het stadhuis is open van 9 tot 17 uur."),), Understanding("greet", 0.9))
        return web.json_response(wire.result_to_json(result))

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"ready": True, "model": "slow.tar.gz", "api": wire.VERSION})


async def slow_engine_gateway(fakes: Fakes, folder: Path, args: argparse.Namespace) -> list[str]:
    runner = web.AppRunner(SlowEngine(args.engine_delay).app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    with contextlib.ExitStack() as stack:
        env = {
            **fakes.env(),
            "DORPSPOMP_REST_TOKEN": TOKEN,
            "DORPSPOMP_SECRET": "bench",
            **storage(stack, folder, "slow", args),
            "MEDIA_DIR": str(folder / "media"),
            "ENGINE_URL": f"http://127.0.0.1:{port}",
            "ENGINE_TIMEOUT": str(args.engine_delay + 10),
        }
        # Started from a thread: the gateway asks the slow engine, on this loop, whether it is ready.
        gateway = await asyncio.to_thread(start_gateway, folder / "slow-gateway.log", env)
        try:
            return await measure(gateway.url, fakes, args, f"engine taking {args.engine_delay:.0f} s", True)
        finally:
            gateway.stop()
            await runner.cleanup()


async def real_gateway(fakes: Fakes, folder: Path, args: argparse.Namespace) -> list[str]:
    model = trained_model_for(ROOT)
    with contextlib.ExitStack() as stack:
        env = {
            **fakes.env(),
            "DORPSPOMP_REST_TOKEN": TOKEN,
            "DORPSPOMP_SECRET": "bench",
            **storage(stack, folder, "gateway", args),
            "MODEL_DIR": str(model.parent),
            "MEDIA_DIR": str(folder / "media"),
        }
        engine = start_engine_side(stack, folder, env)
        # From a thread, so the fake Telegram on this loop answers the gateway's getMe.
        gateway = await asyncio.to_thread(start_gateway, folder / "gateway.log", {**env, **engine})
        try:
            return await measure(gateway.url, fakes, args, "real gateway and model", True)
        finally:
            gateway.stop()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        async with fake_platforms() as fakes:
            steps: list[Callable[[], Awaitable[list[str]]]] = [
                lambda: real_gateway(fakes, folder, args),
                lambda: slow_engine_gateway(fakes, folder, args),
            ]
            rows = [line for step in steps for line in await step()]
    print(f"\n{args.deliveries} deliveries per platform, {args.concurrency} at a time, on {args.storage}\n")
    print("| set-up | deliveries | ack p50 ms | ack p99 ms | max ms | |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--engine-delay", type=float, default=2.0)
    parser.add_argument("--storage", choices=("sqlite", "postgresql"), default="sqlite")
    asyncio.run(main(parser.parse_args()))
