"""WhatsApp against a local Cloud API: verification, signatures, batches, every
message type, read receipts, the 24-hour window and templates, statuses, rate
limits, redeliveries, and a phone number that never reaches a log."""

from __future__ import annotations

import base64
import logging
from datetime import timedelta

import pytest

from bot.audit import AuditLog
from bot.clock import utcnow
from bot.gateway import OUTREACH, ROUTER, SENDER
from bot.messages import Button, Reply
from bot.outgoing.deliveries import FAILED
from bot.store import Database
from bot.store.tables import platform_messages
from bot.webcare.staff import StaffStore
from tests.platform_payloads import (
    WHATSAPP_VERIFY_TOKEN,
    body,
    whatsapp_button,
    whatsapp_delivery,
    whatsapp_image,
    whatsapp_list_reply,
    whatsapp_location,
    whatsapp_message,
    whatsapp_signature,
    whatsapp_status,
    whatsapp_text,
)
from tests.platforms import Platforms, silence, until
from tests.support import STAFF_PASSWORD, Agent, ScriptedEngine, project_municipality

WELCOME = project_municipality().welcome

CHANNEL = "whatsapp"


async def post(platforms: Platforms, delivery: dict, signature: str | None = None) -> int:
    raw = body(delivery)
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature or whatsapp_signature(raw)}
    response = await platforms.client.post("/webhooks/whatsapp", data=raw, headers=headers)
    return response.status


def sent_to(platforms: Platforms, wa_id: str) -> list[dict]:
    """Messages to the citizen (read receipts have no ``to``)."""
    return platforms.fakes.graph.whatsapp_messages(wa_id)


def texts(platforms: Platforms, wa_id: str) -> list[str]:
    found = []
    for m in sent_to(platforms, wa_id):
        if m["type"] == "text":
            found.append(m["text"]["body"])
        elif m["type"] == "interactive":
            found.append(m["interactive"]["body"]["text"])
    return found


async def _conversation(platforms: Platforms, wa_id: str) -> str:
    return await platforms.client.app[ROUTER].conversation_for(CHANNEL, wa_id)


async def test_the_subscription_check_echoes_the_challenge_for_our_token(platforms: Platforms) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": WHATSAPP_VERIFY_TOKEN, "hub.challenge": "921451"}
    response = await platforms.client.get("/webhooks/whatsapp", params=query)
    assert response.status == 200 and await response.text() == "921451"
    response = await platforms.client.get("/webhooks/whatsapp", params={**query, "hub.verify_token": "guess"})
    assert response.status == 403
    response = await platforms.client.get("/webhooks/whatsapp", params={"hub.mode": "unsubscribe"})
    assert response.status == 400


async def test_forged_missing_and_legacy_signatures_are_refused(platforms: Platforms) -> None:
    delivery = whatsapp_delivery([whatsapp_text("31612345001", "hoi")])
    assert await post(platforms, delivery, signature="sha256=" + "0" * 64) == 403
    raw = body(delivery)
    response = await platforms.client.post("/webhooks/whatsapp", data=raw)
    assert response.status == 401
    response = await platforms.client.post(
        "/webhooks/whatsapp", data=raw, headers={"X-Hub-Signature": "sha1=" + "ab" * 20}
    )
    assert response.status == 401
    # Messenger's app secret does not sign for WhatsApp.
    from tests.platform_payloads import messenger_signature

    assert await post(platforms, delivery, signature=messenger_signature(raw)) == 403
    assert platforms.engine.calls == []


