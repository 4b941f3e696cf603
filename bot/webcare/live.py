"""The inbox's live socket: queue and conversation changes from every gateway
process, as they happen, until the colleague's session ends."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from bot.events import EventBus
from bot.web.sockets import OpenSockets
from bot.webcare.auth import SESSION_COOKIE, StaffAuth
from bot.webcare.gate import INBOX_TOPIC
from bot.webcare.staff import StaffSession

# How often an open socket checks that its session still holds (an admin may
# disable the account from another process), and its close code when it ends.
SESSION_CHECK_SECONDS = 10
SESSION_ENDED = 4401


class InboxSockets:
    def __init__(self, auth: StaffAuth, bus: EventBus, open_sockets: OpenSockets) -> None:
        self._auth = auth
        self._bus = bus
        self._open_sockets = open_sockets
        # Each colleague's open sockets by session cookie, so logging out closes them.
        self._by_session: dict[str, set[web.WebSocketResponse]] = {}
        # Why a socket is being closed from another task: its handler closes it
        # with this code itself (aiohttp would otherwise close it with 1000 first).
        self._ending: dict[web.WebSocketResponse, int] = {}

    async def end_session(self, cookie: str) -> None:
        for socket in list(self._by_session.get(cookie, ())):
            await self._end(socket)

    async def _end(self, socket: web.WebSocketResponse) -> None:
        self._ending[socket] = SESSION_ENDED
        await socket.close(code=SESSION_ENDED, message=b"session ended")

    async def live(self, request: web.Request, session: StaffSession) -> web.WebSocketResponse:
        origin = request.headers.get("Origin")
        if origin is not None and origin.split("://", 1)[-1] != request.host:
            raise web.HTTPForbidden(reason="andere herkomst")
        cookie = request.cookies[SESSION_COOKIE]
        socket = web.WebSocketResponse(heartbeat=25)
        await socket.prepare(request)

        async def forward(event: dict[str, Any]) -> None:
            if not socket.closed:
                await socket.send_str(json.dumps(event))

        async def watch_session() -> None:
            while not socket.closed:
                await asyncio.sleep(SESSION_CHECK_SECONDS)
                if await self._auth.session(request) is None:
                    await self._end(socket)

        unsubscribe = self._bus.subscribe(INBOX_TOPIC, forward)
        self._by_session.setdefault(cookie, set()).add(socket)
        watcher = asyncio.create_task(watch_session())
        try:
            with self._open_sockets.kept(socket):
                async for frame in socket:
                    if frame.type == WSMsgType.ERROR:
                        break
        finally:
            unsubscribe()
            watcher.cancel()
            self._by_session.get(cookie, set()).discard(socket)
            if not self._by_session.get(cookie):
                self._by_session.pop(cookie, None)
            await socket.close(code=self._ending.pop(socket, WSCloseCode.OK))
        return socket
