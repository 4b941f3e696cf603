"""Road works and diversions, answered from the road works feed."""

from __future__ import annotations

from datetime import date
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import asked_text, local_now, say
from actions.services import WithServices
from bot.content.feed import FeedUnavailable
from bot.content.roadworks import RoadWork, works_named
from bot.dates import day_label
from bot.reports.places import Gazetteer

TOPIC = "road_diversion"


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
        topics = self.services.topics
        try:
            works = await self.services.roadworks.get()
        except FeedUnavailable:
            say(dispatcher, topics.text(TOPIC, "unavailable"))
            return []
        text, today = asked_text(tracker), local_now(self.services).date()
        named = works_named(works, text, today)
        for work in named:
            say(dispatcher, self._describe(work, today))
        if named:
            return []
        street = _street_named(self.services.reports.places, tracker, text)
        current = [work for work in works if work.current(today)]
        if street:
            say(dispatcher, topics.text(TOPIC, "unknown_street", street=street))
        elif current:
            streets = ", ".join(sorted({work.street for work in current}))
            say(dispatcher, topics.text(TOPIC, "overview", streets=streets))
        else:
            say(dispatcher, topics.text(TOPIC, "none"))
        return []

    def _describe(self, work: RoadWork, today: date) -> str:
        topics = self.services.topics
        until = (
            topics.text(TOPIC, "until_date", day=day_label(work.until, today))
            if work.until
            else topics.text(TOPIC, "until_unknown")
        )
        return topics.text(TOPIC, "found", street=work.street, what=work.what, until=until, detour=work.detour).strip()