async def test_every_message_type_of_a_batch_is_read(platforms: Platforms) -> None:
    delivery = whatsapp_delivery(
        [
            whatsapp_text("31612345002", "hoi"),
            whatsapp_button("31612345003", "/affirm"),
            whatsapp_list_reply("31612345004", "/inform_category", "Losse stoeptegel"),
            whatsapp_location("31612345005", 52.0907, 5.1214),
            whatsapp_image("31612345006", caption="kapotte lantaarnpaal"),
        ]
    )
    assert await post(platforms, delivery) == 200
    await until(lambda: len(platforms.engine.calls) == 5)
    seen = {m.sender: m for _, m in platforms.engine.calls}
    assert seen["31612345002"].engine_text == "hoi"
    assert seen["31612345003"].engine_text == "/affirm"
    assert seen["31612345004"].engine_text == "/inform_category"
    location = seen["31612345005"].location
    assert location is not None and (location.latitude, location.longitude) == (52.0907, 5.1214)
    [photo] = seen["31612345006"].attachments
    assert photo.url.startswith("media:") and photo.mime_type == "image/jpeg"
    assert seen["31612345006"].text == "kapotte lantaarnpaal"
    assert seen["31612345002"].metadata["display_name"] == "Sanne Bakker"
    # Each was marked read, with the typing indicator, before it was answered.
    receipts = [m for m in platforms.fakes.graph.whatsapp if m.get("status") == "read"]
    assert len(receipts) == 5 and all(r["typing_indicator"] == {"type": "text"} for r in receipts)


@pytest.mark.parametrize(
    ("kind", "content", "said"),
    [
        ("audio", {"mime_type": "audio/ogg; codecs=opus", "id": "77", "voice": True}, "een spraakbericht"),
        ("video", {"mime_type": "video/mp4", "id": "78"}, "een video"),
        ("document", {"mime_type": "application/pdf", "id": "79", "filename": "brief.pdf"}, "een bestand"),
        ("sticker", {"mime_type": "image/webp", "id": "80", "animated": False}, "een sticker"),
        ("reaction", {"message_id": "wamid.out1", "emoji": "\U0001f44d"}, "een emoji-reactie"),
    ],
)
async def test_what_the_bot_cannot_read_gets_a_polite_answer(
    platforms: Platforms, kind: str, content: dict, said: str
) -> None:
    wa_id = "31612345010"
    assert await post(platforms, whatsapp_delivery([whatsapp_message(wa_id, kind, content)])) == 200
    await until(lambda: len(texts(platforms, wa_id)) == 2)
    # A first message: the welcome (no topics: the citizen came with something), then the answer.
    welcome, answer = texts(platforms, wa_id)
    assert welcome == WELCOME.wordings[0]
    assert answer.startswith(f"Sorry, {said} kan ik niet openen.")
    assert platforms.engine.calls == []
    # The colleague sees what came in.
    history = await platforms.client.app[ROUTER].store.history(await _conversation(platforms, wa_id))
    assert history[0].data == {"unreadable": said}


async def test_system_notices_removed_reactions_and_other_numbers_are_not_messages(platforms: Platforms) -> None:
    removed = whatsapp_message("31612345011", "reaction", {"message_id": "wamid.out1", "emoji": ""})
    system = whatsapp_message("31612345011", "system", {"body": "changed number", "type": "user_changed_number"})
    assert await post(platforms, whatsapp_delivery([removed, system])) == 200
    other = whatsapp_delivery([whatsapp_text("31612345011", "hoi")], number_id="999")
    assert await post(platforms, other) == 200
    assert await post(platforms, whatsapp_delivery([whatsapp_text("31612345012", "hoi")])) == 200
    await until(lambda: texts(platforms, "31612345012"))
    assert [m.sender for _, m in platforms.engine.calls] == ["31612345012"]
    assert sent_to(platforms, "31612345011") == []


