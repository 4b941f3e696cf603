"""A report made in the chat reaches Signalen through the running gateway, and
Signalen's news about it reaches the conversation."""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
import sqlalchemy as sa

from tests.conftest import REST_TOKEN
from tests.fake_backends import FakeSignalen
from tests.support import Service, start_engine_side, start_gateway

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"Bearer {REST_TOKEN}"}


@pytest.fixture
async def gateway_to_signalen(signalen: FakeSignalen, trained_model: Path, tmp_path: Path) -> AsyncIterator[Service]:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.sqlite3'}",
        "DORPSPOMP_REST_TOKEN": REST_TOKEN,
        "DORPSPOMP_SECRET": "test-session-secret",
        "MODEL_DIR": str(trained_model.parent),
        "MEDIA_DIR": str(tmp_path / "media"),
        "REDIS_URL": "",
        "REPORTS_BACKEND": "signalen",
        "REPORTS_BACKEND_URL": signalen.url,
        "REPORTS_STATUS_POLL_SECONDS": "0.5",
    }
    # The processes start in threads: the fake Signalen must keep answering meanwhile.
    with contextlib.ExitStack() as stack:
        engine = await asyncio.to_thread(start_engine_side, stack, tmp_path, env)
        gateway = await asyncio.to_thread(start_gateway, tmp_path / "gateway.log", {**env, **engine})
        try:
            yield gateway
        finally:
            await asyncio.to_thread(gateway.stop)


async def eventually(check, what: str, seconds: float = 30.0):  # type: ignore[no-untyped-def]
    """Poll ``check`` until it returns something truthy; the workers run on their own."""
    for _ in range(int(seconds / 0.2)):
        found = check()
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {seconds}s")


def talker(session: aiohttp.ClientSession, gateway: Service, sender: str) -> Callable[[str], Awaitable[str]]:
    async def say(text: str) -> str:
        body = {"sender": sender, "message": text}
        async with session.post(gateway.url + "/webhooks/rest/webhook", json=body, headers=AUTH) as response:
            assert response.status == 200
            return "\n".join(reply["text"] for reply in await response.json())

    return say


def stored_texts(gateway: Service, like: str) -> Callable[[], list[str]]:
    def texts() -> list[str]:
        engine = sa.create_engine(gateway.env["DATABASE_URL"])
        try:
            with engine.connect() as connection:
                return list(connection.scalars(sa.text("SELECT text FROM messages WHERE text LIKE :t"), {"t": like}))
        finally:
            engine.dispose()

    return texts


async def test_a_confirmed_report_arrives_at_signalen_and_its_news_comes_back(
    signalen: FakeSignalen, gateway_to_signalen: Service
) -> None:
    signalen.fail_next(2, status=503)  # the back end is down for a moment
    async with aiohttp.ClientSession() as session:
        say = talker(session, gateway_to_signalen, f"citizen-{uuid.uuid4().hex[:8]}")
        await say("er ligt een dode vos op de Polderweg")
        await say("/deny")
        await say("/deny")
        thanks = await say("/affirm")
        reference = re.search(r"M-\d{4}-\d{6}", thanks)
        assert reference, thanks

        signal = await eventually(lambda: list(signalen.signals.values()), "forwarding to Signalen")
        assert len(signal) == 1
        assert signal[0]["category"]["sub_category"].endswith("/categories/dieren/sub_categories/dood_dier")
        assert reference.group(0) in signal[0]["text"]

        (signal_id,) = signalen.signals
        signalen.set_state(signal_id, "o", "De vos is weggehaald.")
        (told,) = await eventually(stored_texts(gateway_to_signalen, "%nieuws%"), "news about the report")
        assert reference.group(0) in told and "afgehandeld" in told and "De vos is weggehaald." in told
        status = await say(f"hoe staat het met {reference.group(0)}?")
        assert "afgehandeld" in status and "De vos is weggehaald." in status
    assert len(signalen.signals) == 1


async def test_news_about_a_report_made_in_english_comes_in_english(
    signalen: FakeSignalen, gateway_to_signalen: Service
) -> None:
    async with aiohttp.ClientSession() as session:
        say = talker(session, gateway_to_signalen, f"citizen-{uuid.uuid4().hex[:8]}")
        kinds = await say("There is a dead fox lying on the Polderweg")
        assert kinds.endswith('If none fits, choose "Something else".'), kinds
        await say('/inform{"report_category": "dieren/dood_dier"}')
        await say("/deny")
        await say("/deny")
        reference = re.search(r"M-\d{4}-\d{6}", await say("/affirm"))
        assert reference

        (signal_id,) = await eventually(lambda: list(signalen.signals), "forwarding to Signalen")
        signalen.set_state(signal_id, "o", "The fox has been taken away.")
        (told,) = await eventually(stored_texts(gateway_to_signalen, "%news about your report%"), "news")
    assert told == (
        f"There is news about your report {reference.group(0)} (dead animal): it is now done. "
        "A note from our colleague: The fox has been taken away."
    )
