"""The web chat channel: a websocket at ``/webchat/ws`` and the widget script.

Protocol, one JSON object per websocket message:

browser → server
  ``{"type": "hello", "session": <token or null>}``      first, once per connection
  ``{"type": "message", "id": "...", "text": "...", "payload": "..."}``  typed text or a tapped button
  ``{"type": "message", "id": "...", "location": {"latitude": .., "longitude": ..}}``  "share my location"
  ``{"type": "message", "id": "...", "photos": ["<media id>"]}``  after ``POST /webchat/upload``

server → browser
  ``{"type": "session", "session": <token>, "history": [turn, ...]}``  a citizen's turn carries its ``id``;
                                                          a new conversation's history is the welcome
  ``{"type": "ack", "id": "..."}``                          the message is kept: the widget stops resending it
  ``{"type": "typing"}``                                    while the answer is made
  ``{"type": "reply", "text": ..., "buttons": [...], "image": ...}``
  ``{"type": "received"}``                                  kept for a colleague; no bot answer
  ``{"type": "error", "error": "..."}``                     a request it could not take

``POST /webchat/upload`` takes one photo as the raw request body, with the
session token as bearer token, and answers ``{"photo": "<media id>"}``, with
``"location"`` when the photo says where it was taken (the widget offers it).

Messages, new conversations and uploads are rate-limited per session and per
client address (bot/throttle.py); past a limit the citizen reads
``{"type": "limited", "text": ...}`` and nothing is kept.

Nothing a citizen sends is lost to a dropped connection or a gateway that
dies: the widget gives every message an ``id`` and sends it again after a
reconnect until it has an ``ack``. The server keeps the message (the inbox of
bot/store/inbox.py, the id unique within the session) before it acks, answers
each id once, and a message whose answering died with its process is
answered by the recovery round of any gateway. ``limited`` and ``error``
carry the ``id`` too: that message will not be kept, resending cannot help.
"""

from __future__ import annotations

import contextlib
import logging
import re
from pathlib import Path
from typing import Any, Optional

from aiohttp import WSCloseCode, WSMsgType, web

from bot.contract import Language
from bot.media import MAX_BYTES, MEDIA_PREFIX, MediaRejected, MediaStore
from bot.messages import Attachment, IncomingMessage, Location, MessageTooLong, Reply, Turn
from bot.store.uploads import MAX_UNSENT_PER_SESSION
from bot.web.http import HttpProblem, NotJson, TooDeep, parse_json, read_body
from channels.base import Channel, ChannelContext
from channels.webchat.session import SessionSigner

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
# What the municipality's page loads from us, by path: (file, content type).
WIDGET_FILES = {
    "/widget.js": (STATIC / "widget.js", "application/javascript; charset=utf-8"),
    "/widget.css": (STATIC / "widget.css", "text/css; charset=utf-8"),
}
MAX_FRAME_BYTES = 64 * 1024
MAX_PHOTOS_PER_MESSAGE = 5
# The widget's message ids: random, URL-safe.
CLIENT_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
DELIVERY_TOPIC = "webchat-delivery"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
}


TOO_MANY_MESSAGES = (
    "Je stuurt veel berichten kort na elkaar. Wacht een minuutje, dan kun je weer verder. "
    "Dit bericht is niet verstuurd."
)
TOO_MANY_CONVERSATIONS = "Er worden vanaf deze verbinding erg veel gesprekken gestart. Probeer het later nog eens."
TOO_MANY_UPLOADS = "Je hebt veel foto's kort na elkaar gestuurd. Wacht even en probeer het dan opnieuw."
TOO_MANY_UNSENT = f"Er staan al {MAX_UNSENT_PER_SESSION} foto's klaar die nog niet verstuurd zijn."


class BadFrame(ValueError):
    """A message frame the widget should not have sent; the text says what is wrong."""


