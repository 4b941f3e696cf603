"""Instagram direct messages against a local Send API: verification, its own
app secret, story replies and mentions, quick replies, Meta's rate limit and
the 24-hour rule."""

from __future__ import annotations

from bot.gateway import OUTREACH, ROUTER, SENDER
from bot.messages import Reply
from tests.platform_payloads import body, instagram_message, instagram_signature, messenger_signature
from tests.platforms import Platforms, silence, until
from tests.support import project_municipality


async def post(platforms: Platforms, delivery: dict, signature: str | None = None) -> int:
    raw = body(delivery)
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature or instagram_signature(raw)}
    response = await platforms.client.post("/webhooks/instagram", data=raw, headers=headers)
    return response.status


def sent_to(platforms: Platforms, igsid: str) -> list[dict]:
    return [m for m in platforms.fakes.graph.sent if m["recipient"].get("id") == igsid]


async def test_the_subscription_check_and_signatures_are_instagrams_own(platforms: Platforms) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "instagram-verify-token", "hub.challenge": "31337"}
    response = await platforms.client.get("/webhooks/instagram", params=query)
    assert response.status == 200 and await response.text() == "31337"
    delivery = instagram_message("ig-1", text="hoi")
    assert await post(platforms, delivery, signature=messenger_signature(body(delivery))) == 403
    response = await platforms.client.post("/webhooks/instagram", data=body(delivery))
    assert response.status == 401
    # A Messenger delivery on the Instagram webhook is not Instagram's.
    assert await post(platforms, {"object": "page", "entry": []}) == 200
    assert platforms.engine.calls == []


async def test_a_direct_message_gets_quick_replies(platforms: Platforms) -> None:
    await platforms.returning("instagram", "ig-2")
    assert await post(platforms, instagram_message("ig-2", text="hoi")) == 200
    await until(lambda: len(sent_to(platforms, "ig-2")) == 2)
    first = sent_to(platforms, "ig-2")[0]
    assert first["messaging_type"] == "RESPONSE"
    assert first["message"] == {
        "text": "Je zei: hoi",
        "quick_replies": [{"content_type": "text", "title": "Ja", "payload": "/affirm"}],
    }
    [(_, message)] = platforms.engine.calls
    assert message.channel == "instagram" and message.sender == "ig-2"


async def test_a_story_reply_is_a_message_and_a_story_mention_gets_an_honest_answer(platforms: Platforms) -> None:
    await platforms.returning("instagram", "ig-3")
    story = {"story": {"url": "https://lookaside.fbsbx.com/story.jpg", "id": "1790"}}
    await post(platforms, instagram_message("ig-3", text="Wanneer is dit?", reply_to=story))
    mention = [{"type": "story_mention", "payload": {"url": "https://lookaside.fbsbx.com/mention.jpg"}}]
    await post(platforms, instagram_message("ig-4", attachments=mention))
    await until(lambda: sent_to(platforms, "ig-3") and len(sent_to(platforms, "ig-4")) == 2)
    [(_, reply)] = platforms.engine.calls
    assert reply.text == "Wanneer is dit?" and reply.metadata == {"story_reply": True, "language": "nl"}
    # ig-4's first message: the welcome first, then the answer.
    welcome, answer = sent_to(platforms, "ig-4")
    assert welcome["message"] == {"text": project_municipality().welcome.wordings[0]}
    assert answer["message"]["text"].startswith("Sorry, een vermelding in je verhaal kan ik niet openen.")


async def test_an_unsent_message_is_not_answered(platforms: Platforms) -> None:
    await post(platforms, instagram_message("ig-5", text="oeps", is_deleted=True))
    await post(platforms, instagram_message("ig-6", text="hoi"))
    await until(lambda: sent_to(platforms, "ig-6"))
    assert [m.sender for _, m in platforms.engine.calls] == ["ig-6"]


async def test_metas_rate_limit_is_waited_out(platforms: Platforms) -> None:
    await platforms.returning("instagram", "ig-7")
    limit = {"error": {"message": "(#80007) There have been too many messages sent", "code": 80007}}
    platforms.fakes.graph.fail_next(2, status=400, path_contains="/me/messages", body=limit)
    await post(platforms, instagram_message("ig-7", text="hoi"))
    await until(lambda: len(sent_to(platforms, "ig-7")) == 2)
    assert [m["message"]["text"] for m in sent_to(platforms, "ig-7")] == ["Je zei: hoi", "Nog iets?"]


async def test_after_24_hours_news_is_held_back_and_a_colleague_writes_as_a_human_agent(platforms: Platforms) -> None:
    await platforms.returning("instagram", "ig-8")
    await post(platforms, instagram_message("ig-8", text="hoi"))
    await until(lambda: len(sent_to(platforms, "ig-8")) == 2)
    app = platforms.client.app
    conversation_id = await app[ROUTER].conversation_for("instagram", "ig-8")
    await silence(platforms, conversation_id, hours=30)
    await app[OUTREACH].push(conversation_id, [Reply("Nieuws over je melding.")])
    await app[OUTREACH].push(conversation_id, [Reply("Ik heb het nagevraagd. ^AK")], staff_id=1)
    await until(lambda: len(sent_to(platforms, "ig-8")) == 3)
    assert sent_to(platforms, "ig-8")[-1]["tag"] == "HUMAN_AGENT"
    [held] = await app[SENDER].store.failed_for(conversation_id)
    assert held.last_error == "buiten het 24-uursvenster: alleen een collega mag nog antwoorden"
    assert held.items[0]["message"]["text"] == "Nieuws over je melding."
