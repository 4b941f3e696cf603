"""Realistic webhook deliveries of each platform, in their documented shapes,
and the signatures the platforms put on them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from typing import Any

X_CONSUMER_SECRET = "x-consumer-secret"
X_ACCOUNT_ID = "1500000000000000001"  # @voorbeeldstad
MESSENGER_APP_SECRET = "messenger-app-secret"
MESSENGER_VERIFY_TOKEN = "messenger-verify-token"
MESSENGER_PAGE_ID = "104000000000001"
TELEGRAM_SECRET = "telegram-secret-token"
INSTAGRAM_APP_SECRET = "instagram-app-secret"
INSTAGRAM_ACCOUNT_ID = "17841400000000001"
WHATSAPP_APP_SECRET = "whatsapp-app-secret"
WHATSAPP_VERIFY_TOKEN = "whatsapp-verify-token"
WHATSAPP_ACCOUNT_ID = "102290129340398"
WHATSAPP_NUMBER_ID = "106540352242922"

_ids = itertools.count(int(time.time() * 1000))


def next_id() -> str:
    return str(next(_ids))


def body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


# --- X (Account Activity API) ---


def x_signature(raw: bytes, secret: str = X_CONSUMER_SECRET) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


def x_user(user_id: str, screen_name: str, name: str) -> dict[str, Any]:
    return {"id": int(user_id), "id_str": user_id, "name": name, "screen_name": screen_name}


def x_mention(text: str, author_id: str = "2244994945", tweet_id: str | None = None, age_ms: int = 0) -> dict[str, Any]:
    tweet_id = tweet_id or next_id()
    return {
        "for_user_id": X_ACCOUNT_ID,
        "user_has_blocked": False,
        "tweet_create_events": [
            {
                "created_at": time.strftime("%a %b %d %H:%M:%S +0000 %Y", time.gmtime()),
                "id": int(tweet_id),
                "id_str": tweet_id,
                "text": f"@voorbeeldstad {text}",
                "truncated": False,
                "in_reply_to_status_id_str": None,
                "in_reply_to_user_id_str": None,
                "user": x_user(author_id, "lisa_vbs", "Lisa de Vries"),
                "entities": {
                    "hashtags": [],
                    "urls": [],
                    "user_mentions": [
                        {
                            "screen_name": "voorbeeldstad",
                            "name": "Gemeente Voorbeeldstad",
                            "id": int(X_ACCOUNT_ID),
                            "id_str": X_ACCOUNT_ID,
                            "indices": [0, 14],
                        }
                    ],
                },
                "timestamp_ms": str(int(time.time() * 1000) - age_ms),
            }
        ],
    }


def x_own_tweet(text: str) -> dict[str, Any]:
    delivery = x_mention(text, author_id=X_ACCOUNT_ID)
    delivery["tweet_create_events"][0]["user"] = x_user(X_ACCOUNT_ID, "voorbeeldstad", "Gemeente Voorbeeldstad")
    return delivery


def x_direct_message(text: str, sender_id: str = "2244994945", event_id: str | None = None) -> dict[str, Any]:
    return {
        "for_user_id": X_ACCOUNT_ID,
        "direct_message_events": [
            {
                "type": "message_create",
                "id": event_id or next_id(),
                "created_timestamp": str(int(time.time() * 1000)),
                "message_create": {
                    "target": {"recipient_id": X_ACCOUNT_ID if sender_id != X_ACCOUNT_ID else "2244994945"},
                    "sender_id": sender_id,
                    "message_data": {
                        "text": text,
                        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
                    },
                },
            }
        ],
        "users": {
            sender_id: x_user(sender_id, "lisa_vbs", "Lisa de Vries"),
            X_ACCOUNT_ID: x_user(X_ACCOUNT_ID, "voorbeeldstad", "Gemeente Voorbeeldstad"),
        },
    }


# --- Messenger ---


def messenger_signature(raw: bytes, secret: str = MESSENGER_APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def messenger_text(psid: str, text: str, quick_reply: str | None = None, mid: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"mid": mid or f"m_{next_id()}", "text": text}
    if quick_reply:
        message["quick_reply"] = {"payload": quick_reply}
    return {
        "sender": {"id": psid},
        "recipient": {"id": MESSENGER_PAGE_ID},
        "timestamp": int(time.time() * 1000),
        "message": message,
    }


def messenger_postback(psid: str, title: str, payload: str) -> dict[str, Any]:
    return {
        "sender": {"id": psid},
        "recipient": {"id": MESSENGER_PAGE_ID},
        "timestamp": int(time.time() * 1000),
        "postback": {"mid": f"m_{next_id()}", "title": title, "payload": payload},
    }


def messenger_image(psid: str, url: str) -> dict[str, Any]:
    return {
        "sender": {"id": psid},
        "recipient": {"id": MESSENGER_PAGE_ID},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": f"m_{next_id()}", "attachments": [{"type": "image", "payload": {"url": url}}]},
    }


def messenger_echo(psid: str, text: str) -> dict[str, Any]:
    return {
        "sender": {"id": MESSENGER_PAGE_ID},
        "recipient": {"id": psid},
        "timestamp": int(time.time() * 1000),
        "message": {"is_echo": True, "app_id": 1517776481860111, "mid": f"m_{next_id()}", "text": text},
    }


def messenger_batch(*entries: list[dict[str, Any]]) -> dict[str, Any]:
    """A delivery of several entries, each with its own messaging events."""
    return {
        "object": "page",
        "entry": [
            {"id": MESSENGER_PAGE_ID, "time": int(time.time() * 1000), "messaging": messaging} for messaging in entries
        ],
    }


# --- Facebook page comments (the page's feed webhook) ---


def facebook_comment(
    user_id: str, message: str, verb: str = "add", comment_id: str | None = None, photo: str | None = None
) -> dict[str, Any]:
    post_id = f"{MESSENGER_PAGE_ID}_{500}"
    value: dict[str, Any] = {
        "from": {"id": user_id, "name": "Lisa de Vries"},
        "post": {"status_type": "added_photos", "is_published": True, "id": post_id},
        "message": message,
        "post_id": post_id,
        "comment_id": comment_id or f"500_{next_id()}",
        "created_time": int(time.time()),
        "item": "comment",
        "parent_id": post_id,
        "verb": verb,
    }
    if photo:
        value["photo"] = photo
    return {
        "object": "page",
        "entry": [{"id": MESSENGER_PAGE_ID, "time": int(time.time()), "changes": [{"field": "feed", "value": value}]}],
    }


# --- Instagram (Messenger Platform for Instagram) ---


def instagram_signature(raw: bytes) -> str:
    return messenger_signature(raw, INSTAGRAM_APP_SECRET)


def instagram_message(igsid: str, **message: Any) -> dict[str, Any]:
    return {
        "object": "instagram",
        "entry": [
            {
                "id": INSTAGRAM_ACCOUNT_ID,
                "time": int(time.time() * 1000),
                "messaging": [
                    {
                        "sender": {"id": igsid},
                        "recipient": {"id": INSTAGRAM_ACCOUNT_ID},
                        "timestamp": int(time.time() * 1000),
                        "message": {"mid": f"aWdf{next_id()}", **message},
                    }
                ],
            }
        ],
    }


# --- WhatsApp (Cloud API) ---


def whatsapp_signature(raw: bytes) -> str:
    return messenger_signature(raw, WHATSAPP_APP_SECRET)


def whatsapp_delivery(
    messages: list[dict[str, Any]] = (), statuses: list[dict[str, Any]] = (), number_id: str = WHATSAPP_NUMBER_ID
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "31201234567", "phone_number_id": number_id},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": "Sanne Bakker"}, "wa_id": m["from"]} for m in messages]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WHATSAPP_ACCOUNT_ID, "changes": [{"value": value, "field": "messages"}]}],
    }


def whatsapp_message(wa_id: str, kind: str, content: dict[str, Any], message_id: str | None = None) -> dict[str, Any]:
    return {
        "from": wa_id,
        "id": message_id or f"wamid.in{next_id()}",
        "timestamp": str(int(time.time())),
        "type": kind,
        kind: content,
    }


def whatsapp_text(wa_id: str, text: str, message_id: str | None = None) -> dict[str, Any]:
    return whatsapp_message(wa_id, "text", {"body": text}, message_id)


def whatsapp_button(wa_id: str, payload: str, title: str = "Ja") -> dict[str, Any]:
    return whatsapp_message(
        wa_id, "interactive", {"type": "button_reply", "button_reply": {"id": payload, "title": title}}
    )


def whatsapp_list_reply(wa_id: str, payload: str, title: str) -> dict[str, Any]:
    return whatsapp_message(
        wa_id, "interactive", {"type": "list_reply", "list_reply": {"id": payload, "title": title, "description": ""}}
    )


def whatsapp_location(wa_id: str, latitude: float, longitude: float) -> dict[str, Any]:
    return whatsapp_message(
        wa_id, "location", {"latitude": latitude, "longitude": longitude, "name": "", "address": ""}
    )


def whatsapp_image(wa_id: str, media_id: str = "1482917", caption: str = "") -> dict[str, Any]:
    image = {"mime_type": "image/jpeg", "sha256": "c0ffee", "id": media_id}
    if caption:
        image["caption"] = caption
    return whatsapp_message(wa_id, "image", image)


def whatsapp_status(wamid: str, status: str, wa_id: str, error_code: int | None = None) -> dict[str, Any]:
    report: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": wa_id,
    }
    if error_code is not None:
        report["errors"] = [
            {
                "code": error_code,
                "title": "Re-engagement message",
                "message": "Re-engagement message",
                "error_data": {"details": "Message failed to send because more than 24 hours have passed"},
            }
        ]
    return report


# --- Telegram ---


def telegram_user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Sanne", "last_name": "Bakker", "language_code": "nl"}


def telegram_message(user_id: int, **content: Any) -> dict[str, Any]:
    return {
        "update_id": int(next_id()) % 2_000_000_000,
        "message": {
            "message_id": int(next_id()) % 1_000_000,
            "from": telegram_user(user_id),
            "chat": {"id": user_id, "first_name": "Sanne", "last_name": "Bakker", "type": "private"},
            "date": int(time.time()),
            **content,
        },
    }


def telegram_text(user_id: int, text: str) -> dict[str, Any]:
    return telegram_message(user_id, text=text)


def telegram_location(user_id: int, latitude: float, longitude: float) -> dict[str, Any]:
    return telegram_message(user_id, location={"latitude": latitude, "longitude": longitude})


def telegram_photo(user_id: int, caption: str = "") -> dict[str, Any]:
    sizes = [
        {"file_id": f"small-{next_id()}", "file_unique_id": "s1", "width": 90, "height": 68, "file_size": 1200},
        {"file_id": f"large-{next_id()}", "file_unique_id": "l1", "width": 1280, "height": 960, "file_size": 98000},
    ]
    return telegram_message(user_id, photo=sizes, **({"caption": caption} if caption else {}))


def telegram_button(user_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": int(next_id()) % 2_000_000_000,
        "callback_query": {
            "id": next_id(),
            "from": telegram_user(user_id),
            "chat_instance": "-4242",
            "data": data,
            "message": {
                "message_id": 77,
                "from": {"id": 123456, "is_bot": True, "first_name": "Voorbeeldstad", "username": "voorbeeldstad_bot"},
                "chat": {"id": user_id, "type": "private", "first_name": "Sanne"},
                "date": int(time.time()) - 60,
                "text": "Waar gaat je melding over?",
            },
        },
    }
