"""What citizens notice of a model promotion: reply latency while the gateway
swaps models, side by side with the same load without a swap.

The real model answers four conversations at once in-process (as in the
engine service; run it in the engine's environment); a quarter into the second phase the engine swaps to a copy of
the model under another name, exactly as a promotion does, and the phase goes
on until the swap is done. Printed: replies,
failures, p50/p95/max latency per phase, and how long the swap took.

    .venv-engine/bin/python bench/model_swap.py [--seconds 20] [--conversations 4]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report_throughput import percentile

from bot.engine.rasa_agent import RasaAgentEngine
from bot.engine.wire import EngineTurn
from bot.logs import configure_logging
from bot.training import ModelFiles, train_if_changed
from tests.conftest import make_settings
from tests.support import ROOT

# Answered by the domain's responses alone: no action server needed.
CONVERSATION_LENGTH = 8
TEXTS = ("hallo", "dank je wel", "ben jij een robot?", "doei", "goedemorgen", "top, bedankt")


async def load(
    engine: RasaAgentEngine, seconds: float, conversations: int, until: Optional[asyncio.Event] = None
) -> tuple[list[float], int]:
    """Conversations writing for ``seconds``, and on until ``until`` is set."""
    latencies: list[float] = []
    failures = 0
    deadline = time.monotonic() + seconds

    async def conversation(number: int) -> None:
        nonlocal failures
        sender, turn = "", 0
        while time.monotonic() < deadline or (until is not None and not until.is_set()):
            if turn % CONVERSATION_LENGTH == 0:  # a new citizen: trackers stay short, as in real use
                sender = uuid.uuid4().hex
            started = time.perf_counter()
            try:
                result = await engine.handle(
                    sender, EngineTurn(TEXTS[(turn + number) % len(TEXTS)], "rest", {})
                )
                if not result.replies:
                    failures += 1
            except Exception:  # noqa: BLE001 - a failure is what we count
                failures += 1
            latencies.append((time.perf_counter() - started) * 1000)
            turn += 1
            # In-process Rasa without an action server never waits on I/O; a
            # gateway does between messages (the citizen's socket), so yield here.
            await asyncio.sleep(0)

    await asyncio.gather(*(conversation(n) for n in range(conversations)))
    return latencies, failures


def row(name: str, latencies: list[float], failures: int) -> str:
    return (
        f"{name:<22} {len(latencies):>7} {failures:>7} {statistics.median(latencies):>8.1f} "
        f"{percentile(latencies, 95):>8.1f} {max(latencies):>8.1f}"
    )


async def main(seconds: float, conversations: int) -> None:
    model = train_if_changed(ROOT, ModelFiles(ROOT / "models"))
    with tempfile.TemporaryDirectory() as folder:
        promoted = Path(folder) / "dorpspomp-promoted.tar.gz"
        shutil.copy(model, promoted)
        engine = await RasaAgentEngine.load(model, make_settings("sqlite://"), retention_days=90)
        await load(engine, 2, conversations)  # warm-up
        steady = await load(engine, seconds, conversations)

        swap_took: list[float] = []
        swapped = asyncio.Event()

        async def swap_after_a_while() -> None:
            await asyncio.sleep(seconds / 4)
            started = time.perf_counter()
            await engine.swap(promoted)
            swap_took.append(time.perf_counter() - started)
            swapped.set()

        during, _ = await asyncio.gather(load(engine, seconds, conversations, swapped), swap_after_a_while())
        assert await engine.model_version() == promoted.name
    print(f"model {model.name}, {conversations} conversations at once, {seconds:.0f} s per phase")
    print(f"{'phase':<22} {'replies':>7} {'failed':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    print(row("no swap (baseline)", *steady))
    print(row("swap during the phase", *during))
    print(f"the swap took {swap_took[0]:.1f} s under this load (the model is loaded in a thread while the")
    print("loop keeps answering; the phase lasts until the swap is done)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--conversations", type=int, default=4)
    arguments = parser.parse_args()
    configure_logging("WARNING")
    asyncio.run(main(arguments.seconds, arguments.conversations))
