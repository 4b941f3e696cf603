"""Facebook against a local Graph API: Messenger (verification, signatures,
batches, quick replies, photos, the 24-hour window, retries) and comments
under the page's posts (public replies, private replies, removals)."""

from __future__ import annotations

import json

from bot.gateway import OUTREACH, ROUTER
from bot.messages import Button, Reply
from bot.store import Database
from bot.webcare.notes import NoteStore
from channels.messenger.channel import REMOVED
from tests.platform_payloads import (
    MESSENGER_PAGE_ID,
    MESSENGER_VERIFY_TOKEN,
    body,
    facebook_comment,
    messenger_batch,
    messenger_echo,
    messenger_image,
    messenger_postback,
    messenger_signature,
    messenger_text,
)
from tests.platforms import Platforms, silence, until
from tests.support import ScriptedEngine, project_municipality

WELCOME = project_municipality().welcome


async def post(platforms: Platforms, delivery: dict, signature: str | None = None) -> int:
    raw = body(delivery)
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature or messenger_signature(raw)}
    response = await platforms.client.post("/webhooks/messenger", data=raw, headers=headers)
    return response.status


def sent_to(platforms: Platforms, psid: str) -> list[dict]:
    return [m for m in platforms.fakes.graph.sent if m["recipient"].get("id") == psid]


async def test_the_subscription_check_echoes_the_challenge_for_our_token(platforms: Platforms) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": MESSENGER_VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = await platforms.client.get("/webhooks/messenger", params=query)
    assert response.status == 200 and await response.text() == "1158201444"
    response = await platforms.client.get("/webhooks/messenger", params={**query, "hub.verify_token": "guess"})
    assert response.status == 403


async def test_every_event_of_a_batch_is_answered_and_echoes_are_not(platforms: Platforms) -> None:
    await platforms.returning("messenger", "psid-1", "psid-2")
    delivery = messenger_batch(
        [messenger_text("psid-1", "hoi"), messenger_echo("psid-1", "Je zei: eerder")],
        [messenger_text("psid-2", "ja", quick_reply="/affirm"), messenger_postback("psid-3", "Aan de slag", "/greet")],
    )
    assert await post(platforms, delivery) == 200
    await until(
        lambda: all(len(sent_to(platforms, p)) == 2 for p in ("psid-1", "psid-2")) and sent_to(platforms, "psid-3")
    )
    payloads = sorted((m.sender, m.engine_text) for _, m in platforms.engine.calls)
    assert payloads == [("psid-1", "hoi"), ("psid-2", "/affirm"), ("psid-3", "/greet")]
    # "Get started" opens a first conversation: the welcome with its topics, alone.
    [welcome] = sent_to(platforms, "psid-3")
    assert welcome["message"]["text"] == WELCOME.wordings[0]
    assert [q["payload"] for q in welcome["message"]["quick_replies"]] == [b.payload for b in WELCOME.topics]
    first = sent_to(platforms, "psid-1")[0]
    assert first["messaging_type"] == "RESPONSE"
    assert first["message"] == {
        "text": "Je zei: hoi",
        "quick_replies": [{"content_type": "text", "title": "Ja", "payload": "/affirm"}],
    }


async def test_quick_replies_keep_within_messengers_limits(platforms: Platforms) -> None:
    await platforms.returning("messenger", "psid-4")
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
    await platforms.returning("messenger", "psid-7")
    platforms.fakes.graph.fail_next(2, status=500, path_contains="/me/messages")
    platforms.fakes.graph.fail_next(1, status=429, retry_after="1", path_contains="/me/messages")
    await post(platforms, messenger_batch([messenger_text("psid-7", "hoi")]))
    await until(lambda: len(sent_to(platforms, "psid-7")) == 2)
    assert [m["message"]["text"] for m in sent_to(platforms, "psid-7")] == ["Je zei: hoi", "Nog iets?"]


