"""Report category accuracy on held-out texts the model never saw in training.

    .venv-engine/bin/python bench/report_categories.py [held-out file]

Compares, on bench/data/report_categories_heldout.yml (or the file named):
- the trained model end to end (DIET must take the text for ``report_issue``,
  then ReportCategoryClassifier names the category), top-1 sub and main;
- a keyword baseline using the "typical words" of shared/INTENTS.md.

and prints what the dialogue makes of it (actions/report_form.py's rules):
how many texts start a report at once, how many get "Wil je dit melden?"
instead of "I don't understand", and the one-tap rate: the category set right
without a question, or the right one among the two or three buttons offered.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path
from typing import Callable, Optional

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.held_out import report_texts

from actions.report_form import SUB_CONFIDENCE
from actions.report_turn import likely_options
from bot.contract import Intent
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


def keyword_guess(text: str) -> Optional[str]:
    lowered = text.lower()
    for code, words in KEYWORDS.items():
        if any(word in lowered for word in words):
            return code
    return "overig/overig"


def score(cases: list[tuple[str, str]], guesses: list[Optional[str]]) -> tuple[float, float]:
    pairs = [(truth, g) for (_, truth), g in zip(cases, guesses, strict=True)]
    sub = sum(g == truth for truth, g in pairs)
    main = sum(g is not None and g.split("/")[0] == truth.split("/")[0] for truth, g in pairs)
    return sub / len(cases), main / len(cases)


async def model_parses(cases: list[tuple[str, str]]) -> list[dict]:
    from rasa.core.agent import load_agent

    agent = await load_agent(model_path=str(train_if_changed(ROOT, ModelFiles(ROOT / "models"))))
    return [await agent.parse_message(text) for text, _ in cases]


def one_tap(parse: dict, truth: str, categories: dict[str, str]) -> bool:
    """The dialogue reaches the right category with no tap or with one."""
    suggestion = parse.get("report_category") or {}
    if suggestion.get("code") and suggestion.get("confidence", 0) >= SUB_CONFIDENCE:
        return suggestion["code"] == truth
    return truth in likely_options(suggestion, categories)


def main() -> None:
    configure_logging("WARNING")
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else HELD_OUT
    cases = report_texts(path)
    categories = yaml.safe_load((ROOT / "municipality.yml").read_text(encoding="utf-8"))["reports"]["categories"]
    parses = asyncio.run(model_parses(cases))
    guesses: list[Optional[str]] = [(p.get("report_category") or {}).get("code") for p in parses]
    intents = Counter(p["intent"]["name"] for p in parses)
    rows: list[tuple[str, Callable[[], list[Optional[str]]]]] = [
        ("trained model (report_issue + category)", lambda: guesses),
        ("keyword baseline (INTENTS.md words)", lambda: [keyword_guess(t) for t, _ in cases]),
    ]
    print(f"{len(cases)} held-out report texts from {path.name}, {len({c for _, c in cases})} categories\n")
    print(f"{'':44} {'sub-category':>13} {'main':>8}")
    for name, guess in rows:
        sub, main_share = score(cases, guess())
        print(f"{name:44} {sub:13.1%} {main_share:8.1%}")
    started = sum(p["intent"]["name"] == Intent.REPORT_ISSUE for p in parses)
    offered = sum(p["intent"]["name"] == Intent.NLU_FALLBACK and bool(p.get("report_category")) for p in parses)
    taps = sum(one_tap(p, truth, categories) for p, (_, truth) in zip(parses, cases, strict=True))
    print(f"\nreport started at once (report_issue):         {started}/{len(cases)} = {started / len(cases):.1%}")
    print(f"offered as a report ('Wil je dit melden?'):    {offered}/{len(cases)}")
    print(f"reaches the form without a bare fallback:      {(started + offered) / len(cases):.1%}")
    print(f"right category with at most one tap:           {taps}/{len(cases)} = {taps / len(cases):.1%}")
    print("\nsub-category accuracy per category:")
    for code in sorted({c for _, c in cases}):
        mine = [(g, c) for g, (_, c) in zip(guesses, cases, strict=True) if c == code]
        print(f"  {code:30} {sum(g == c for g, c in mine)}/{len(mine)}")
    print(f"\nintents the model gave the held-out reports: {dict(intents)}")
    misses = [(t, c, g) for (t, c), g in zip(cases, guesses, strict=True) if g != c]
    for text, truth, guess in misses:
        print(f"  miss: {text!r}: {truth} → {guess}")


if __name__ == "__main__":
    main()
