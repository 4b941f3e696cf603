"""What the citizen's latest message offers to a report being made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from rasa_sdk import Tracker

from bot.contract import REPORT_ANSWER_INTENTS, Intent, Slot
from bot.media import photo_ids

# Below this, a different intent is more likely a misread answer than a new question.
CHANGE_OF_SUBJECT_CONFIDENCE = 0.6
# The likeliest sub-categories offered as buttons: the two likeliest, a third
# when it is at least OPTION_MIN_CONFIDENCE likely. Offered only when together
# at least OPTIONS_MIN_TOTAL likely, else the whole tree: a wrong guess costs
# three taps against the tree's two. The model is cautious (on the held-out
# reports every set of options it was this sure of held the right one).
MIN_OPTIONS, MAX_OPTIONS = 2, 3
OPTION_MIN_CONFIDENCE = 0.05
OPTIONS_MIN_TOTAL = 0.3


def likely_options(suggestion: Mapping[str, Any], categories: Mapping[str, str]) -> list[str]:
    """The sub-categories worth offering as buttons, likeliest first, or none."""
    likely = [entry for entry in suggestion.get("likely") or [] if entry.get("code") in categories][:MAX_OPTIONS]
    chosen = likely[:MIN_OPTIONS] + [
        entry for entry in likely[MIN_OPTIONS:] if float(entry.get("confidence") or 0) >= OPTION_MIN_CONFIDENCE
    ]
    if len(chosen) < MIN_OPTIONS or sum(float(entry.get("confidence") or 0) for entry in chosen) < OPTIONS_MIN_TOTAL:
        return []
    return [str(entry["code"]) for entry in chosen]


def _user_messages(tracker: Tracker) -> list[dict[str, Any]]:
    return [e for e in tracker.events if e.get("event") == "user"]


def offered_report(tracker: Tracker) -> Optional[dict[str, Any]]:
    """The message the bot offered to take as a report ("Wil je dit melden?"), when
    the latest one is the citizen's yes: its text is the report's description."""
    users = _user_messages(tracker)
    latest = tracker.latest_message or {}
    if len(users) < 2 or not (latest.get("text") or "").startswith("/"):
        return None
    if (latest.get("intent") or {}).get("name") != Intent.REPORT_ISSUE:
        return None
    offered = users[-2].get("parse_data") or {}
    if (offered.get("intent") or {}).get("name") != Intent.NLU_FALLBACK or not offered.get("report_category"):
        return None
    return {**offered, "text": users[-2].get("text") or offered.get("text"), "metadata": latest.get("metadata")}


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
        offered = offered_report(tracker)
        message = offered or tracker.latest_message or {}
        intent: dict[str, Any] = (
            {"name": Intent.REPORT_ISSUE, "confidence": 1.0} if offered else message.get("intent") or {}
        )
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
