"""Handing the conversation to a colleague, the second miss in a row, and the
citizen's rating of a colleague's help afterwards."""

from __future__ import annotations

import logging
from typing import Any, Mapping, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.answers import language_of
from actions.emergency import may_be_emergency
from actions.services import Services, WithServices
from bot.clock import utcnow
from bot.contract import NOT_GUESSED, REASON_FOR_INTENT, Entity, HandoffReason, Intent, Slot
from bot.webcare.hours import TeamHours

logger = logging.getLogger(__name__)

# "Bedoel je …?" offers at most this many topics, each at least this likely.
MAX_GUESSES = 3
MIN_GUESS_CONFIDENCE = 0.05


def hand_off(services: Services, dispatcher: CollectingDispatcher, reason: str, language: str) -> list[dict[str, Any]]:
    """Tell the citizen who answers and when, and pause the bot.

    The gateway sees the paused tracker and queues the conversation in the
    webcare inbox with ``reason``; from then on the bot stays silent.
    """
    settings = services.webcare
    hours, now = TeamHours(settings), utcnow()
    if hours.is_open(now):
        dispatcher.utter_message(response="utter_handoff_open", wait_minutes=settings.typical_wait_minutes)
    else:
        when = hours.when(now, hours.next_opening(now), language)
        dispatcher.utter_message(response="utter_handoff_closed", next_open=when)
    return [SlotSet(Slot.HANDOFF_REASON, reason), ConversationPaused()]


def previous_user_intent(tracker: Tracker) -> Optional[str]:
    """The intent of the citizen's message before the latest one."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    return ((users[-2].get("parse_data") or {}).get("intent") or {}).get("name")


class ActionHandoff(WithServices, Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reason = REASON_FOR_INTENT.get(intent or "")
        if reason is None:
            # "Ja, graag" to a colleague the bot offered.
            reason = (
                HandoffReason.SOCIAL_SUPPORT
                if previous_user_intent(tracker) == Intent.SOCIAL_SUPPORT
                else HandoffReason.OFFER_ACCEPTED
            )
        return hand_off(self.services, dispatcher, reason, language_of(tracker))


def likely_topics(ranking: list[dict[str, Any]], labels: Mapping[str, str], limit: int = MAX_GUESSES) -> list[str]:
    """The intents the bot hesitated between, most likely first, that a citizen
    can choose by name (``labels``). None for gibberish: the unknown-words check
    then put nlu_fallback on top with full confidence, and the ranking means nothing."""
    if ranking and ranking[0].get("name") == Intent.NLU_FALLBACK and ranking[0].get("confidence", 0) >= 1.0:
        return []
    return [
        entry["name"]
        for entry in ranking
        if entry.get("name") in labels
        and entry["name"] not in NOT_GUESSED
        and entry.get("confidence", 0) >= MIN_GUESS_CONFIDENCE
    ][:limit]


class ActionFallback(WithServices, Action):
    """A message that may be an emergency is told to call 112 first. Else the
    first miss asks "Bedoel je …?" with the likeliest topics as buttons (or to
    rephrase, when there are none), or "Wil je dit melden?" when the engine saw a
    description of something in public space; a second miss in a row goes to a
    colleague."""

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if may_be_emergency(tracker.latest_message.get("intent_ranking") or []):
            dispatcher.utter_message(response="utter_maybe_emergency")
            return []
        if previous_user_intent(tracker) == Intent.NLU_FALLBACK:
            dispatcher.utter_message(response="utter_handoff_fallback")
            return hand_off(self.services, dispatcher, HandoffReason.FALLBACK, language_of(tracker))
        if tracker.latest_message.get("report_category"):
            # The engine's category model named kinds for it: probably a report it could not place.
            dispatcher.utter_message(response="utter_offer_report")
            return []
        settings = self.services.webcare
        guesses = likely_topics(tracker.latest_message.get("intent_ranking") or [], settings.topic_labels)
        if not guesses:
            dispatcher.utter_message(response="utter_default")
            return []
        buttons = [{"title": settings.topic_label(intent), "payload": f"/{intent}"} for intent in guesses]
        buttons.append({"title": self.services.profile.text("colleague_button"), "payload": f"/{Intent.HUMAN_HANDOFF}"})
        dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
        return []


class ActionRateService(WithServices, Action):
    def name(self) -> str:
        return "action_rate_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        rating = next(tracker.get_latest_entity_values(Entity.RATING), None)
        if rating is None or not str(rating).strip().isdigit() or not 1 <= int(rating) <= 5:
            dispatcher.utter_message(response="utter_rating_unknown")
            return []
        try:
            await self.services.handoffs.rate(tracker.sender_id, int(rating))
        except SQLAlchemyError:
            # The thanks is honest either way: the rating is a nicety, not the citizen's case.
            logger.exception("rating of conversation %s not stored", tracker.sender_id)
        dispatcher.utter_message(response="utter_rating_thanks")
        return []
