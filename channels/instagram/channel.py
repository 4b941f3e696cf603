"""The Instagram channel: ``GET``/``POST /webhooks/instagram``.

Direct messages, replies to the municipality's stories and story mentions
arrive as private messages (webhook object ``instagram``) and are answered
through the Send API with quick replies, under the same 24-hour rule as
Messenger (channels/meta/messaging.py). Set ``INSTAGRAM_APP_SECRET``,
``INSTAGRAM_PAGE_TOKEN`` (the token of the Facebook page linked to the
Instagram account) and ``INSTAGRAM_VERIFY_TOKEN``.
"""

from __future__ import annotations

from typing import Optional

from channels.base import ChannelContext
from channels.meta.config import MetaConfig
from channels.meta.messaging import MetaMessagingChannel

CHANNEL = "instagram"


class InstagramChannel(MetaMessagingChannel):
    name = CHANNEL
    title = "Instagram"
    colour = "#D55E00"
    # A camera with rounded corners.
    icon = (
        "M7 2h10a5 5 0 0 1 5 5v10a5 5 0 0 1-5 5H7a5 5 0 0 1-5-5V7a5 5 0 0 1 5-5z"
        "m5 5a5 5 0 1 0 0 10 5 5 0 0 0 0-10zm0 2a3 3 0 1 1 0 6 3 3 0 0 1 0-6z"
    )
    object_type = "instagram"

    @classmethod
    def config(cls, context: ChannelContext) -> Optional[MetaConfig]:
        return MetaConfig.from_env(context.settings.platforms, CHANNEL, "INSTAGRAM", "PAGE_TOKEN")
