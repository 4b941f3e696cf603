"""What the citizen's latest message offers to a report being made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from rasa_sdk import Tracker

from bot.contract import REPORT_ANSWER_INTENTS, Slot
from bot.media import photo_ids

# Below this, a different intent is more likely a misread answer than a new question.
CHANGE_OF_SUBJECT_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Turn:
    text: str
    intent: Optional[str]
    confidence: float
    entities: dict[str, str]
    suggestion: Optional[dict[str, Any]]
    metadata: dict[str, Any]
    requested: Optional[str]

    @classmethod
    def of(cls, tracker: Tracker) -> "Turn":
        message = tracker.latest_message or {}
        intent = message.get("intent") or {}
        return cls(
            text=(message.get("text") or "").strip(),
            intent=intent.get("name"),
            confidence=float(intent.get("confidence") or 0.0),
            entities={e["entity"]: str(e.get("value")) for e in message.get("entities") or []},
            suggestion=message.get("report_category"),
            metadata=message.get("metadata") or {},
            requested=tracker.get_slot(Slot.REQUESTED),
        )

    @property
    def changes_subject(self) -> bool:
        """The citizen asks something else (a question, stop, an emergency)."""
        return (
            self.intent is not None
            and self.intent not in REPORT_ANSWER_INTENTS
            and self.confidence >= CHANGE_OF_SUBJECT_CONFIDENCE
        )

    @property
    def typed(self) -> bool:
        """Typed by the citizen, not a button's payload."""
        return bool(self.text) and not self.text.startswith("/")

    @property
    def is_public(self) -> bool:
        return bool(self.metadata.get("public"))

    @property
    def shared_location(self) -> Optional[dict[str, Any]]:
        location = self.metadata.get("location")
        return location if isinstance(location, dict) else None

    @property
    def photo_ids(self) -> list[str]:
        return photo_ids(self.metadata.get("attachments"))
