"""A citizen talking to the real gateway through its REST channel."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp
import sqlalchemy as sa

from tests.conftest import REST_TOKEN
from tests.support import Service

AUTH = {"Authorization": f"Bearer {REST_TOKEN}"}


class Citizen:
    def __init__(self, session: aiohttp.ClientSession, gateway: Service) -> None:
        self.session = session
        self.gateway = gateway
        self.sender = f"citizen-{uuid.uuid4().hex[:10]}"

    async def says(self, text: str) -> str:
        """The replies' text; empty while a colleague has the conversation."""
        body = {"sender": self.sender, "message": text}
        async with self.session.post(self.gateway.url + "/webhooks/rest/webhook", json=body, headers=AUTH) as response:
            assert response.status == 200, await response.text()
            replies = await response.json()
        self.last_buttons = [b["payload"] for r in replies for b in r.get("buttons", [])]
        return "\n".join(r.get("text", "") for r in replies)

    def handoff(self, open_only: bool = True) -> dict[str, Any] | None:
        engine = sa.create_engine(self.gateway.env["DATABASE_URL"])
        with engine.connect() as connection:
            row = (
                connection.execute(
                    sa.text(
                        "SELECT h.reason, h.topic, h.state, h.satisfaction, c.id AS conversation_id"
                        " FROM handoffs h JOIN conversations c ON c.id = h.conversation_id"
                        " WHERE c.sender = :sender" + (" AND h.open" if open_only else "") + " ORDER BY h.id DESC"
                    ),
                    {"sender": self.sender},
                )
                .mappings()
                .first()
            )
        engine.dispose()
        return dict(row) if row else None
