"""The bot's own answer to a message, offered to a colleague to use or edit.

It is the response the domain has for the intent the engine recognised
(``utter_<intent>``), with the profile's facts filled in: what the bot would
have said had it not handed the conversation over.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

from bot.profile import MunicipalityProfile
from bot.yaml_files import read_yaml

# Intents whose answer is not named after them.
RESPONSE_FOR_INTENT = {"bot_challenge": "utter_iamabot", "nlu_fallback": None}


class Suggestions:
    def __init__(self, domain_path: Path, profile: MunicipalityProfile) -> None:
        # Only the responses: Rasa's Domain.load would validate the whole domain's schema.
        self._responses = read_yaml(domain_path).get("responses") or {}
        self._nlg = TemplatedNaturalLanguageGenerator(self._responses)
        self._facts = dict(profile.facts)

    def for_intent(self, intent: Optional[str], first_name: Optional[str] = None) -> Optional[str]:
        if not intent:
            return None
        response = RESPONSE_FOR_INTENT.get(intent, f"utter_{intent}")
        if response is None or response not in self._responses:
            return None
        hello_name = f" {first_name}" if first_name else ""
        generated = self._nlg.generate_from_slots(response, {**self._facts, "hello_name": hello_name}, "webcare")
        return (generated or {}).get("text") or None
