"""Held-out report texts played as whole conversations through a running gateway.

    .venv/bin/python bench/report_reach.py [held-out file …]

Starts the gateway, the engine service and the action server on the current
model (SQLite, reports kept in Dorpspomp) and, for every text of
bench/data/report_categories_heldout.yml (or the files named), plays a citizen
who knows what kind of problem it is: says the text, says yes to "Wil je dit
melden?" (or "no emergency, report it" when the bot named 112 first), taps
their kind when it is among the buttons (else "Iets anders", then the main
category and the sub-category), names a street, sends no photo,
stays anonymous and confirms. A fallback ("Bedoel je …?" or "Sorry, dat begrijp
ik nog niet") ends the conversation: this citizen does not try again. Prints,
per file: how many reach a reference number (so, without a fallback), how many
went by "Wil je dit melden?", how many have the right kind in the summary, and
how many taps the kind took.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.held_out import report_texts

from bot.contract import SOMETHING_ELSE, Entity, Intent
from tests.support import ROOT, Service, is_response, start_engine_side, start_gateway, trained_model_for

TOKEN = "bench-token"
HELD_OUT = ROOT / "bench" / "data" / "report_categories_heldout.yml"
REFERENCE = re.compile(r"M-\d{4}-\d{6}")
MAX_TURNS = 12
CATEGORY_PAYLOAD = "/inform" + json.dumps({Entity.REPORT_CATEGORY: ""})[:-2]


def choose(code: str) -> str:
    return "/inform" + json.dumps({Entity.REPORT_CATEGORY: code}, ensure_ascii=False)


@dataclass
class Outcome:
    reference: bool = False
    fallback: bool = False
    offered: bool = False
    category_taps: int = 0
    category_right: bool = False


async def play(session: aiohttp.ClientSession, url: str, text: str, truth: str, label: str) -> Outcome:
    sender, outcome, say = f"bench-{uuid.uuid4().hex}", Outcome(), text
    for _ in range(MAX_TURNS):
        body = {"sender": sender, "message": say}
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with session.post(url + "/webhooks/rest/webhook", json=body, headers=headers) as response:
            replies = await response.json()
        said = "\n".join(r.get("text", "") for r in replies)
        payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
        last = said.splitlines()[-1] if said else ""
        if REFERENCE.search(said):
            outcome.reference = True
            return outcome
        if is_response(last, "utter_did_you_mean") or is_response(last, "utter_default"):
            outcome.fallback = True
            return outcome
        if is_response(last, "utter_offer_report") or is_response(last, "utter_maybe_emergency"):
            outcome.offered, say = True, f"/{Intent.REPORT_ISSUE}"
        elif any(p.startswith(CATEGORY_PAYLOAD) for p in payloads):
            outcome.category_taps += 1
            main = truth.split("/")[0]
            say = next(
                (p for p in (choose(truth), choose(main), choose(SOMETHING_ELSE)) if p in payloads),
                payloads[-1],
            )
        elif is_response(last, "utter_ask_report_location"):
            say = "Molenstraat 3"
        elif said.startswith("Klopt dit?") or "\nKlopt dit?" in said:
            outcome.category_right = f"• Wat: {label}\n" in said
            say = "/affirm"
        else:  # the photo and the contact questions
            say = "/deny"
    return outcome


def describe(name: str, outcomes: list[Outcome]) -> str:
    total = len(outcomes)
    reached = [o for o in outcomes if o.reference]
    taps = Counter(min(o.category_taps, 2) for o in reached)
    right = sum(o.category_right for o in reached)
    one_tap = sum(o.category_right and o.category_taps <= 1 for o in reached)
    return (
        f"{name}: {total} report texts\n"
        f"  reach a reference number                 {len(reached)}/{total} = {len(reached) / total:.1%}\n"
        f'  … after "Wil je dit melden?" or 112 first  {sum(o.offered for o in reached)}\n'
        f"  ended in a fallback                      {sum(o.fallback for o in outcomes)}\n"
        f"  answered as another topic                {sum(not o.reference and not o.fallback for o in outcomes)}\n"
        f"  right kind in the summary                {right}/{total} = {right / total:.1%}\n"
        f"  kind taps: none {taps[0]}, one {taps[1]}, two or more {taps[2]}\n"
        f"  right kind with at most one tap          {one_tap}/{total} = {one_tap / total:.1%}"
    )


async def main_async(paths: list[Path]) -> None:
    model = trained_model_for(ROOT)
    labels = yaml.safe_load((ROOT / "municipality.yml").read_text(encoding="utf-8"))["reports"]["categories"]
    folder = Path(tempfile.mkdtemp(prefix="dorpspomp-reach-"))
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'reach.sqlite3'}",
        "MEDIA_DIR": str(folder / "media"),
        "REPORTS_BACKEND": "none",
        "MODEL_DIR": str(model.parent),
        "DORPSPOMP_REST_TOKEN": TOKEN,
        "DORPSPOMP_SECRET": "bench",
        "LOG_LEVEL": "WARNING",
    }
    stack = contextlib.ExitStack()
    engine = await asyncio.to_thread(start_engine_side, stack, folder, env)
    gateway: Service = await asyncio.to_thread(start_gateway, folder / "gateway.log", {**env, **engine})
    try:
        print(f"model {model.name}\n")
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            for path in paths:
                started = time.perf_counter()
                outcomes = [
                    await play(session, gateway.url, text, truth, labels[truth]) for text, truth in report_texts(path)
                ]
                print(describe(path.name, outcomes) + f"\n  ({time.perf_counter() - started:.0f} s)\n")
    finally:
        await asyncio.to_thread(gateway.stop)
        await asyncio.to_thread(stack.close)


if __name__ == "__main__":
    asyncio.run(main_async([Path(p) for p in sys.argv[1:]] or [HELD_OUT]))