async def test_after_24_hours_only_a_colleague_writes_with_the_human_agent_tag(platforms: Platforms) -> None:
    await platforms.returning("messenger", "psid-8")
    await post(platforms, messenger_batch([messenger_text("psid-8", "hoi")]))
    await until(lambda: len(sent_to(platforms, "psid-8")) == 2)
    app = platforms.client.app
    router = app[ROUTER]
    conversation_id = await router.conversation_for("messenger", "psid-8")
    await silence(platforms, conversation_id, hours=30)
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
    await platforms.returning("messenger", "psid-9")
    await post(platforms, messenger_batch([messenger_text("psid-9", "hoi")]))
    await until(lambda: len(sent_to(platforms, "psid-9")) == 2)
    app = platforms.client.app
    router = app[ROUTER]
    conversation_id = await router.conversation_for("messenger", "psid-9")
    await app[OUTREACH].push(conversation_id, [Reply("Je melding is opgepakt.")])
    await until(lambda: len(sent_to(platforms, "psid-9")) == 3)
    assert sent_to(platforms, "psid-9")[-1]["messaging_type"] == "RESPONSE"
    assert json.dumps(sent_to(platforms, "psid-9")[-1]).count("HUMAN_AGENT") == 0


# --- Comments under the page's posts ---


def comment_replies(platforms: Platforms, comment_id: str) -> list[str]:
    return [reply["message"] for on, reply in platforms.fakes.graph.comments if on == comment_id]


async def test_a_comment_gets_a_short_public_reply_under_it(platforms: Platforms) -> None:
    delivery = facebook_comment("fb-1", "Wanneer gaat de Kerkstraat weer open?", comment_id="500_1")
    assert await post(platforms, delivery) == 200
    await until(lambda: comment_replies(platforms, "500_1"))
    assert comment_replies(platforms, "500_1") == ["Je zei: Wanneer gaat de Kerkstraat weer open? Nog iets?"]
    [(_, message)] = platforms.engine.calls
    assert message.public and message.channel == "messenger" and message.sender == "fb-1"
    assert platforms.fakes.graph.sent == []


async def test_a_private_turn_under_a_comment_moves_to_messenger_as_one_private_reply(platforms: Platforms) -> None:
    delivery = facebook_comment("fb-2", ScriptedEngine.REPORT_TEXT, comment_id="500_2")
    assert await post(platforms, delivery) == 200
    await until(lambda: comment_replies(platforms, "500_2") and platforms.fakes.graph.sent)
    [public] = comment_replies(platforms, "500_2")
    assert "privébericht" in public and "Waar" not in public
    [private] = platforms.fakes.graph.sent
    assert private["recipient"] == {"comment_id": "500_2"}
    assert private["message"]["text"] == "Waar is het? Noem de straat of deel je locatie."


async def test_the_pages_own_comments_edits_and_likes_are_not_questions(platforms: Platforms) -> None:
    own = facebook_comment(MESSENGER_PAGE_ID, "Dank voor je vraag!")
    edited = facebook_comment("fb-3", "aangepast", verb="edited")
    liked = facebook_comment("fb-3", "")
    liked["entry"][0]["changes"][0]["value"].update(item="like")
    for delivery in (own, edited, liked):
        assert await post(platforms, delivery) == 200
    await post(platforms, messenger_batch([messenger_text("psid-10", "hoi")]))
    await until(lambda: sent_to(platforms, "psid-10"))
    assert [m.sender for _, m in platforms.engine.calls] == ["psid-10"]
    assert platforms.fakes.graph.comments == []


async def test_a_removed_comment_is_told_in_the_inbox(platforms: Platforms) -> None:
    await post(platforms, facebook_comment("fb-4", "Waarom ligt hier nog steeds afval?", comment_id="500_4"))
    await until(lambda: comment_replies(platforms, "500_4"))
    assert await post(platforms, facebook_comment("fb-4", "", verb="remove", comment_id="500_4")) == 200
    # Removing a comment of someone who never wrote to us leaves nothing behind.
    assert await post(platforms, facebook_comment("fb-5", "", verb="remove")) == 200
    app = platforms.client.app
    database = Database(platforms.database_url)
    notes = await NoteStore(database).of(await app[ROUTER].conversation_for("messenger", "fb-4"))
    assert await app[ROUTER].store.find("messenger", "fb-5") is None
    await database.close()
    assert [(note.author, note.text) for note in notes] == [(None, REMOVED)]


async def test_a_photo_in_a_comment_is_fetched_like_a_messenger_photo(platforms: Platforms) -> None:
    photo = platforms.fakes.graph.url + "/cdn/comment.jpg"
    await post(platforms, facebook_comment("fb-6", "Kijk eens", photo=photo))
    await until(lambda: platforms.engine.calls)
    [attachment] = platforms.engine.calls[-1][1].attachments
    assert attachment.url.startswith("media:")
