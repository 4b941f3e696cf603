"""A gateway whose engine is unreachable still answers every citizen, honestly."""

from __future__ import annotations

import aiohttp
import pytest

from tests.conftest import REST_TOKEN
from tests.support import free_port, project_municipality, start_gateway

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"Bearer {REST_TOKEN}"}


async def test_an_unreachable_engine_service_gets_an_apology_not_a_500(tmp_path) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.sqlite3'}",
        "ENGINE_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens there
        "REDIS_URL": "",
        "DORPSPOMP_REST_TOKEN": REST_TOKEN,
        "DORPSPOMP_SECRET": "s",
    }
    # /readyz stays 503 while the engine is down, so only wait for /healthz.
    gateway = start_gateway(tmp_path / "gateway.log", env, ready_path="/healthz")
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(gateway.url + "/readyz") as response:
                assert response.status == 503
                assert (await response.json())["checks"]["engine"] is False
            async with session.post(
                gateway.url + "/webhooks/rest/webhook", json={"sender": "a", "message": "hoi"}, headers=AUTH
            ) as response:
                assert response.status == 200
                welcome, reply = await response.json()  # a first message: the welcome first
            async with session.post(gateway.url + "/api/nlu/parse", json={"text": "hoi"}, headers=AUTH) as response:
                assert response.status == 503
            # The other figures stay visible while the engine is down.
            async with session.get(gateway.url + "/metrics") as response:
                assert response.status == 200
                metrics = await response.text()
            assert "dorpspomp_deliveries_failed 0.0" in metrics and "dorpspomp_model_info{" not in metrics
    finally:
        gateway.stop()
    assert welcome["text"] == project_municipality().welcome.wordings[0]
    assert "14 0123" in reply["text"]
