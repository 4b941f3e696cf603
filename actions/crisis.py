"""An ongoing incident: the notice an admin set, or the honest "we know of none"."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.answers import say
from actions.services import WithServices
from bot.content.crisis import TOPIC, notice_text


class ActionCrisisInfo(WithServices, Action):
    def name(self) -> str:
        return "action_crisis_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        topics = self.services.topics
        try:
            notice = await self.services.crisis.active()
        except SQLAlchemyError:
            notice = None  # no notice to give: the general advice and the link still help
        if notice is None:
            say(dispatcher, topics.text(TOPIC, "no_incident"), topics.short(TOPIC))
        else:
            say(dispatcher, notice_text(topics, notice))
        return []
