"""Rasa's response generator, with the municipality profile's facts as placeholders.

Configured in ``endpoints.yml`` (``nlg: type: bot.engine.nlg.ProfileResponseGenerator``)
so that ``rasa shell`` and ``rasa run`` speak with the same facts as the gateway.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.profile import load_profile


class ProfileResponseGenerator(TemplatedNaturalLanguageGenerator):
    """Fills ``{placeholders}`` in domain responses from profile facts and slots."""

    def __init__(self, endpoint_config: EndpointConfig, domain: Domain) -> None:
        super().__init__(domain.responses)
        path = (
            os.environ.get("MUNICIPALITY_PROFILE")
            or endpoint_config.kwargs.get("profile")
            or "municipality.yml"
        )
        self.facts = dict(load_profile(Path(path)).facts)

    async def generate(
        self,
        utter_action: Text,
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        slots = _present(tracker.current_slot_values())
        # "Hoi{hello_name}!" reads "Hoi Anna!" when the channel gave a name, else "Hoi!".
        hello_name = f" {slots['first_name']}" if slots.get("first_name") else ""
        values = {**self.facts, **slots, "hello_name": hello_name}
        return self.generate_from_slots(utter_action, values, output_channel, **kwargs)


def _present(slots: Dict[Text, Any]) -> Dict[Text, Any]:
    # An unset slot must not blank out a fact of the same name.
    return {name: value for name, value in slots.items() if value is not None}
