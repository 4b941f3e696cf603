"""The Facebook channel: ``GET``/``POST /webhooks/messenger``.

Meta sends the page's Messenger conversations and the changes to its feed to
one webhook. Messenger goes through the Messenger Platform like Instagram
(channels/meta/messaging.py); comments under the page's posts are public
questions (channels/messenger/comments.py). Set ``MESSENGER_APP_SECRET``,
``MESSENGER_PAGE_TOKEN`` and ``MESSENGER_VERIFY_TOKEN``, and subscribe the
page to ``messages``, ``messaging_postbacks`` and ``feed``.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from bot.messages import Reply
from channels.base import ChannelContext
from channels.messenger.comments import parse_feed, render_public
from channels.meta.config import MetaConfig
from channels.meta.messaging import MetaMessagingChannel
from channels.platform import ColleagueNote, Notice, PlatformEvent

CHANNEL = "messenger"
REMOVED = "De inwoner heeft de Facebook-reactie verwijderd waar dit gesprek mee begon of over ging."


class MessengerChannel(MetaMessagingChannel):
    name = CHANNEL
    title = "Facebook"
    colour = "#CC79A7"
    # A lower-case f.
    icon = "M14 8h3V4h-3a4 4 0 0 0-4 4v2H7v4h3v8h4v-8h3l1-4h-4z"
    object_type = "page"

    @classmethod
    def config(cls, context: ChannelContext) -> Optional[MetaConfig]:
        return MetaConfig.from_env(context.settings.platforms, CHANNEL, "MESSENGER", "PAGE_TOKEN")

    def __init__(self, context: ChannelContext, config: MetaConfig) -> None:
        super().__init__(context, config)
        profile = context.profile
        self._continue_privately: Callable[[], str] = lambda: profile.text("facebook_continue_in_messenger")

    def events(self, data: dict[str, Any]) -> list[PlatformEvent]:
        return [*super().events(data), *parse_feed(data, self.name).comments]

    def notices(self, data: dict[str, Any]) -> list[Notice]:
        return [ColleagueNote(sender, REMOVED) for sender, _ in parse_feed(data, self.name).removed]

    def render(self, event: PlatformEvent, replies: list[Reply]) -> list[dict[str, Any]]:
        comment_id = (event.context or {}).get("comment_id")
        if comment_id is None:
            return super().render(event, replies)
        return render_public(comment_id, replies, self._continue_privately())

    async def send(self, item: dict[str, Any]) -> Optional[str]:
        if item.get("kind") != "comment":
            return await super().send(item)
        answer = await self.graph.post(f"{item['comment_id']}/comments", {"message": item["message"]})
        return None if answer.get("id") is None else str(answer["id"])