async def test_buttons_become_reply_buttons_or_a_list_and_a_place_a_location_request(platforms: Platforms) -> None:
    wa_id = "31612345013"
    await platforms.returning("whatsapp", wa_id)
    await post(platforms, whatsapp_delivery([whatsapp_text(wa_id, "hoi")]))
    await until(lambda: len(sent_to(platforms, wa_id)) == 2)
    first = sent_to(platforms, wa_id)[0]["interactive"]
    assert first["type"] == "button" and first["body"]["text"] == "Je zei: hoi"
    assert first["action"]["buttons"] == [{"type": "reply", "reply": {"id": "/affirm", "title": "Ja"}}]
    conversation_id = await _conversation(platforms, wa_id)
    outreach = platforms.client.app[OUTREACH]
    many = tuple(Button(f"Een heel lange categorie nummer {i}", f"/choice_{i}") for i in range(12))
    await outreach.push(conversation_id, [Reply("Kies maar:", buttons=many)])
    await outreach.push(conversation_id, [Reply("Waar is het?", request_location=True)])
    await outreach.push(conversation_id, [Reply("Lang. " * 1000)])
    await until(lambda: len(sent_to(platforms, wa_id)) == 6)
    listed, where, *long_text = sent_to(platforms, wa_id)[2:]
    rows = listed["interactive"]["action"]["sections"][0]["rows"]
    assert listed["interactive"]["type"] == "list" and len(rows) == 10
    assert rows[0] == {
        "id": "/choice_0",
        "title": "Een heel lange categori…",
        "description": "Een heel lange categorie nummer 0",
    }
    assert where["interactive"]["type"] == "location_request_message"
    assert [len(m["text"]["body"]) <= 4096 for m in long_text] == [True, True]


async def test_outside_the_window_news_goes_as_the_configured_template(platforms: Platforms) -> None:
    wa_id = "31612345014"
    await platforms.returning("whatsapp", wa_id)
    await post(platforms, whatsapp_delivery([whatsapp_text(wa_id, "hoi")]))
    await until(lambda: len(sent_to(platforms, wa_id)) == 2)
    conversation_id = await _conversation(platforms, wa_id)
    await silence(platforms, conversation_id, hours=25)
    await platforms.client.app[OUTREACH].push(conversation_id, [Reply("Er is nieuws over je melding\nVBS-12.")])
    await until(lambda: len(sent_to(platforms, wa_id)) == 3)
    template = sent_to(platforms, wa_id)[-1]
    assert template["type"] == "template"
    assert template["template"] == {
        "name": "melding_nieuws",
        "language": {"code": "nl"},
        "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "Er is nieuws over je melding VBS-12."}]}
        ],
    }


async def test_with_no_template_that_fits_the_message_stays_unsent_and_says_why(platforms: Platforms) -> None:
    wa_id = "31612345015"
    await platforms.returning("whatsapp", wa_id)
    await post(platforms, whatsapp_delivery([whatsapp_text(wa_id, "hoi")]))
    await until(lambda: len(sent_to(platforms, wa_id)) == 2)
    conversation_id = await _conversation(platforms, wa_id)
    await silence(platforms, conversation_id, hours=30)
    # Longer than a template's parameter may be.
    await platforms.client.app[OUTREACH].push(conversation_id, [Reply("Uitleg. " * 200)], staff_id=1)
    store = platforms.client.app[SENDER].store
    await until(lambda: store.failed_for(conversation_id))
    [held] = await store.failed_for(conversation_id)
    assert held.last_error == "buiten het 24-uursvenster en te lang voor het sjabloon (1599 tekens)"
    assert len(sent_to(platforms, wa_id)) == 2
    history = [turn.reply.text for turn in await platforms.client.app[ROUTER].transcript(conversation_id)]
    assert history[-1].startswith("Uitleg.")


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, {"error": {"message": "(#4) Application request limit reached", "code": 4}}),
        (
            400,
            {
                "error": {
                    "message": "(#131056) (Business Account, Consumer Account) pair rate limit hit",
                    "code": 131056,
                }
            },
        ),
        (429, {"error": {"message": "(#130429) Rate limit hit", "code": 130429}}),
    ],
)
async def test_rate_limits_are_waited_out_and_the_answer_sent_once(
    platforms: Platforms, status: int, error: dict
) -> None:
    wa_id = "31612345016"
    await platforms.returning("whatsapp", wa_id, "31612345017")
    platforms.fakes.graph.fail_next(1, status=status, retry_after="0", path_contains="/messages", body=error)
    await post(platforms, whatsapp_delivery([whatsapp_text(wa_id, "hoi")]))
    await until(lambda: len(sent_to(platforms, wa_id)) == 2)
    assert texts(platforms, wa_id) == ["Je zei: hoi", "Nog iets?"]


