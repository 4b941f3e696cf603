"""A report made in the chat reaches Signalen through the running gateway, and
Signalen's news about it reaches the conversation."""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from pathlib import Path
from typing import AsyncIterator

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


async def test_a_confirmed_report_arrives_at_signalen_and_its_news_comes_back(
    signalen: FakeSignalen, gateway_to_signalen: Service
) -> None:
    sender = f"citizen-{uuid.uuid4().hex[:8]}"
    signalen.fail_next(2, status=503)  # the back end is down for a moment

    async with aiohttp.ClientSession() as session:

        async def say(text: str) -> str:
            body = {"sender": sender, "message": text}
            async with session.post(gateway_to_signalen.url + "/webhooks/rest/webhook", json=body, headers=AUTH) as r:
                assert r.status == 200
                return "\n".join(reply["text"] for reply in await r.json())

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
        engine = sa.create_engine(gateway_to_signalen.env["DATABASE_URL"])
        try:

            def news() -> list[str]:
                with engine.connect() as connection:
                    return list(connection.scalars(sa.text("SELECT text FROM messages WHERE text LIKE '%nieuws%'")))

            (told,) = await eventually(news, "news about the report")
        finally:
            engine.dispose()
        assert reference.group(0) in told and "afgehandeld" in told and "De vos is weggehaald." in told
        status = await say(f"hoe staat het met {reference.group(0)}?")
        assert "afgehandeld" in status and "De vos is weggehaald." in status
    assert len(signalen.signals) == 1
