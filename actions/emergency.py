"""Whether a message may be an emergency although the model did not take it for one.

A citizen who writes "er ligt een auto in de sloot" or "bij de speeltuin ligt
een man op de grond" may need 112 now. When the emergency intent is among the
model's first guesses, the bot names 112 before anything else: a needless word
about 112 costs little, a report form for a car with people in it a lot.
"""

from __future__ import annotations

from typing import Any

from bot.contract import Intent

GUESSES = 3
MIN_CONFIDENCE = 0.1


def may_be_emergency(ranking: list[dict[str, Any]]) -> bool:
    """The emergency intent among the first guesses of ``ranking`` (Rasa's
    intent_ranking, the fallback's verdict left out), at least MIN_CONFIDENCE likely."""
    guesses = [entry for entry in ranking if entry.get("name") != Intent.NLU_FALLBACK][:GUESSES]
    return any(
        entry.get("name") == Intent.EMERGENCY and entry.get("confidence", 0) >= MIN_CONFIDENCE for entry in guesses
    )