def _location(data: Any) -> Optional[Location]:
    if data is None:
        return None
    try:
        latitude, longitude = float(data["latitude"]), float(data["longitude"])
    except (TypeError, KeyError, ValueError):
        raise BadFrame("location needs numeric latitude and longitude") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise BadFrame("location is not a point on earth")
    return Location(latitude, longitude)


async def _photo_ids(data: Any, media: MediaStore) -> list[str]:
    if data is None:
        return []
    if not isinstance(data, list) or len(data) > MAX_PHOTOS_PER_MESSAGE:
        raise BadFrame(f"photos must be a list of at most {MAX_PHOTOS_PER_MESSAGE} uploaded ids")
    if not all([isinstance(i, str) and await media.has(i) for i in data]):
        raise BadFrame("unknown photo: upload it first")
    return data


def render(reply: Reply) -> dict[str, Any]:
    return {"type": "reply", **reply.to_dict()}


def _device_language(data: dict[str, Any]) -> str:
    """English when the browser prefers it (``navigator.language``, "en-GB"), else Dutch."""
    preferred = data.get("language")
    if isinstance(preferred, str) and preferred.lower().split("-")[0] == Language.ENGLISH:
        return Language.ENGLISH
    return Language.DUTCH


def _client_id(data: dict[str, Any]) -> Optional[str]:
    value = data.get("id")
    if value is None:
        return None
    if not isinstance(value, str) or not CLIENT_MESSAGE_ID.match(value):
        raise BadFrame("id must be 8 to 64 letters, digits, '-' or '_'")
    return value


def _kept_as(conversation_id: str, client_id: str) -> str:
    """The message's id in the inbox and the history: unique within its session only,
    so nobody can pass an id of another session's message off as theirs."""
    return f"{conversation_id}:{client_id}"


async def _tell(socket: web.WebSocketResponse, frame: dict[str, Any]) -> None:
    """To the citizen's socket while it is open. A turn that began goes on when
    the connection drops: its answer is in the history the widget gets back."""
    with contextlib.suppress(ConnectionError, RuntimeError):
        await socket.send_json(frame)


def render_turn(turn: Turn) -> dict[str, Any]:
    rendered = {"from": "citizen" if turn.from_citizen else "bot", **turn.reply.to_dict()}
    if turn.photos or turn.shared_location:
        rendered.update(photos=turn.photos, location=turn.shared_location)
    if turn.message_id:
        rendered["id"] = turn.message_id.partition(":")[2]
    return rendered


