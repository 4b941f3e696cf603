"""Report category accuracy on held-out texts the model never saw in training.

    .venv-engine/bin/python bench/report_categories.py

Compares, on bench/data/report_categories_heldout.yml:
- the trained model end to end (DIET must take the text for ``report_issue``,
  then ReportCategoryClassifier names the category), top-1 sub and main;
- a keyword baseline using the "typical words" of shared/INTENTS.md.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path
from typing import Callable, Optional

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.logs import configure_logging
from bot.training import ModelFiles, train_if_changed

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = ROOT / "bench" / "data" / "report_categories_heldout.yml"

# The "typical words" column of shared/INTENTS.md, as a keyword matcher would use it.
KEYWORDS = {
    "afval/zwerfvuil": ["rommel", "troep", "blikjes", "plastic", "zwerfvuil", "zwerfafval"],
    "afval/dumping": ["bank op de stoep", "matras", "gedumpt", "dumping", "grofvuil"],
    "afval/container": ["container", "prullenbak", "glasbak", "afvalbak"],
    "afval/niet_opgehaald": ["kliko", "niet geleegd", "niet opgehaald"],
    "wegen/bestrating": ["gat in de weg", "tegel", "kuil", "scheur", "verzakt", "verzakking"],
    "wegen/straatverlichting": ["lantaarnpaal", "lamp", "donker", "verlichting"],
    "wegen/verkeerslicht": ["stoplicht", "verkeerslicht"],
    "wegen/verkeersbord": ["bord", "paaltje", "hek"],
    "wegen/gladheid": ["ijzel", "gestrooid", "glad"],
    "wegen/riolering": ["put", "riool", "water blijft staan"],
    "straatmeubilair/speelplaats": ["schommel", "glijbaan", "bankje", "speeltoestel"],
    "groen/boom": ["boom", "tak"],
    "groen/onderhoud": ["gras", "heg", "onkruid", "maaien", "snoeien"],
    "water/oever": ["drijfvuil", "gracht", "beschoeiing", "oever", "kade"],
    "overlast/graffiti": ["graffiti", "bekladding", "beklad", "posters", "geplakt"],
    "overlast/hondenpoep": ["hondenpoep", "poep"],
    "overlast/wrak": ["fietswrak", "weesfiets", "autowrak", "wrak"],
    "overlast/parkeren": ["op de stoep", "geparkeerd", "parkeer", "busje"],
    "dieren/ongedierte": ["ratten", "muizen", "wespennest", "wespen"],
    "dieren/dood_dier": ["dode", "dood"],
}


def held_out() -> list[tuple[str, str]]:
    data = yaml.safe_load(HELD_OUT.read_text(encoding="utf-8"))
    return [
        (line.lstrip("- ").strip(), block["metadata"]["category"])
        for block in data["nlu"]
        for line in block["examples"].strip().splitlines()
    ]


def keyword_guess(text: str) -> Optional[str]:
    lowered = text.lower()
    for code, words in KEYWORDS.items():
        if any(word in lowered for word in words):
            return code
    return "overig/overig"


def score(cases: list[tuple[str, str]], guesses: list[Optional[str]]) -> tuple[float, float]:
    sub = sum(g == truth for (_, truth), g in zip(cases, guesses))
    main = sum(g is not None and g.split("/")[0] == truth.split("/")[0] for (_, truth), g in zip(cases, guesses))
    return sub / len(cases), main / len(cases)


async def model_guesses(cases: list[tuple[str, str]]) -> tuple[list[Optional[str]], Counter[str]]:
    from rasa.core.agent import load_agent

    agent = await load_agent(model_path=str(train_if_changed(ROOT, ModelFiles(ROOT / "models"))))
    guesses, intents = [], Counter()
    for text, _ in cases:
        parsed = await agent.parse_message(text)
        intents[parsed["intent"]["name"]] += 1
        guesses.append((parsed.get("report_category") or {}).get("code"))
    return guesses, intents


def main() -> None:
    configure_logging("WARNING")
    cases = held_out()
    guesses, intents = asyncio.run(model_guesses(cases))
    rows: list[tuple[str, Callable[[], list[Optional[str]]]]] = [
        ("trained model (report_issue + category)", lambda: guesses),
        ("keyword baseline (INTENTS.md words)", lambda: [keyword_guess(t) for t, _ in cases]),
    ]
    print(f"{len(cases)} held-out report texts, {len({c for _, c in cases})} categories\n")
    print(f"{'':44} {'sub-category':>13} {'main':>8}")
    for name, guess in rows:
        sub, main_share = score(cases, guess())
        print(f"{name:44} {sub:13.1%} {main_share:8.1%}")
    print(f"\nintents the model gave the held-out reports: {dict(intents)}")
    misses = [(t, c, g) for (t, c), g in zip(cases, guesses) if g != c]
    for text, truth, guess in misses:
        print(f"  miss: {text!r}: {truth} → {guess}")


if __name__ == "__main__":
    main()
