"""The bot's own answer to a message, offered to a colleague to use or edit.

It is the response the domain has for the intent the engine recognised
(``utter_<intent>``), with the profile's facts filled in: what the bot would
have said had it not handed the conversation over.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping, Optional

from bot.profile import MunicipalityProfile
from bot.yaml_files import read_yaml

# Intents whose answer is not named after them.
RESPONSE_FOR_INTENT = {"bot_challenge": "utter_iamabot", "nlu_fallback": None}
# Rasa's placeholder syntax in domain responses: "{name}".
PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")


def fill_placeholders(text: str, values: Mapping[str, Any]) -> str:
    """``text`` with each known ``{name}`` replaced; an unknown one stays for the colleague to see."""
    return PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), match.group(0))), text)


class Suggestions:
    def __init__(self, domain_path: Path, profile: MunicipalityProfile) -> None:
        # Only the responses: the gateway never loads Rasa's Domain.
        self._responses: Mapping[str, Any] = read_yaml(domain_path).get("responses") or {}
        self._facts = dict(profile.facts)

    def for_intent(self, intent: Optional[str], first_name: Optional[str] = None) -> Optional[str]:
        if not intent:
            return None
        response = RESPONSE_FOR_INTENT.get(intent, f"utter_{intent}")
        variants = self._responses.get(response) if response else None
        # The first variant: a colleague sees the same suggestion every time.
        text = (variants[0].get("text") if variants else None) or ""
        if not text:
            return None
        hello_name = f" {first_name}" if first_name else ""
        return fill_placeholders(text, {**self._facts, "hello_name": hello_name}) or None
