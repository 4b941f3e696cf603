"""Every open websocket of the gateway (the chat widget's, the inbox's), so a
stopping gateway closes them with 1012, "service restart", at once: both
clients reconnect, to this process's successor or another replica, instead of
the process waiting for its clients to leave."""

from __future__ import annotations

import contextlib
from typing import Iterator

from aiohttp import WSCloseCode, web

RESTARTING = WSCloseCode.SERVICE_RESTART


class OpenSockets:
    def __init__(self) -> None:
        self._open: set[web.WebSocketResponse] = set()

    @contextlib.contextmanager
    def kept(self, socket: web.WebSocketResponse) -> Iterator[None]:
        """Known as open while the block runs."""
        self._open.add(socket)
        try:
            yield
        finally:
            self._open.discard(socket)

    async def close_all(self, _: web.Application) -> None:
        """For ``app.on_shutdown``: after the gateway stopped accepting, before it waits for handlers."""
        for socket in list(self._open):
            await socket.close(code=RESTARTING, message=b"server restarting")
