"""The X channel: ``GET``/``POST /webhooks/x`` (Account Activity API), or polling.

X checks the webhook with a CRC challenge and signs every delivery with
``x-twitter-webhooks-signature``: base64 of the HMAC-SHA256 of the raw body
under the consumer secret.

In public the bot answers in one threaded tweet within the weighted 280,
with the link to read more. A turn that touches personal data (a report's
address or contact details, a hand-off) moves to a direct message, with a
short public reply saying so; nothing the citizen said is repeated in public.
Everything sent unasked (news, a colleague's answer) goes by direct message.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

import aiohttp
import tweepy
from aiohttp import web

from bot.messages import DeliveryFailed, Reply
from bot.web.http import HttpProblem
from channels.base import ChannelContext
from channels.credentials import required
from channels.platform import PlatformChannel, PlatformEvent
from channels.render import split_text
from channels.signatures import hmac_sha256, require_signature
from channels.x.client import DEFAULT_API_URL, x_client
from channels.x.events import CHANNEL, parse_delivery
from channels.x.polling import MentionPoller
from channels.x.render import DM_LIMIT, TWEET_LIMIT, dm_text, fit_tweet, weighted_length

logger = logging.getLogger(__name__)

# X's challenge tokens are short random strings of base64 characters. Anything
# else is refused: the answer is the HMAC a delivery is signed with, so a token
# that could be a delivery body (a JSON document) would make us sign forgeries.
CRC_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{8,128}")


def _crc_token(value: Optional[str]) -> str:
    if not value or not CRC_TOKEN.fullmatch(value):
        raise HttpProblem(400, "crc_token must be 8 to 128 base64 characters")
    try:
        json.loads(value)
    except ValueError:
        return value
    raise HttpProblem(400, "crc_token must not be a JSON document")


@dataclass(frozen=True)
class XConfig:
    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str
    user_id: str
    api_url: str = DEFAULT_API_URL
    # Set for an account without webhook access: mentions are fetched this often.
    poll_seconds: Optional[float] = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Optional["XConfig"]:
        names = ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET", "X_USER_ID")
        values = required(env, CHANNEL, names)
        if values is None:
            return None
        poll = env.get("X_POLL_SECONDS")
        return cls(
            consumer_key=values["X_CONSUMER_KEY"],
            consumer_secret=values["X_CONSUMER_SECRET"],
            access_token=values["X_ACCESS_TOKEN"],
            access_token_secret=values["X_ACCESS_TOKEN_SECRET"],
            user_id=values["X_USER_ID"],
            api_url=env.get("X_API_URL", DEFAULT_API_URL).rstrip("/"),
            poll_seconds=float(poll) if poll else None,
        )


class XChannel(PlatformChannel):
    name = CHANNEL
    title = "X"
    colour = "#000000"
    # The letter X.
    icon = "M3 3h5l4.5 6L17 3h3l-6 8 7 10h-5l-5-7-5 7H3l7-9z"

    @classmethod
    def create(cls, context: ChannelContext) -> Optional["XChannel"]:
        config = XConfig.from_env(context.settings.platforms)
        return None if config is None else cls(context, config)

    def __init__(self, context: ChannelContext, config: XConfig) -> None:
        super().__init__(context)
        self._config = config
        profile = context.profile
        self._continue_in_dm: Callable[[], str] = lambda: profile.text("x_continue_in_dm")
        self._more_url = profile.website
        self.client, self._session = x_client(
            config.consumer_key, config.consumer_secret, config.access_token, config.access_token_secret, config.api_url
        )
        self._poller = MentionPoller(self, self.client, config.user_id, context.memory, context.singletons)
        self._polling: Optional[asyncio.Task[None]] = None

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/webhooks/x", self.crc), web.post("/webhooks/x", self.receive)]

    @classmethod
    def public_text_problem(cls, text: str) -> Optional[str]:
        length = weighted_length(text)
        return f"is {length} weighted characters, a tweet takes {TWEET_LIMIT}" if length > TWEET_LIMIT else None

    def reply_limit(self, public: bool) -> int:
        # What a colleague writes goes by direct message, public case or not.
        return DM_LIMIT

    def _signed(self, data: bytes) -> str:
        return "sha256=" + base64.b64encode(hmac_sha256(self._config.consumer_secret, data)).decode()

    async def crc(self, request: web.Request) -> web.Response:
        """X's challenge-response check, at registration and hourly after."""
        token = _crc_token(request.query.get("crc_token"))
        return web.json_response({"response_token": self._signed(token.encode())})

    def authenticate(self, request: web.Request, body: bytes) -> None:
        require_signature(request.headers.get("x-twitter-webhooks-signature", ""), self._signed(body))

    def events(self, data: dict[str, Any]) -> list[PlatformEvent]:
        if str(data["for_user_id"]) != self._config.user_id:
            return []  # an account of another app subscription: not ours to answer
        return parse_delivery(data)

    def render(self, event: PlatformEvent, replies: list[Reply]) -> list[dict[str, Any]]:
        message = event.message
        if not message.public:
            return self._direct_messages(message.sender, replies)
        tweet_id = (event.context or {})["tweet_id"]
        if any(reply.private for reply in replies):
            invitation = {"kind": "tweet", "text": self._continue_in_dm(), "in_reply_to": tweet_id}
            return [invitation, *self._direct_messages(message.sender, replies)]
        text = " ".join(reply.short or reply.text for reply in replies if reply.text)
        return [{"kind": "tweet", "text": fit_tweet(text, self._more_url), "in_reply_to": tweet_id}]

    async def render_push(
        self, conversation_id: str, sender: str, replies: list[Reply], from_staff: bool
    ) -> list[dict[str, Any]]:
        return self._direct_messages(sender, replies)

    @staticmethod
    def _direct_messages(recipient: str, replies: list[Reply]) -> list[dict[str, Any]]:
        return [
            {"kind": "dm", "to": recipient, "text": piece}
            for reply in replies
            for piece in split_text(dm_text(reply), DM_LIMIT)
            if piece
        ]

    async def send(self, item: dict[str, Any]) -> None:
        try:
            if item["kind"] == "tweet":
                await self.client.create_tweet(
                    text=item["text"], in_reply_to_tweet_id=item["in_reply_to"], user_auth=True
                )
            else:
                await self.client.create_direct_message(participant_id=item["to"], text=item["text"], user_auth=True)
        except tweepy.TooManyRequests as error:
            raise DeliveryFailed(str(error), True, _until(error.reset_time)) from None
        except tweepy.TwitterServerError as error:
            raise DeliveryFailed(str(error), True) from None
        except tweepy.HTTPException as error:
            raise DeliveryFailed(str(error), False) from None
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise DeliveryFailed(f"X unreachable: {error!r}", True) from None

    async def start(self) -> None:
        if self._config.poll_seconds:
            self._polling = asyncio.create_task(self._poller.run(self._config.poll_seconds))
            logger.info("x: polling mentions every %.0fs", self._config.poll_seconds)

    async def finish_answering(self, timeout: float = 30) -> None:
        if self._polling is not None:
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
        await super().finish_answering(timeout)

    async def close(self) -> None:
        await self._session.close()


def _until(reset_time: Optional[int]) -> Optional[float]:
    """Seconds until X's ``x-rate-limit-reset`` (epoch seconds)."""
    return max(0.0, reset_time - time.time()) if reset_time else None
