"""Telegram through python-telegram-bot against a local Bot API: text, buttons,
locations, photos, the secret token, retries and redeliveries."""

from __future__ import annotations

import json

from bot.gateway import OUTREACH, ROUTER
from bot.messages import Button, Reply
from tests.platform_payloads import (
    TELEGRAM_SECRET,
    telegram_button,
    telegram_location,
    telegram_photo,
    telegram_text,
)
from tests.platforms import Platforms, until
from tests.support import project_municipality

WELCOME = project_municipality().welcome

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}


async def post(platforms: Platforms, update: dict, headers: dict = HEADERS) -> int:
    response = await platforms.client.post("/webhooks/telegram", json=update, headers=headers)
    return response.status


def sent_to(platforms: Platforms, chat_id: int) -> list[dict]:
    return [m for m in platforms.fakes.telegram.messages() if m["chat_id"] == str(chat_id)]


async def test_start_gets_the_welcome_and_a_text_an_inline_keyboard(platforms: Platforms) -> None:
    assert await post(platforms, telegram_text(5001, "/start")) == 200
    await until(lambda: sent_to(platforms, 5001))
    [welcome] = sent_to(platforms, 5001)
    assert platforms.engine.calls[0][1].engine_text == "/greet"
    assert welcome["text"] == WELCOME.wordings[0]
    keyboard = json.loads(welcome["reply_markup"])["inline_keyboard"]
    assert [button["callback_data"] for row in keyboard for button in row] == [b.payload for b in WELCOME.topics]
    assert await post(platforms, telegram_text(5001, "hoi")) == 200
    await until(lambda: len(sent_to(platforms, 5001)) == 3)
    first, second = sent_to(platforms, 5001)[1:]
    assert first["text"] == "Je zei: hoi"
    assert json.loads(first["reply_markup"]) == {"inline_keyboard": [[{"text": "Ja", "callback_data": "/affirm"}]]}
    assert second["text"] == "Nog iets?"
    assert json.loads(second["reply_markup"]) == {"remove_keyboard": True}


async def test_a_question_about_the_place_offers_the_location_keyboard(platforms: Platforms) -> None:
    await platforms.returning("telegram", "5002")
    await post(platforms, telegram_text(5002, "ik wil iets melden"))
    await until(lambda: sent_to(platforms, 5002))
    markup = json.loads(sent_to(platforms, 5002)[0]["reply_markup"])
    assert markup["keyboard"] == [[{"text": "Deel locatie", "request_location": True}]]
    assert markup["one_time_keyboard"] is True


async def test_a_shared_location_reaches_the_engine(platforms: Platforms) -> None:
    await post(platforms, telegram_location(5003, 52.0907, 5.1214))
    await until(lambda: platforms.engine.calls)
    message = platforms.engine.calls[-1][1]
    assert (message.location.latitude, message.location.longitude) == (52.0907, 5.1214)
    assert message.engine_text == "/report_issue"


async def test_a_photo_is_downloaded_through_get_file_for_the_report(platforms: Platforms) -> None:
    update = telegram_photo(5004, caption="losse stoeptegel")
    await post(platforms, update)
    await until(lambda: platforms.engine.calls)
    message = platforms.engine.calls[-1][1]
    assert message.text == "losse stoeptegel"
    [photo] = message.attachments
    assert photo.url.startswith("media:") and photo.mime_type == "image/jpeg"
    largest = update["message"]["photo"][-1]["file_id"]
    assert ("getFile", {"file_id": largest}) in platforms.fakes.telegram.sent


async def test_a_button_press_is_answered_and_its_payload_read(platforms: Platforms) -> None:
    await post(platforms, telegram_button(5005, "/affirm"))
    await until(lambda: platforms.engine.calls and sent_to(platforms, 5005))
    assert platforms.engine.calls[-1][1].payload == "/affirm"
    assert any(method == "answerCallbackQuery" for method, _ in platforms.fakes.telegram.sent)


async def test_a_payload_longer_than_64_bytes_travels_by_key(platforms: Platforms) -> None:
    await platforms.returning("telegram", "5006")
    await post(platforms, telegram_text(5006, "hoi"))
    await until(lambda: len(sent_to(platforms, 5006)) == 2)
    app = platforms.client.app
    router = app[ROUTER]
    conversation_id = await router.conversation_for("telegram", "5006")
    long_payload = '/inform{"report_category": "wegen_verkeer_straatmeubilair/verkeersbord-verkeersafzetting"}'
    await app[OUTREACH].push(conversation_id, [Reply("Kies:", buttons=(Button("Verkeersbord", long_payload),))])
    await until(lambda: len(sent_to(platforms, 5006)) == 3)
    [[button]] = json.loads(sent_to(platforms, 5006)[-1]["reply_markup"])["inline_keyboard"]
    assert len(button["callback_data"].encode()) <= 64
    await post(platforms, telegram_button(5006, button["callback_data"]))
    await until(lambda: platforms.engine.calls[-1][1].payload == long_payload)


async def test_without_the_secret_token_nothing_reaches_the_router(platforms: Platforms) -> None:
    assert await post(platforms, telegram_text(5007, "hoi"), headers={}) == 401
    wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
    assert await post(platforms, telegram_text(5007, "hoi"), headers=wrong) == 403
    assert platforms.engine.calls == []


async def test_a_redelivered_update_gets_one_answer(platforms: Platforms) -> None:
    await platforms.returning("telegram", "5008")
    update = telegram_text(5008, "hoi")
    assert await post(platforms, update) == 200
    assert await post(platforms, update) == 200
    # A later message's answer arrives after anything the redelivery could have caused.
    await post(platforms, telegram_text(5008, "nog een vraag"))
    await until(lambda: len(sent_to(platforms, 5008)) >= 4)
    texts = [m["text"] for m in sent_to(platforms, 5008)]
    assert texts.count("Je zei: hoi") == 1
    assert len(platforms.engine.calls) == 2


async def test_a_redelivered_photo_is_fetched_once(platforms: Platforms) -> None:
    update = telegram_photo(5010)
    assert await post(platforms, update) == 200
    assert await post(platforms, update) == 200
    await post(platforms, telegram_text(5010, "klaar"))
    await until(lambda: len(sent_to(platforms, 5010)) >= 4)
    assert [method for method, _ in platforms.fakes.telegram.sent].count("getFile") == 1


async def test_flood_control_is_waited_out_and_the_answer_sent_once(platforms: Platforms) -> None:
    await platforms.returning("telegram", "5009")
    flood = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    platforms.fakes.telegram.fail_next(1, status=429, path_contains="sendMessage", body=flood)
    platforms.fakes.telegram.fail_next(1, status=502, path_contains="sendMessage")
    await post(platforms, telegram_text(5009, "hoi"))
    await until(lambda: len(sent_to(platforms, 5009)) == 2)
    assert [m["text"] for m in sent_to(platforms, 5009)] == ["Je zei: hoi", "Nog iets?"]
