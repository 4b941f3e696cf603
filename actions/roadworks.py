"""Road works and diversions, answered from the road works feed."""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import asked_text, language_of, local_now, say
from actions.services import WithServices
from bot.content.feed import FeedUnavailable
from bot.content.roadworks import TOPIC, describe, works_named
from bot.reports.places import Gazetteer


def _street_named(places: Gazetteer, tracker: Tracker, text: str) -> Optional[str]:
    """The street the citizen asks about, whether or not there is work on it."""
    entity = next(tracker.get_latest_entity_values("location"), None)
    if entity:
        return str(entity)
    place = places.find_in(text)
    return place.address if place else None


class ActionRoadDiversion(WithServices, Action):
    def name(self) -> str:
        return "action_road_diversion"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        topics, language = self.services.topics, language_of(tracker)
        try:
            works = await self.services.roadworks.get()
        except FeedUnavailable:
            say(dispatcher, topics.text(TOPIC, "unavailable", language))
            return []
        text, today = asked_text(tracker), local_now(self.services).date()
        named = works_named(works, text, today)
        for work in named:
            say(dispatcher, describe(work, today, topics, language=language))
        if named:
            return []
        street = _street_named(self.services.reports.places, tracker, text)
        current = [work for work in works if work.current(today)]
        if street:
            say(dispatcher, topics.text(TOPIC, "unknown_street", language, street=street))
        elif current:
            streets = ", ".join(sorted({work.street for work in current}))
            say(dispatcher, topics.text(TOPIC, "overview", language, streets=streets))
        else:
            say(dispatcher, topics.text(TOPIC, "none", language))
        return []