async def test_a_refusal_is_final_and_shown_as_failed(platforms: Platforms) -> None:
    wa_id = "31612345017"
    refusal = {"error": {"message": "(#131026) Message undeliverable", "code": 131026}}
    # The read receipt, then the answer: the receipt's failure costs nothing, the answer's is final.
    platforms.fakes.graph.fail_next(2, status=400, path_contains="/messages", body=refusal)
    await post(platforms, whatsapp_delivery([whatsapp_text(wa_id, "hoi")]))
    conversation_id = await _conversation(platforms, wa_id)
    store = platforms.client.app[SENDER].store
    await until(lambda: store.failed_for(conversation_id))
    [failed] = await store.failed_for(conversation_id)
    assert "code 131026" in (failed.last_error or "")
    assert sent_to(platforms, wa_id) == []


async def test_a_redelivered_message_is_answered_once(platforms: Platforms) -> None:
    wa_id = "31612345018"
    await platforms.returning("whatsapp", wa_id)
    delivery = whatsapp_delivery([whatsapp_text(wa_id, "hoi", message_id="wamid.redelivered1")])
    assert await post(platforms, delivery) == 200
    assert await post(platforms, delivery) == 200
    await until(lambda: len(sent_to(platforms, wa_id)) == 2)
    assert await post(platforms, delivery) == 200
    assert len(platforms.engine.calls) == 1


async def _platform_status(platforms: Platforms, wamid: str) -> str | None:
    database = Database(platforms.database_url)
    async with database.engine.connect() as connection:
        status = await connection.scalar(
            platform_messages.select()
            .with_only_columns(platform_messages.c.status)
            .where(platform_messages.c.platform_id == wamid)
        )
    await database.close()
    return status


async def test_statuses_feed_the_delivery_records(platforms: Platforms) -> None:
    wa_id = "31612345019"
    await platforms.returning("whatsapp", wa_id)
    await post(platforms, whatsapp_delivery([whatsapp_text(wa_id, "hoi")]))
    conversation_id = await _conversation(platforms, wa_id)
    store = platforms.client.app[SENDER].store
    await until(lambda: len(sent_to(platforms, wa_id)) == 2)
    first, second = platforms.fakes.graph.wamids[-2:]
    await until(lambda: _platform_status(platforms, second))
    report = [whatsapp_status(first, "delivered", wa_id), whatsapp_status(first, "read", wa_id)]
    # A late "sent" after "read" changes nothing; an id we never sent is ignored.
    report += [whatsapp_status(first, "sent", wa_id), whatsapp_status("wamid.unknown", "read", wa_id)]
    assert await post(platforms, whatsapp_delivery(statuses=report)) == 200
    assert await _platform_status(platforms, first) == "read"
    assert await store.failed_for(conversation_id) == []
    failed = whatsapp_delivery(statuses=[whatsapp_status(second, "failed", wa_id, error_code=131047)])
    assert await post(platforms, failed) == 200
    [delivery] = await store.failed_for(conversation_id)
    assert delivery.state == FAILED
    assert delivery.last_error == (
        "WhatsApp 131047: Re-engagement message Message failed to send because more than 24 hours have passed"
    )
    assert await _platform_status(platforms, second) == "failed"


