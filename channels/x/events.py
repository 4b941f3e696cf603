"""Account Activity API deliveries (and polled mentions) as citizen messages.

X delivers the account's own tweets and direct messages too; those are
skipped, as are retweets and tweets that do not address the account.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Iterable, Mapping, Optional

from bot.messages import IncomingMessage
from channels.platform import PlatformEvent, clipped, from_epoch, text_field

CHANNEL = "x"
LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")


def parse_delivery(data: dict[str, Any]) -> list[PlatformEvent]:
    own_id = str(data["for_user_id"])
    tweets = (tweet_event(tweet, own_id) for tweet in data.get("tweet_create_events", ()))
    users = data.get("users") or {}
    messages = (dm_event(event, own_id, users) for event in data.get("direct_message_events", ()))
    return [event for event in (*tweets, *messages) if event is not None]


def tweet_event(tweet: dict[str, Any], own_id: str) -> Optional[PlatformEvent]:
    """A mention or a reply to the account (X's v1.1 tweet object)."""
    user = tweet["user"]
    author = str(user["id_str"])
    mentioned = {str(m["id_str"]) for m in (tweet.get("entities") or {}).get("user_mentions", ())}
    addressed = own_id in mentioned or str(tweet.get("in_reply_to_user_id_str")) == own_id
    if author == own_id or "retweeted_status" in tweet or not addressed:
        return None
    text = text_field((tweet.get("extended_tweet") or {}).get("full_text"), "full_text") or text_field(
        tweet["text"], "text"
    )
    return public_event(str(tweet["id_str"]), author, text, _tweet_time(tweet), str(user.get("name") or ""))


def public_event(tweet_id: str, author: str, text: str, sent_at: datetime, display_name: str) -> PlatformEvent:
    message = IncomingMessage(
        channel=CHANNEL,
        sender=author,
        text=clipped(LEADING_MENTIONS.sub("", text).strip()),
        metadata={"display_name": display_name},
        platform_message_id=tweet_id,
        public=True,
    )
    return PlatformEvent(message, sent_at, {"tweet_id": tweet_id})


def dm_event(event: dict[str, Any], own_id: str, users: Mapping[str, Any]) -> Optional[PlatformEvent]:
    if event.get("type") != "message_create":
        return None
    created = event["message_create"]
    sender = str(created["sender_id"])
    if sender == own_id:
        return None
    data = created["message_data"]
    quick_reply = data.get("quick_reply_response") or {}
    message = IncomingMessage(
        channel=CHANNEL,
        sender=sender,
        text=clipped(text_field(data.get("text"), "text")),
        payload=text_field(quick_reply.get("metadata"), "quick_reply_response.metadata") or None,
        metadata={"display_name": str((users.get(sender) or {}).get("name") or "")},
        platform_message_id=str(event["id"]),
    )
    return PlatformEvent(message, from_epoch(int(event["created_timestamp"]) / 1000))


def polled_events(tweets: Iterable[Any], authors: Mapping[str, Any], own_id: str) -> list[PlatformEvent]:
    """Mentions from ``get_users_mentions`` (v2 tweet objects), oldest first."""
    events = []
    for tweet in sorted(tweets, key=lambda t: int(t.id)):
        author = str(tweet.author_id)
        if author == own_id:
            continue
        user = authors.get(author)
        events.append(public_event(str(tweet.id), author, tweet.text, tweet.created_at, user.name if user else ""))
    return events


def _tweet_time(tweet: dict[str, Any]) -> datetime:
    if "timestamp_ms" in tweet:
        return from_epoch(int(tweet["timestamp_ms"]) / 1000)
    return parsedate_to_datetime(tweet["created_at"])
