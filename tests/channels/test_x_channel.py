"""X through tweepy's AsyncClient against a local X API: the CRC check,
signatures, threaded public replies within 280, the move to direct messages,
rate limits and mention polling."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import subprocess
import time

from twitter_text import parse_tweet

from bot.gateway import CHANNELS
from bot.messages import Reply
from bot.outgoing.deliveries import DeliveryStore
from bot.singletons import OnlyProcess
from bot.store import Database
from bot.store.channel_state import ChannelStateStore
from channels.x.events import CHANNEL
from channels.x.polling import SINCE_KEY, MentionPoller
from tests.platform_payloads import (
    X_ACCOUNT_ID,
    X_CONSUMER_SECRET,
    body,
    next_id,
    x_direct_message,
    x_mention,
    x_own_tweet,
    x_signature,
)
from tests.platforms import Platforms, until
from tests.support import BIN, project_municipality

LONG_ANSWER = (
    "Een nieuw paspoort vraag je aan bij de balie in het stadhuis. Maak eerst een afspraak. "
    "Neem een pasfoto mee die niet ouder is dan zes maanden, en je oude paspoort. "
    "Voor volwassenen kost het 84,70 euro. Het is na vijf werkdagen klaar en je haalt het zelf op. "
    "Kun je niet wachten? Dan kan een spoedaanvraag, met een toeslag. 🛂"
)


async def post(platforms: Platforms, delivery: dict, signature: str | None = None) -> int:
    raw = body(delivery)
    headers = {"Content-Type": "application/json", "x-twitter-webhooks-signature": signature or x_signature(raw)}
    response = await platforms.client.post("/webhooks/x", data=raw, headers=headers)
    return response.status


async def test_the_crc_challenge_is_answered_with_the_hmac_of_the_token(platforms: Platforms) -> None:
    response = await platforms.client.get("/webhooks/x", params={"crc_token": "challenge-123"})
    expected = base64.b64encode(hmac.new(X_CONSUMER_SECRET.encode(), b"challenge-123", hashlib.sha256).digest())
    assert await response.json() == {"response_token": "sha256=" + expected.decode()}
    assert (await platforms.client.get("/webhooks/x")).status == 400


async def test_a_mention_gets_one_threaded_public_reply(platforms: Platforms) -> None:
    delivery = x_mention("hoi, hoe laat is het stadhuis open?")
    tweet_id = delivery["tweet_create_events"][0]["id_str"]
    assert await post(platforms, delivery) == 200
    await until(lambda: platforms.fakes.x.tweets)
    [tweet] = platforms.fakes.x.tweets
    assert tweet["reply"] == {"in_reply_to_tweet_id": tweet_id}
    assert tweet["text"] == "Je zei: hoi, hoe laat is het stadhuis open? Nog iets?"
    message = platforms.engine.calls[-1][1]
    assert message.public and message.text == "hoi, hoe laat is het stadhuis open?"


async def test_a_long_answer_fits_in_280_weighted_with_the_link(platforms: Platforms) -> None:
    x = platforms.client.app[CHANNELS].get("x")
    event = x.events(x_mention("paspoort verlengen?"))[0]
    [item] = x.render(event, [Reply(LONG_ANSWER)])
    assert parse_tweet(item["text"]).weightedLength <= 280
    assert item["text"].endswith(" https://www.voorbeeldstad.nl")
    assert item["text"].startswith("Een nieuw paspoort vraag je aan bij de balie in het stadhuis.")


async def test_an_answer_with_a_short_version_is_tweeted_short(platforms: Platforms) -> None:
    x = platforms.client.app[CHANNELS].get("x")
    event = x.events(x_mention("wat kost een paspoort?"))[0]
    short = "Een paspoort kost € 84,45. Maak een afspraak. https://www.voorbeeldstad.nl/paspoort"
    [item] = x.render(event, [Reply(LONG_ANSWER, short=short)])
    assert item["text"] == short
    dm = x.events(x_direct_message("wat kost een paspoort?"))[0]
    assert [piece["text"] for piece in x.render(dm, [Reply(LONG_ANSWER, short=short)])] == [LONG_ANSWER]


async def test_a_report_in_public_moves_to_a_direct_message(platforms: Platforms) -> None:
    delivery = x_mention("ik wil iets melden", author_id="3300000001")
    await post(platforms, delivery)
    await until(lambda: platforms.fakes.x.tweets and platforms.fakes.x.direct_messages)
    [tweet] = platforms.fakes.x.tweets
    assert "privébericht" in tweet["text"] and "Waar is het" not in tweet["text"]
    [(participant, dm)] = platforms.fakes.x.direct_messages
    assert participant == "3300000001"
    assert dm["text"] == "Waar is het? Noem de straat of deel je locatie."


async def test_a_direct_message_is_answered_privately_with_the_choices_listed(platforms: Platforms) -> None:
    await post(platforms, x_direct_message("hoi", sender_id="3300000002"))
    await until(lambda: len(platforms.fakes.x.direct_messages) == 1)
    await post(platforms, x_direct_message("hoi", sender_id="3300000002"))
    await until(lambda: len(platforms.fakes.x.direct_messages) == 3)
    assert platforms.fakes.x.tweets == []
    texts = [dm["text"] for participant, dm in platforms.fakes.x.direct_messages if participant == "3300000002"]
    welcome = project_municipality().welcome
    topics = "".join(f"\n• {button.title}" for button in welcome.topics)
    # The first message of the conversation is answered by the welcome, its topics listed.
    assert texts == [f"{welcome.wordings[0]}\n{topics}", "Je zei: hoi\n\n• Ja", "Nog iets?"]


async def test_our_own_tweets_and_messages_are_not_answered(platforms: Platforms) -> None:
    await platforms.returning("x", "3300000003")
    assert await post(platforms, x_own_tweet("Het stadhuis is morgen gesloten.")) == 200
    assert await post(platforms, x_direct_message("Je zei: hoi", sender_id=X_ACCOUNT_ID)) == 200
    await post(platforms, x_direct_message("hoi", sender_id="3300000003"))
    await until(lambda: len(platforms.fakes.x.direct_messages) == 2)
    assert [m.sender for _, m in platforms.engine.calls] == ["3300000003"]


async def test_a_forged_signature_is_refused(platforms: Platforms) -> None:
    assert await post(platforms, x_mention("hoi"), signature=x_signature(b"other body")) == 403
    raw = body(x_mention("hoi"))
    assert (await platforms.client.post("/webhooks/x", data=raw)).status == 401
    assert platforms.engine.calls == []


async def test_a_rate_limit_is_waited_out_until_its_reset(platforms: Platforms) -> None:
    reset = {"x-rate-limit-reset": str(int(time.time()) + 1), "x-rate-limit-remaining": "0"}
    platforms.fakes.x.fail_next(1, status=429, path_contains="/2/tweets", headers=reset)
    await post(platforms, x_mention("hoi"))
    await until(lambda: platforms.fakes.x.tweets)
    assert len(platforms.fakes.x.tweets) == 1


async def test_a_refused_message_is_marked_failed_and_visible(platforms: Platforms) -> None:
    await platforms.returning("x", "3300000004")
    refused = {"title": "Forbidden", "detail": "You cannot send messages to this user.", "status": 403}
    platforms.fakes.x.fail_next(1, status=403, path_contains="/dm_conversations", body=refused)
    await post(platforms, x_direct_message("hoi", sender_id="3300000004"))
    database = Database(platforms.database_url)
    store = DeliveryStore(database)
    try:
        await until(store.failed)
        [failed] = await store.failed()
    finally:
        await database.close()
    assert failed.channel == "x" and "403" in (failed.last_error or "")
    assert failed.sent == 0 and failed.items[0]["text"] == "Je zei: hoi\n\n• Ja"
    assert platforms.fakes.x.direct_messages == []
    # A person sees it and, once the citizen allows messages, sends it again.
    env = {**os.environ, "DATABASE_URL": platforms.database_url}
    listing = await asyncio.to_thread(
        subprocess.run, [str(BIN / "dorpspomp"), "deliveries"], env=env, capture_output=True, text=True, check=True
    )
    assert f"{failed.id:>6}  x " in listing.stdout and "1 delivery(ies) a platform refused" in listing.stdout
    retry = [str(BIN / "dorpspomp"), "deliveries", "--retry", str(failed.id)]
    await asyncio.to_thread(subprocess.run, retry, env=env, capture_output=True, check=True)
    await until(lambda: len(platforms.fakes.x.direct_messages) == 2)


async def test_polling_answers_each_mention_once_across_restarts(platforms: Platforms) -> None:
    fake = platforms.fakes.x
    fake.users["3300000005"] = {"id": "3300000005", "name": "Piet", "username": "piet"}
    mention = lambda tweet_id, text: {  # noqa: E731
        "id": tweet_id,
        "text": f"@voorbeeldstad {text}",
        "author_id": "3300000005",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "edit_history_tweet_ids": [tweet_id],
    }
    # Ids unique to this run, as X's are.
    old, first, second = (str(int(next_id()) * 1000 + i) for i in range(3))
    fake.mentions.append(mention(old, "oude vraag van vorige week"))
    x = platforms.client.app[CHANNELS].get("x")
    database = Database(platforms.database_url)
    memory = ChannelStateStore(database)
    first_run = MentionPoller(x, x.client, X_ACCOUNT_ID, memory, OnlyProcess())
    assert await first_run.poll_once() == 0  # the history is noted, not answered
    fake.mentions += [mention(first, "hoi"), mention(second, "nog een vraag")]
    assert await first_run.poll_once() == 2
    after_restart = MentionPoller(x, x.client, X_ACCOUNT_ID, memory, OnlyProcess())
    assert await after_restart.poll_once() == 0
    assert await memory.get(CHANNEL, SINCE_KEY) == second
    await database.close()
    await until(lambda: len(fake.tweets) == 2)
    assert {t["reply"]["in_reply_to_tweet_id"] for t in fake.tweets} == {first, second}
    assert [m.text for _, m in platforms.engine.calls] == ["hoi", "nog een vraag"]
