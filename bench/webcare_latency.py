"""From a citizen's message to its appearance in a colleague's inbox, in a real browser.

A citizen in the web chat hands the conversation to webcare; a colleague,
logged in to the inbox in headless Chromium, has it open. Each message the
citizen sends is timed from the moment it leaves the citizen's socket until
the inbox page shows it (a MutationObserver in the page notes the time; both
clocks are this machine's). Three set-ups in one run, side by side:

- one gateway on SQLite without Redis (the default configuration);
- one gateway on PostgreSQL with Redis (citizen and colleague on the same process);
- two gateways on PostgreSQL with Redis, the citizen on one and the colleague on
  the other, so every message travels through Redis pub/sub.

    .venv/bin/python bench/webcare_latency.py [--messages 18]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from playwright.async_api import Page, async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report_throughput import percentile

from tests.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.support import (
    REDIS_URL,
    ROOT,
    STAFF_PASSWORD,
    Service,
    add_colleague,
    scratch_postgres_database,
    start_engine_side,
    start_gateway,
    trained_model_for,
)

# Records when each citizen line first shows in the inbox's history.
OBSERVER = """
window.__seen = {};
new MutationObserver(() => {
  document.querySelectorAll('#history .from-citizen .text').forEach(node => {
    const text = node.textContent;
    if (!(text in window.__seen)) window.__seen[text] = performance.timeOrigin + performance.now();
  });
}).observe(document.getElementById('history'), {childList: true, subtree: true});
"""


async def open_inbox(page: Page, url: str, username: str) -> None:
    await page.goto(url + "/webcare/login")
    await page.fill("#username", username)
    await page.fill("#password", STAFF_PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=Live bijgewerkt")


async def measure(page: Page, citizen_url: str, agent_url: str, messages: int) -> list[float]:
    async with aiohttp.ClientSession() as session:
        chat = await session.ws_connect(citizen_url + "/webchat/ws")
        await chat.send_json({"type": "hello", "session": None})
        conversation = (await chat.receive_json(timeout=10))["session"].split(".")[0]
        await chat.send_json({"type": "message", "text": "ik wil een medewerker spreken"})
        await chat.receive_json(timeout=30)
        await chat.receive_json(timeout=30)
        await page.goto(f"{agent_url}/webcare#c={conversation}")
        await page.click("#claim")
        await page.wait_for_selector("#handback:not([hidden])")
        await page.evaluate(OBSERVER)
        latencies = []
        for index in range(messages):
            text = f"bericht {index} {uuid.uuid4().hex[:8]}"
            sent = time.time() * 1000
            await chat.send_json({"type": "message", "text": text})
            await page.wait_for_function("t => t in window.__seen", arg=text, timeout=15_000)
            latencies.append(await page.evaluate("t => window.__seen[t]", text) - sent)
            await chat.receive_json(timeout=10)  # typing
            await chat.receive_json(timeout=10)  # received
            await asyncio.sleep(random.uniform(0.05, 0.25))
        await chat.close()
    return latencies


def row(name: str, latencies: list[float]) -> str:
    return (
        f"{name:<46} {len(latencies):>5} {statistics.median(latencies):>9.1f} "
        f"{percentile(latencies, 95):>9.1f} {max(latencies):>9.1f}"
    )


async def main_async(args: argparse.Namespace) -> None:
    model = trained_model_for(ROOT)
    folder = Path(tempfile.mkdtemp(prefix="webcare-bench-"))
    base_env = {
        "DORPSPOMP_REST_TOKEN": "bench",
        "DORPSPOMP_SECRET": "bench",
        "MODEL_DIR": str(model.parent),
        "MEDIA_DIR": str(folder / "media"),
        "LOG_LEVEL": "WARNING",
    }
    results: list[tuple[str, list[float]]] = []
    with contextlib.ExitStack() as stack:
        sqlite_env = {**base_env, "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}", "REDIS_URL": ""}
        shared_env = {
            **base_env,
            "DATABASE_URL": stack.enter_context(scratch_postgres_database()),
            "REDIS_URL": REDIS_URL,
        }
        services: dict[str, Service] = {}
        for name, env in (("sqlite", sqlite_env), ("shared", shared_env)):
            env.update(start_engine_side(stack, folder / name, env))
            services[name] = start_gateway(folder / f"{name}.log", env)
            stack.callback(services[name].stop)
        services["second"] = start_gateway(folder / "second.log", shared_env)
        stack.callback(services["second"].stop)

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            set_ups = [
                ("1 gateway, SQLite, no Redis", "sqlite", "sqlite", sqlite_env),
                ("1 gateway, PostgreSQL + Redis", "shared", "shared", shared_env),
                ("2 gateways, PostgreSQL + Redis (via pub/sub)", "shared", "second", shared_env),
            ]
            for name, citizen_at, agent_at, env in set_ups:
                page = await browser.new_page()
                await open_inbox(page, services[agent_at].url, await add_colleague(env["DATABASE_URL"]))
                results.append(
                    (name, await measure(page, services[citizen_at].url, services[agent_at].url, args.messages))
                )
                await page.close()
            await browser.close()

    print("\nCitizen's message → shown in the colleague's inbox (headless Chromium), ms")
    print(f"{'set-up':<46} {'msgs':>5} {'p50':>9} {'p95':>9} {'max':>9}")
    for name, latencies in results:
        print(row(name, latencies))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # A chat session may send 20 messages a minute (bot/throttle.py); more would be refused.
    parser.add_argument("--messages", type=int, default=18, choices=range(1, 20), metavar="1-19")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