async def test_a_phone_number_never_reaches_a_log(platforms: Platforms, caplog: pytest.LogCaptureFixture) -> None:
    wa_id = "31612345020"
    await platforms.returning("whatsapp", wa_id)
    # Everything a running gateway logs (at INFO); a library's DEBUG output of its SQL is off there.
    caplog.set_level(logging.INFO)
    platforms.fakes.graph.fail_next(1, status=500, path_contains="/messages")
    await post(
        platforms, whatsapp_delivery([whatsapp_text(wa_id, "hoi"), whatsapp_message(wa_id, "video", {"id": "9"})])
    )
    # A real message id carries the number, base64-encoded.
    wamid = "wamid." + base64.b64encode(b"\x15\x02\x00\x11\x18\x0b" + wa_id.encode() + b"\x15\x02\x00").decode()
    await post(platforms, whatsapp_delivery([whatsapp_text(wa_id, "hoi", message_id=wamid)]))
    await post(platforms, whatsapp_delivery([whatsapp_text(wa_id, "hoi", message_id=wamid)]))
    await until(lambda: len(sent_to(platforms, wa_id)) >= 5)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "whatsapp: could not mark a message read: Graph API 500" in logged
    assert "whatsapp: ignored a redelivery" in logged
    assert "12345020" not in logged and wamid[6:20] not in logged


async def test_a_hand_off_is_answered_by_a_colleague_in_whatsapp(platforms: Platforms) -> None:
    wa_id = "31612345021"
    await platforms.returning("whatsapp", wa_id)
    await post(platforms, whatsapp_delivery([whatsapp_text(wa_id, ScriptedEngine.HANDOFF_TEXT)]))
    await until(lambda: texts(platforms, wa_id) == ["Ik zet je door naar een collega."])
    await post(platforms, whatsapp_delivery([whatsapp_text(wa_id, "Het gaat om mijn afvalpas")]))
    conversation_id = await _conversation(platforms, wa_id)
    router = platforms.client.app[ROUTER]
    await until(lambda: router.gate.with_colleague(conversation_id))
    # The bot stays silent while a colleague has the conversation; the colleague answers in WhatsApp.
    await platforms.client.app[OUTREACH].push(conversation_id, [Reply("Ik zoek het voor je uit. ^AK")], staff_id=1)
    await until(lambda: len(texts(platforms, wa_id)) == 2)
    assert texts(platforms, wa_id) == ["Ik zet je door naar een collega.", "Ik zoek het voor je uit. ^AK"]
    window = platforms.client.app[OUTREACH].window(CHANNEL, utcnow() - timedelta(hours=1), utcnow())
    assert window is not None and window.open and window.note == "antwoordvenster open"


async def test_the_inbox_shows_the_channel_window_and_last_digits_and_the_number_on_request(
    platforms: Platforms,
) -> None:
    wa_id = "31612345022"
    database = Database(platforms.database_url)
    await StaffStore(database).add("anna", "Anna de Kok", "agent", STAFF_PASSWORD)
    await post(platforms, whatsapp_delivery([whatsapp_text(wa_id, ScriptedEngine.HANDOFF_TEXT)]))
    await until(lambda: texts(platforms, wa_id))
    conversation_id = await _conversation(platforms, wa_id)
    await silence(platforms, conversation_id, hours=30)
    await platforms.client.app[OUTREACH].push(conversation_id, [Reply("Nieuws. " * 200)])
    anna = Agent(str(platforms.client.make_url("")))
    try:
        assert (await anna.login("anna")).status == 303
        view = await anna.get(f"/webcare/api/conversations/{conversation_id}")
        assert view["channel"] == "whatsapp" and view["public"] is False
        assert view["contact"] == "•" * 9 + "022"
        assert view["window"] == {
            "open": False,
            "until": None,
            "note": "venster dicht: je antwoord gaat als sjabloonbericht",
        }
        [undelivered] = view["undelivered"]
        assert undelivered["reason"] == "buiten het 24-uursvenster en te lang voor het sjabloon (1599 tekens)"
        assert await anna.post(f"/webcare/api/conversations/{conversation_id}/contact", {}) == {"contact": "+" + wa_id}
        [entry] = await AuditLog(database).latest(action="contact")
        assert (entry.actor, entry.subject) == ("anna", conversation_id)
        page = await (await anna.http.get(anna.url("/webcare"))).text()
        assert '"whatsapp": {"icon": "M12 2a10' in page and '"title": "WhatsApp"' in page
    finally:
        await anna.close()
        await database.close()
