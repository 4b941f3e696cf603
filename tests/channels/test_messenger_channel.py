"""Messenger against a local Graph Send API: verification, signatures, batches,
quick replies, photos, the 24-hour window and retries."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.clock import utcnow
from bot.gateway import OUTREACH, ROUTER
from bot.messages import Button, Reply
from bot.store import Database
from bot.store.tables import messages
from tests.platform_payloads import (
    MESSENGER_VERIFY_TOKEN,
    body,
    messenger_batch,
    messenger_echo,
    messenger_image,
    messenger_postback,
    messenger_signature,
    messenger_text,
)
from tests.platforms import Platforms, until


async def post(platforms: Platforms, delivery: dict, signature: str | None = None) -> int:
    raw = body(delivery)
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature or messenger_signature(raw)}
    response = await platforms.client.post("/webhooks/messenger", data=raw, headers=headers)
    return response.status


def sent_to(platforms: Platforms, psid: str) -> list[dict]:
    return [m for m in platforms.fakes.graph.sent if m["recipient"]["id"] == psid]


async def test_the_subscription_check_echoes_the_challenge_for_our_token(platforms: Platforms) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": MESSENGER_VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = await platforms.client.get("/webhooks/messenger", params=query)
    assert response.status == 200 and await response.text() == "1158201444"
    response = await platforms.client.get("/webhooks/messenger", params={**query, "hub.verify_token": "guess"})
    assert response.status == 403


async def test_every_event_of_a_batch_is_answered_and_echoes_are_not(platforms: Platforms) -> None:
    delivery = messenger_batch(
        [messenger_text("psid-1", "hoi"), messenger_echo("psid-1", "Je zei: eerder")],
        [messenger_text("psid-2", "ja", quick_reply="/affirm"), messenger_postback("psid-3", "Aan de slag", "/greet")],
    )
    assert await post(platforms, delivery) == 200
    await until(lambda: all(len(sent_to(platforms, p)) == 2 for p in ("psid-1", "psid-2", "psid-3")))
    payloads = sorted((m.sender, m.engine_text) for _, m in platforms.engine.calls)
    assert payloads == [("psid-1", "hoi"), ("psid-2", "/affirm"), ("psid-3", "/greet")]
    first = sent_to(platforms, "psid-1")[0]
    assert first["messaging_type"] == "RESPONSE"
    assert first["message"] == {
        "text": "Je zei: hoi",
        "quick_replies": [{"content_type": "text", "title": "Ja", "payload": "/affirm"}],
    }


async def test_quick_replies_keep_within_messengers_limits(platforms: Platforms) -> None:
    await post(platforms, messenger_batch([messenger_text("psid-4", "hoi")]))
    await until(lambda: len(sent_to(platforms, "psid-4")) == 2)
    app = platforms.client.app
    router = app[ROUTER]
    conversation_id = await router.conversation_for("messenger", "psid-4")
    buttons = tuple(Button(f"Een heel lange knoptitel nummer {i}", f"/choice_{i}") for i in range(16))
    await app[OUTREACH].push(conversation_id, [Reply("Kies maar:", buttons=buttons)])
    await until(lambda: len(sent_to(platforms, "psid-4")) == 3)
    replies = sent_to(platforms, "psid-4")[-1]["message"]["quick_replies"]
    assert len(replies) == 13 and all(len(r["title"]) <= 20 for r in replies)
    assert replies[0]["title"] == "Een heel lange knop…"


async def test_a_photo_is_fetched_into_the_media_store(platforms: Platforms) -> None:
    await post(platforms, messenger_batch([messenger_image("psid-5", platforms.fakes.graph.url + "/cdn/photo.jpg")]))
    await until(lambda: platforms.engine.calls)
    [photo] = platforms.engine.calls[-1][1].attachments
    assert photo.url.startswith("media:") and photo.mime_type == "image/jpeg"


async def test_photos_come_only_from_metas_cdn_and_no_redirect_is_followed(platforms: Platforms) -> None:
    graph = platforms.fakes.graph.url
    elsewhere = graph.replace("127.0.0.1", "localhost")  # the same server, by a name not on the list
    for psid, url in (("psid-7", elsewhere + "/cdn/photo.jpg"), ("psid-8", graph + "/moved/photo.jpg")):
        fetched = len(platforms.fakes.graph.requests)
        await post(platforms, messenger_batch([messenger_image(psid, url), messenger_text(psid, "kapotte lamp")]))
        await until(lambda psid=psid: any(call[1].sender == psid for call in platforms.engine.calls))
        assert all(not call[1].attachments for call in platforms.engine.calls if call[1].sender == psid)
        assert ("GET", "/cdn/photo.jpg") not in platforms.fakes.graph.requests[fetched:]


async def test_forged_missing_and_legacy_signatures_are_refused(platforms: Platforms) -> None:
    delivery = messenger_batch([messenger_text("psid-6", "hoi")])
    assert await post(platforms, delivery, signature="sha256=" + "0" * 64) == 403
    raw = body(delivery)
    response = await platforms.client.post("/webhooks/messenger", data=raw)
    assert response.status == 401
    sha1_only = {"X-Hub-Signature": "sha1=" + "ab" * 20}
    response = await platforms.client.post("/webhooks/messenger", data=raw, headers=sha1_only)
    assert response.status == 401
    assert platforms.engine.calls == []


async def test_server_errors_are_retried_until_the_answer_is_sent_once(platforms: Platforms) -> None:
    platforms.fakes.graph.fail_next(2, status=500, path_contains="/me/messages")
    platforms.fakes.graph.fail_next(1, status=429, retry_after="1", path_contains="/me/messages")
    await post(platforms, messenger_batch([messenger_text("psid-7", "hoi")]))
    await until(lambda: len(sent_to(platforms, "psid-7")) == 2)
    assert [m["message"]["text"] for m in sent_to(platforms, "psid-7")] == ["Je zei: hoi", "Nog iets?"]


async def _silence(platforms: Platforms, conversation_id: str, hours: float) -> None:
    database = Database(platforms.database_url)
    async with database.transaction() as connection:
        await connection.execute(
            messages.update()
            .where(messages.c.conversation_id == conversation_id)
            .values(created_at=utcnow() - timedelta(hours=hours))
        )
    await database.close()


async def test_after_24_hours_only_a_colleague_writes_with_the_human_agent_tag(platforms: Platforms) -> None:
    await post(platforms, messenger_batch([messenger_text("psid-8", "hoi")]))
    await until(lambda: len(sent_to(platforms, "psid-8")) == 2)
    app = platforms.client.app
    router = app[ROUTER]
    conversation_id = await router.conversation_for("messenger", "psid-8")
    await _silence(platforms, conversation_id, hours=30)
    await app[OUTREACH].push(conversation_id, [Reply("Nieuws over je melding.")])
    await app[OUTREACH].push(conversation_id, [Reply("Ik heb het nagevraagd. ^AK")], staff_id=1)
    await until(lambda: len(sent_to(platforms, "psid-8")) == 3)
    staff_reply = sent_to(platforms, "psid-8")[-1]
    assert staff_reply["messaging_type"] == "MESSAGE_TAG" and staff_reply["tag"] == "HUMAN_AGENT"
    assert staff_reply["message"]["text"] == "Ik heb het nagevraagd. ^AK"
    # The bot's news was not sent outside the window; it is in the history.
    assert all("Nieuws" not in m["message"].get("text", "") for m in sent_to(platforms, "psid-8"))
    history = [turn.reply.text for turn in await router.transcript(conversation_id)]
    assert "Nieuws over je melding." in history


async def test_inside_the_window_news_goes_as_a_response(platforms: Platforms) -> None:
    await post(platforms, messenger_batch([messenger_text("psid-9", "hoi")]))
    await until(lambda: len(sent_to(platforms, "psid-9")) == 2)
    app = platforms.client.app
    router = app[ROUTER]
    conversation_id = await router.conversation_for("messenger", "psid-9")
    await app[OUTREACH].push(conversation_id, [Reply("Je melding is opgepakt.")])
    await until(lambda: len(sent_to(platforms, "psid-9")) == 3)
    assert sent_to(platforms, "psid-9")[-1]["messaging_type"] == "RESPONSE"
    assert json.dumps(sent_to(platforms, "psid-9")[-1]).count("HUMAN_AGENT") == 0
