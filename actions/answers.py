"""Answers from the topic files (content/topics/), and what the topic actions share."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.services import Services, WithServices
from bot.clock import utcnow
from bot.contract import Language


def say(dispatcher: CollectingDispatcher, text: str, short: str = "") -> None:
    """One message; ``short`` is the version a channel posts in public (a tweet)."""
    if short:
        dispatcher.utter_message(text=text, json_message={"short": short})
    else:
        dispatcher.utter_message(text=text)


def asked_text(tracker: Tracker) -> str:
    """What the citizen typed. After a button ("/events" from "Bedoel je…?") that
    is the message before it: "zaterdag" or "Westerstraat" was said there."""
    texts = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    typed = [text for text in texts if text and not text.startswith("/")]
    if texts and texts[-1].startswith("/") and typed:
        return typed[-1]
    return texts[-1] if texts else ""


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def language_of(tracker: Tracker) -> str:
    """The language the gateway answers the latest message in (bot/language.py)."""
    metadata = tracker.latest_message.get("metadata") or {}
    return str(metadata.get(Language.METADATA_KEY) or Language.DUTCH)


def local_now(services: Services) -> datetime:
    return utcnow().astimezone(services.webcare.timezone)


class ActionAnswerTopic(WithServices, Action):
    """The topic file's answer for the citizen's intent: full in chat, short in public."""

    def name(self) -> str:
        return "action_answer_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        answer = self.services.topics.answer(latest_intent(tracker) or "", language_of(tracker))
        say(dispatcher, answer.text, answer.short)
        return []
