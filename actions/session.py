"""Starting a conversation session with what the channel told us about the citizen."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

MAX_NAME_LENGTH = 40


class ActionSessionStart(Action):
    """Rasa's session start, plus the citizen's first name from the channel's metadata."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        # Slots of the previous session survive (carry_over_slots_to_new_session).
        events.extend(
            SlotSet(name, value)
            for name, value in tracker.slots.items()
            if value is not None and name != "session_started_metadata"
        )
        metadata = tracker.get_slot("session_started_metadata") or {}
        first_name = metadata.get("first_name")
        if isinstance(first_name, str) and first_name.strip():
            events.append(SlotSet("first_name", first_name.strip()[:MAX_NAME_LENGTH]))
        events.append(ActionExecuted("action_listen"))
        return events