class WebchatChannel(Channel):
    name = "webchat"
    title = "Website-chat"
    colour = "#0072B2"

    @classmethod
    def create(cls, context: ChannelContext) -> "WebchatChannel":
        return cls(context, SessionSigner(context.settings.session_secret))

    def __init__(self, context: ChannelContext, signer: SessionSigner) -> None:
        super().__init__(context)
        self._signer = signer
        self._media = context.media
        self._bus = context.bus
        self._uploads = context.uploads
        self._inbox = context.inbox
        self._throttle = context.throttle
        self._client_address = context.client_address
        # Open sockets per conversation (several tabs may show one), for deliver().
        self._sockets: dict[str, set[web.WebSocketResponse]] = {}
        self._open_sockets = context.sockets
        self._bus.subscribe(DELIVERY_TOPIC, self._send_to_open_sockets)

    def routes(self) -> list[web.RouteDef]:
        return [
            *(web.get(path, self.widget) for path in WIDGET_FILES),
            web.get("/webchat/ws", self.websocket),
            web.post("/webchat/upload", self.upload),
            web.options("/webchat/upload", self.upload_preflight),
        ]

    async def deliver(self, conversation_id: str, sender: str, replies: list[Reply], from_staff: bool = False) -> None:
        """To the citizen's open chat, in whichever gateway process holds its socket."""
        await self._bus.publish(
            DELIVERY_TOPIC,
            {"conversation_id": conversation_id, "replies": [r.to_dict() for r in replies]},
        )

    async def _send_to_open_sockets(self, event: dict[str, Any]) -> None:
        for socket in [s for s in self._sockets.get(event["conversation_id"], ()) if not s.closed]:
            for reply in event["replies"]:
                await socket.send_json(render(Reply.from_dict(reply)))

    async def upload(self, request: web.Request) -> web.Response:
        """One photo for a report; the widget then sends its id in a message."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        conversation_id = self._signer.verify(token) if scheme.lower() == "bearer" else None
        if conversation_id is None:
            raise HttpProblem(401, "upload needs the chat session as bearer token", CORS_HEADERS)
        if not (
            await self._throttle.allow("upload_per_session", conversation_id)
            and await self._throttle.allow("upload_per_client", self._client_address(request))
        ):
            retry = {"Retry-After": str(self._throttle.period("upload_per_session"))}
            raise HttpProblem(429, TOO_MANY_UPLOADS, {**CORS_HEADERS, **retry})
        if await self._uploads.unsent(conversation_id) >= MAX_UNSENT_PER_SESSION:
            raise HttpProblem(429, TOO_MANY_UNSENT, CORS_HEADERS)
        too_large = HttpProblem(413, "Deze foto is groter dan 10 MB. Stuur een kleinere foto.", CORS_HEADERS)
        data = await read_body(request, MAX_BYTES, too_large)
        try:
            stored = await self._media.store(data)
        except MediaRejected as error:
            raise HttpProblem(415, str(error), CORS_HEADERS) from None
        await self._uploads.add(stored.id, conversation_id)
        body: dict[str, Any] = {"photo": stored.id}
        if stored.location is not None:
            body["location"] = {"latitude": stored.location.latitude, "longitude": stored.location.longitude}
        return web.json_response(body, status=201, headers=CORS_HEADERS)

    async def upload_preflight(self, request: web.Request) -> web.Response:
        # The widget runs on the municipality's own site, another origin than ours.
        return web.Response(status=204, headers=CORS_HEADERS)

    async def widget(self, request: web.Request) -> web.FileResponse:
        path, content_type = WIDGET_FILES[request.path]
        return web.FileResponse(
            path,
            headers={
                "Content-Type": content_type,
                "Cache-Control": "public, max-age=300",
                "Access-Control-Allow-Origin": "*",
            },
        )

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(heartbeat=25, max_msg_size=MAX_FRAME_BYTES)
        await socket.prepare(request)
        client = self._client_address(request)
        conversation_id: Optional[str] = None
        try:
            with self._open_sockets.kept(socket):
                async for frame in socket:
                    conversation_id = await self._frame(socket, client, conversation_id, frame)
        finally:
            if conversation_id is not None:
                self._sockets.get(conversation_id, set()).discard(socket)
        return socket

    async def _frame(
        self, socket: web.WebSocketResponse, client: str, conversation_id: Optional[str], frame: Any
    ) -> Optional[str]:
        if frame.type != WSMsgType.TEXT:
            return conversation_id
        try:
            data = parse_json(frame.data)
        except TooDeep:
            # No widget sends this: whoever does gets no second try.
            await socket.close(code=WSCloseCode.UNSUPPORTED_DATA, message=b"JSON nested too deep")
            return conversation_id
        except NotJson:
            data = None
        if not isinstance(data, dict):
            await socket.send_json({"type": "error", "error": "not a JSON object"})
            return conversation_id
        if data.get("type") == "hello":
            if conversation_id is not None:
                self._sockets.get(conversation_id, set()).discard(socket)
            conversation_id = await self._open(socket, client, data.get("session"), _device_language(data))
            if conversation_id is not None:
                self._sockets.setdefault(conversation_id, set()).add(socket)
        elif data.get("type") == "message":
            await self._answer(socket, client, conversation_id, data)
        else:
            await socket.send_json({"type": "error", "error": "unknown message type"})
        return conversation_id

    async def _open(self, socket: web.WebSocketResponse, client: str, token: Any, language: str) -> Optional[str]:
        """Resume the conversation the token names, or start a new one (within the limit)."""
        conversation_id = self._signer.verify(token)
        transcript = await self.hub.transcript(conversation_id) if conversation_id else None
        if conversation_id is None or transcript is None:
            if not await self._throttle.allow("chat_conversation_per_client", client):
                await socket.send_json({"type": "limited", "text": TOO_MANY_CONVERSATIONS})
                return None
            conversation_id = await self.hub.open_conversation(self.name, language)
            transcript = await self.hub.transcript(conversation_id) or []  # the welcome
        await socket.send_json(
            {
                "type": "session",
                "session": self._signer.sign(conversation_id),
                "history": [render_turn(turn) for turn in transcript],
            }
        )
        return conversation_id

    async def _answer(
        self, socket: web.WebSocketResponse, client: str, conversation_id: Optional[str], data: dict[str, Any]
    ) -> None:
        if conversation_id is None:
            await socket.send_json({"type": "error", "error": "say hello first"})
            return
        try:
            client_id = _client_id(data)
        except BadFrame as error:
            await socket.send_json({"type": "error", "error": str(error)})
            return
        about = {"id": client_id} if client_id else {}
        if not (
            await self._throttle.allow("chat_message_per_session", conversation_id)
            and await self._throttle.allow("chat_message_per_client", client)
        ):
            await socket.send_json({"type": "limited", "text": TOO_MANY_MESSAGES, **about})
            return
        try:
            message = await self._message(conversation_id, data)
        except (BadFrame, MessageTooLong) as error:
            await socket.send_json({"type": "error", "error": str(error), **about})
            return
        receipt = None
        if client_id is not None:
            kept = {"conversation_id": conversation_id, "frame": data}
            receipt = await self._inbox.accept(self.name, message.platform_message_id, conversation_id, kept)
            await _tell(socket, {"type": "ack", "id": client_id})
            if receipt is None:  # sent again: answered already, or being answered elsewhere
                return
        async with self._inbox.holding(receipt) if receipt is not None else contextlib.nullcontext():
            await _tell(socket, {"type": "typing"})
            replies = (await self.hub.handle(message, conversation_id)).replies
            if receipt is not None:
                await self._inbox.answered(receipt)
        for reply in replies:
            await _tell(socket, render(reply))
        if not replies:
            await _tell(socket, {"type": "received"})

    async def recover(self) -> int:
        """Answer kept messages whose answering died with its process; the
        answer goes to the citizen's chat wherever it is open, and into its history."""
        receipts = await self._inbox.due(self.name)
        for receipt in receipts:
            conversation_id = str(receipt.event["conversation_id"])
            try:
                message = await self._message(conversation_id, dict(receipt.event["frame"]))
                async with self._inbox.holding(receipt):
                    answer = await self.hub.handle(message, conversation_id)
                    # Kept before its process died: the citizen gets it with the history, not twice.
                    if answer.replies and not answer.repeated:
                        await self.deliver(conversation_id, conversation_id, answer.replies)
                    await self._inbox.answered(receipt)
            except Exception:
                logger.exception("webchat: a kept message could not be answered; it will be tried again")
        return len(receipts)

    async def _message(self, conversation_id: str, data: dict[str, Any]) -> IncomingMessage:
        text, payload = data.get("text", ""), data.get("payload")
        if not isinstance(text, str) or not (payload is None or isinstance(payload, str)):
            raise BadFrame("text and payload must be strings")
        location = _location(data.get("location"))
        photo_ids = await _photo_ids(data.get("photos"), self._media)
        if not text.strip() and not payload and location is None and not photo_ids:
            raise BadFrame("empty message")
        client_id = _client_id(data)
        message = IncomingMessage(
            channel=self.name,
            sender=conversation_id,
            text=text,
            payload=payload,
            location=location,
            attachments=tuple(Attachment("image", MEDIA_PREFIX + i, self._media.mime_type(i)) for i in photo_ids),
            platform_message_id=_kept_as(conversation_id, client_id) if client_id else None,
        )
        if photo_ids and not await self._uploads.use(conversation_id, photo_ids):
            raise BadFrame("unknown photo: upload it first")
        return message
