"""Local HTTP servers speaking the documented payloads of the Telegram Bot API,
the Graph Send API and the X API v2, for the real client libraries to talk to.

Each checks what a real platform checks (credentials, limits, shapes), keeps
what was sent, and can be told to fail for a while (see ``FakeServer.fail_next``).
"""

from __future__ import annotations

import io
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from PIL import Image
from twitter_text import parse_tweet

from tests.fake_backends import FakeServer


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass
class FakeTelegram(FakeServer):
    token: str = "123456:TEST-token"
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    photo: bytes = field(default_factory=jpeg_bytes)
    _ids: Any = field(default_factory=lambda: itertools.count(1000))

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/bot{token}/{method}", self.call),
            web.get("/file/bot{token}/{path:.*}", self.file),
        ]

    async def call(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params = dict(await request.post()) if request.content_type != "application/json" else await request.json()
        method = request.match_info["method"]
        self.sent.append((method, params))
        result = getattr(self, f"_{method}", None)
        if result is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return result(params)

    def _ok(self, result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    def _bad_request(self, description: str) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}, status=400
        )

    def _getMe(self, params: dict[str, Any]) -> web.Response:
        return self._ok({"id": 123456, "is_bot": True, "first_name": "Voorbeeldstad", "username": "voorbeeldstad_bot"})

    def _message(self, chat_id: Any, **fields: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private"},
            **fields,
        }

    def _sendMessage(self, params: dict[str, Any]) -> web.Response:
        text = str(params.get("text", ""))
        if not text or len(text) > 4096:
            return self._bad_request("message text is empty or too long")
        markup = json.loads(params["reply_markup"]) if "reply_markup" in params else {}
        for row in markup.get("inline_keyboard", ()):
            for button in row:
                if len(button["callback_data"].encode()) > 64:
                    return self._bad_request("BUTTON_DATA_INVALID")
        return self._ok(self._message(params["chat_id"], text=text))

    def _sendPhoto(self, params: dict[str, Any]) -> web.Response:
        return self._ok(self._message(params["chat_id"], photo=[]))

    def _answerCallbackQuery(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    def _getFile(self, params: dict[str, Any]) -> web.Response:
        file_id = params["file_id"]
        return self._ok(
            {
                "file_id": file_id,
                "file_unique_id": "u" + file_id,
                "file_size": len(self.photo),
                "file_path": f"photos/{file_id}.jpg",
            }
        )

    async def file(self, request: web.Request) -> web.Response:
        return web.Response(body=self.photo, content_type="image/jpeg")

    def messages(self) -> list[dict[str, Any]]:
        return [params for method, params in self.sent if method == "sendMessage"]


WHATSAPP_NUMBER_ID = "106540352242922"


def graph_error(message: str, code: int, status: int = 400, **extra: Any) -> web.Response:
    """An error as Graph answers one (Messenger, Instagram and WhatsApp alike)."""
    return web.json_response(
        {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf", **extra}},
        status=status,
    )


@dataclass
class FakeGraph(FakeServer):
    """The Graph API as the Meta channels use it: the Send API (Messenger and
    Instagram, private replies to comments), comment replies, and WhatsApp's
    Cloud API (messages, read receipts, media) with its documented limits."""

    page_token: str = "page-token"
    whatsapp_token: str = "whatsapp-token"
    sent: list[dict[str, Any]] = field(default_factory=list)
    comments: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    whatsapp: list[dict[str, Any]] = field(default_factory=list)
    # The id given to each WhatsApp message taken, in order.
    wamids: list[str] = field(default_factory=list)
    photo: bytes = field(default_factory=jpeg_bytes)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v21.0/me/messages", self.send),
            web.post("/v21.0/{node}/messages", self.send_whatsapp),
            web.post("/v21.0/{comment_id}/comments", self.reply_to_comment),
            web.get("/v21.0/{media_id}", self.media),
            web.get("/cdn/{name}", self.cdn),
            web.get("/whatsapp-media/{media_id}", self.whatsapp_media),
            # A photo "moved" elsewhere, as a forged delivery would point us.
            web.get("/moved/{name}", self.moved),
        ]

    @staticmethod
    def _token(request: web.Request) -> str:
        header = request.headers.get("Authorization", "")
        return header.removeprefix("Bearer ") if header.startswith("Bearer ") else request.query.get("access_token", "")

    @staticmethod
    def _invalid_token() -> web.Response:
        return graph_error("Invalid OAuth access token.", 190)

    async def send(self, request: web.Request) -> web.Response:
        if self._token(request) != self.page_token:
            return self._invalid_token()
        body = await request.json()
        problem = self._check(body)
        if problem:
            return graph_error(problem, 100)
        self.sent.append(body)
        recipient = body["recipient"].get("id") or f"psid-of-{body['recipient'].get('comment_id')}"
        return web.json_response({"recipient_id": recipient, "message_id": f"m_{len(self.sent)}"})

    @staticmethod
    def _check(body: dict[str, Any]) -> str:
        kind = body.get("messaging_type")
        if kind not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            return "messaging_type must be RESPONSE, UPDATE or MESSAGE_TAG"
        if kind == "MESSAGE_TAG" and body.get("tag") != "HUMAN_AGENT":
            return "unsupported tag"
        recipient = body.get("recipient") or {}
        if len(recipient) != 1 or not ({"id", "comment_id"} & set(recipient)):
            return "recipient needs exactly one of id and comment_id"
        message = body.get("message") or {}
        if "text" in message and not 0 < len(message["text"]) <= 2000:
            return "text must be 1 to 2000 characters"
        replies = message.get("quick_replies", [])
        if len(replies) > 13 or any(len(r["title"]) > 20 for r in replies):
            return "at most 13 quick replies with titles of at most 20 characters"
        return ""

    async def reply_to_comment(self, request: web.Request) -> web.Response:
        if self._token(request) != self.page_token:
            return self._invalid_token()
        body = await request.json()
        if not 0 < len(body.get("message", "")) <= 8000:
            return graph_error("(#100) message is required", 100)
        self.comments.append((request.match_info["comment_id"], body))
        return web.json_response({"id": f"{request.match_info['comment_id']}_{next(self._ids)}"})

    async def send_whatsapp(self, request: web.Request) -> web.Response:
        if request.match_info["node"] != WHATSAPP_NUMBER_ID:
            return graph_error("Unsupported post request.", 100)
        if self._token(request) != self.whatsapp_token:
            return self._invalid_token()
        body = await request.json()
        problem = _whatsapp_problem(body)
        if problem:
            return graph_error(problem, 131009, error_data={"messaging_product": "whatsapp", "details": problem})
        self.whatsapp.append(body)
        if body.get("status") == "read":
            return web.json_response({"success": True})
        wamid = f"wamid.out{next(self._ids)}"
        self.wamids.append(wamid)
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": wamid}],
            }
        )

    def whatsapp_messages(self, to: str) -> list[dict[str, Any]]:
        return [m for m in self.whatsapp if m.get("to") == to]

    async def media(self, request: web.Request) -> web.Response:
        if self._token(request) != self.whatsapp_token:
            return self._invalid_token()
        media_id = request.match_info["media_id"]
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.url}/whatsapp-media/{media_id}",
                "mime_type": "image/jpeg",
                "sha256": "c0ffee",
                "file_size": len(self.photo),
                "id": media_id,
            }
        )

    async def whatsapp_media(self, request: web.Request) -> web.Response:
        # WhatsApp's media URLs answer only with the token.
        if self._token(request) != self.whatsapp_token:
            return web.Response(status=401)
        return web.Response(body=self.photo, content_type="image/jpeg")

    async def cdn(self, request: web.Request) -> web.Response:
        return web.Response(body=self.photo, content_type="image/jpeg")

    async def moved(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(self.url + "/cdn/" + request.match_info["name"])


def _whatsapp_problem(body: dict[str, Any]) -> str:
    """What the Cloud API refuses, by its documented limits."""
    if body.get("messaging_product") != "whatsapp":
        return "messaging_product must be whatsapp"
    if body.get("status") == "read":
        return "" if str(body.get("message_id", "")).startswith("wamid.") else "message_id must be a wamid"
    kind = body.get("type")
    content = body.get(kind) if isinstance(kind, str) else None
    if not isinstance(content, dict) or not body.get("to"):
        return "a message needs to, type and the type's object"
    if kind == "text":
        return "" if 0 < len(content.get("body", "")) <= 4096 else "text body must be 1 to 4096 characters"
    if kind == "template":
        return (
            "" if content.get("name") and (content.get("language") or {}).get("code") else "template name and language"
        )
    if kind == "image":
        return "" if str(content.get("link", "")).startswith("https://") else "image link must be https"
    if kind != "interactive":
        return f"unsupported type {kind}"
    return _interactive_problem(content)


def _interactive_problem(content: dict[str, Any]) -> str:
    text = (content.get("body") or {}).get("text", "")
    if not 0 < len(text) <= 1024:
        return "interactive body text must be 1 to 1024 characters"
    action = content.get("action") or {}
    if content.get("type") == "button":
        buttons = action.get("buttons") or []
        ok = 0 < len(buttons) <= 3 and all(
            0 < len(b["reply"]["title"]) <= 20 and 0 < len(b["reply"]["id"]) <= 256 for b in buttons
        )
        return "" if ok else "1 to 3 reply buttons, titles of at most 20 characters"
    if content.get("type") == "list":
        rows = [row for section in action.get("sections") or [] for row in section.get("rows") or []]
        ok = (
            0 < len(action.get("button", "")) <= 20
            and 0 < len(rows) <= 10
            and all(
                0 < len(r["title"]) <= 24 and len(r.get("description", "")) <= 72 and len(r["id"]) <= 200 for r in rows
            )
        )
        return "" if ok else "a list has 1 to 10 rows, titles of at most 24 characters"
    if content.get("type") == "location_request_message":
        return "" if action.get("name") == "send_location" else "action name must be send_location"
    return "unsupported interactive type"


@dataclass
class FakeX(FakeServer):
    tweets: list[dict[str, Any]] = field(default_factory=list)
    direct_messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # Mentions for polling: v2 tweet objects, and their authors.
    mentions: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1_800_000_000_000_000_000))

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/2/tweets", self.create_tweet),
            web.post("/2/dm_conversations/with/{participant_id}/messages", self.create_dm),
            web.get("/2/users/{id}/mentions", self.get_mentions),
        ]

    @staticmethod
    def _authorized(request: web.Request) -> bool:
        # OAuth 1.0a user context, as tweepy signs it.
        header = request.headers.get("Authorization", "")
        return header.startswith("OAuth ") and "oauth_signature=" in header and "oauth_consumer_key=" in header

    def _unauthorized(self) -> web.Response:
        return web.json_response({"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}, status=401)

    async def create_tweet(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized()
        body = await request.json()
        if not parse_tweet(body.get("text", "")).valid:
            return web.json_response(
                {"title": "Invalid Request", "detail": "text is too long", "status": 400}, status=400
            )
        self.tweets.append(body)
        return web.json_response({"data": {"id": str(next(self._ids)), "text": body["text"]}}, status=201)

    async def create_dm(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized()
        body = await request.json()
        participant = request.match_info["participant_id"]
        if not 0 < len(body.get("text", "")) <= 10_000:
            return web.json_response({"title": "Invalid Request", "detail": "text", "status": 400}, status=400)
        self.direct_messages.append((participant, body))
        event_id = str(next(self._ids))
        return web.json_response(
            {"data": {"dm_conversation_id": f"{participant}-1", "dm_event_id": event_id}}, status=201
        )

    async def get_mentions(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized()
        since = int(request.query.get("since_id", "0"))
        found = sorted((t for t in self.mentions if int(t["id"]) > since), key=lambda t: -int(t["id"]))
        limit = int(request.query.get("max_results", "10"))
        offset = int(request.query.get("pagination_token", "0"))
        page = found[offset : offset + limit]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if offset + limit < len(found):
            meta["next_token"] = str(offset + limit)
        authors = [self.users[t["author_id"]] for t in page if t["author_id"] in self.users]
        body: dict[str, Any] = {"meta": meta}
        if page:
            body.update(data=page, includes={"users": authors})
        return web.json_response(body)
