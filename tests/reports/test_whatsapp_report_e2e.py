"""A public-space report made entirely over WhatsApp, end to end: the real
gateway process, the trained model and the action server, WhatsApp's Cloud
API played by a local server. The citizen shares a location and a photo and
taps WhatsApp's own buttons; the report is stored with both."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import aiohttp
import pytest
import sqlalchemy as sa

from tests.platform_payloads import (
    body,
    whatsapp_button,
    whatsapp_delivery,
    whatsapp_image,
    whatsapp_location,
    whatsapp_signature,
    whatsapp_text,
)
from tests.platforms import Fakes, fake_platforms, until
from tests.support import ROOT, Service, start_engine_side, start_gateway

pytestmark = pytest.mark.integration
REFERENCE = re.compile(r"M-\d{4}-\d{6}")
CITIZEN = "31612340001"


@contextlib.asynccontextmanager
async def whatsapp_gateway(trained_model: Path, folder: Path) -> AsyncIterator[tuple[Service, Fakes]]:
    async with fake_platforms() as fakes:
        env = {
            **fakes.env(),
            "DORPSPOMP_SECRET": "test-session-secret",
            "DATABASE_URL": f"sqlite:///{folder / 'gateway.sqlite3'}",
            "MODEL_DIR": str(trained_model.parent),
            "MEDIA_DIR": str(folder / "media"),
            "REDIS_URL": "",
            "ROADWORKS_FEED": str(ROOT / "tests" / "data" / "roadworks.geojson"),
        }
        with contextlib.ExitStack() as stack:
            engine = start_engine_side(stack, folder, env)
            # From a thread: the fake platforms on this loop answer the gateway as it starts.
            gateway = await asyncio.to_thread(start_gateway, folder / "gateway.log", {**env, **engine})
            stack.callback(gateway.stop)
            yield gateway, fakes


class WhatsAppCitizen:
    def __init__(self, session: aiohttp.ClientSession, gateway: Service, fakes: Fakes) -> None:
        self.session, self.gateway, self.fakes = session, gateway, fakes

    def received(self) -> list[dict[str, Any]]:
        return self.fakes.graph.whatsapp_messages(CITIZEN)

    async def sends(
        self, message: dict[str, Any], ends: Callable[[str], object] = lambda _: False
    ) -> list[dict[str, Any]]:
        """Send one message; the bot's answer to it, once it has arrived: up to a
        question (buttons, a list, a location request) or text for which ``ends`` holds."""
        before = len(self.received())
        raw = body(whatsapp_delivery([message]))
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": whatsapp_signature(raw)}
        async with self.session.post(self.gateway.url + "/webhooks/whatsapp", data=raw, headers=headers) as response:
            assert response.status == 200

        def answered() -> object:
            answer = self.received()[before:]
            return any(m["type"] == "interactive" for m in answer) or (answer and ends(said(answer)))

        await until(answered, timeout=60)
        return self.received()[before:]


def said(answer: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"]["body"] if m["type"] == "text" else m["interactive"]["body"]["text"] for m in answer)


def choices(answer: list[dict[str, Any]]) -> list[str]:
    interactive = answer[-1]["interactive"]
    if interactive["type"] == "button":
        return [b["reply"]["id"] for b in interactive["action"]["buttons"]]
    if interactive["type"] == "list":
        return [row["id"] for section in interactive["action"]["sections"] for row in section["rows"]]
    return []


async def test_a_report_with_a_shared_location_and_a_photo(trained_model: Path, tmp_path: Path) -> None:
    async with whatsapp_gateway(trained_model, tmp_path) as (gateway, fakes):
        async with aiohttp.ClientSession() as session:
            citizen = WhatsAppCitizen(session, gateway, fakes)
            where = await citizen.sends(whatsapp_text(CITIZEN, "er zit een diep gat in de weg"))
            assert where[-1]["interactive"]["type"] == "location_request_message", said(where)
            photo = await citizen.sends(whatsapp_location(CITIZEN, 52.2003, 5.8991))
            assert "foto" in said(photo).lower()
            contact = await citizen.sends(whatsapp_image(CITIZEN, media_id="91823"))
            assert "e-mail" in said(contact)
            assert "/deny" in choices(contact)
            summary = await citizen.sends(whatsapp_button(CITIZEN, "/deny", "Nee, anoniem"))
            assert "Klopt dit?" in said(summary) and "1 foto" in said(summary)
            assert "/affirm" in choices(summary)
            thanks = await citizen.sends(whatsapp_button(CITIZEN, "/affirm", "Ja, versturen"), ends=REFERENCE.search)
            reference = REFERENCE.search(said(thanks))
            assert reference is not None, said(thanks)

        engine = sa.create_engine(gateway.env["DATABASE_URL"])
        with engine.connect() as connection:
            report = (
                connection.execute(sa.text("SELECT * FROM reports WHERE reference = :r"), {"r": reference.group(0)})
                .mappings()
                .one()
            )
        engine.dispose()
        assert report["service_code"].startswith("wegen/")
        assert (report["latitude"], report["longitude"]) == (52.2003, 5.8991)
        media = report["media"] if isinstance(report["media"], list) else json.loads(report["media"])
        assert len(media) == 1
        # Every message was marked read as it was answered.
        receipts = [m for m in fakes.graph.whatsapp if m.get("status") == "read"]
        assert len(receipts) == 5
