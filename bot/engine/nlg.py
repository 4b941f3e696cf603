"""Rasa's response generator, with the municipality profile's facts as placeholders.

Configured in ``endpoints.yml`` (``nlg: type: bot.engine.nlg.ProfileResponseGenerator``)
so that ``rasa shell`` and ``rasa run`` speak with the same facts as the gateway.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.constants import SESSION_START_METADATA_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.contract import Language
from bot.profile import load_profile
from bot.settings import Settings
from bot.welcome import hello_name
from bot.yaml_files import read_yaml

logger = logging.getLogger(__name__)
# Beside domain.yml: the responses for a citizen who writes English.
ENGLISH_RESPONSES = "responses.en.yml"


class ProfileResponseGenerator(TemplatedNaturalLanguageGenerator):
    """Fills ``{placeholders}`` in domain responses from profile facts and slots."""

    def __init__(self, endpoint_config: EndpointConfig, domain: Domain) -> None:
        super().__init__(domain.responses)
        # The gateway names its profile in the endpoint; a bare `rasa run` with
        # endpoints.yml may leave it to MUNICIPALITY_PROFILE.
        given = endpoint_config.kwargs.get("profile")
        path = Path(given) if given else Settings.from_env().profile_path
        profile = load_profile(path)
        self.facts = dict(profile.facts)
        english = endpoint_config.kwargs.get("english") or Settings.from_env().root / ENGLISH_RESPONSES
        self.english = TemplatedNaturalLanguageGenerator(_english_responses(Path(english)))
        self.english_facts = dict(profile.english_facts)

    async def generate(
        self,
        utter_action: Text,
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        slots = _present(tracker.current_slot_values())
        if _language(tracker) == Language.ENGLISH and utter_action in self.english.responses:
            values = {**self.english_facts, **slots, "hello_name": _hello_name(slots)}
            return self.english.generate_from_slots(utter_action, values, output_channel, **kwargs)
        values = {**self.facts, **slots, "hello_name": _hello_name(slots)}
        return self.generate_from_slots(utter_action, values, output_channel, **kwargs)


def _english_responses(path: Path) -> Dict[Text, Any]:
    # A project without the file (one of its own domain) answers in Dutch only.
    if not path.is_file():
        logger.warning("%s is missing: every response is said in Dutch", path)
        return {}
    return dict(read_yaml(path).get("responses") or {})


def _language(tracker: DialogueStateTracker) -> Optional[str]:
    """The language the gateway answers the latest message in (bot/language.py)."""
    message = tracker.latest_message
    return (message.metadata or {}).get(Language.METADATA_KEY) if message is not None else None


def _hello_name(slots: Dict[Text, Any]) -> str:
    """The text " Anna" when the channel told us the citizen's first name, else "".

    Rasa's own session start keeps the channel's metadata in the slot
    ``session_started_metadata``; responses write "Hoi{hello_name}!".
    """
    metadata = slots.get(SESSION_START_METADATA_SLOT) or {}
    return hello_name(metadata.get("first_name") if isinstance(metadata, dict) else None)


def _present(slots: Dict[Text, Any]) -> Dict[Text, Any]:
    # An unset slot must not blank out a fact of the same name.
    return {name: value for name, value in slots.items() if value is not None}
