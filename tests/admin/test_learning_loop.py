"""The learning loop end to end on a small project: a logged question is
reviewed and annotated on the admin page, a new model is trained by the engine
service in the background, evaluated and compared, promoted, and swapped in
while citizens keep writing to two gateways; not one message fails."""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.gateway import ROUTER, build_app
from bot.learning.runs import compare
from bot.profile import load_profile
from bot.settings import Settings
from bot.storage import MODELS, remote_store
from bot.store import Database
from bot.webcare.staff import StaffStore
from tests.conftest import REST_TOKEN, make_settings
from tests.history import PastConversation, Turn, write_history
from tests.support import (
    ENGINE_TOKEN,
    ROOT,
    STAFF_PASSWORD,
    Agent,
    copy_project,
    start_engine_service,
    trained_model_for,
)
from tests.admin.test_review import NOW

SMALL_PROJECT = ROOT / "tests" / "data" / "small_project"
QUESTION = "hoe laat gaat het stadhuis dicht vandaag"


def test_a_candidate_goes_live_by_itself_only_if_no_intent_got_worse() -> None:
    better = compare({"a": 0.90, "b": 0.80}, {"a": 0.95, "b": 0.79}, None, {"accuracy": 1, "macro_f1": 1}, 0.02)
    assert better["worse"] == []
    worse = compare({"a": 0.90, "b": 0.80}, {"a": 0.95, "b": 0.70}, None, {"accuracy": 1, "macro_f1": 1}, 0.02)
    assert worse["worse"] == ["b"]
    lost = compare({"a": 0.90, "gone": 0.5}, {"a": 0.90}, None, {"accuracy": 1, "macro_f1": 1}, 0.02)
    assert lost["worse"] == ["gone"]


async def citizens_writing(clients: list[TestClient], stop: asyncio.Event, results: list[tuple[int, str]]) -> None:
    """Citizens at both gateways, one message after the other, until ``stop``."""
    texts = ("hallo", "wanneer wordt het afval opgehaald", "openingstijden gemeente", QUESTION)
    turn = 0
    while not stop.is_set():
        client = clients[turn % len(clients)]
        response = await client.post(
            "/webhooks/rest/webhook",
            json={"sender": f"loop-citizen-{turn % 5}", "message": texts[turn % len(texts)]},
            headers={"Authorization": f"Bearer {REST_TOKEN}"},
        )
        replies = await response.json()
        results.append((response.status, replies[0]["text"] if replies else ""))
        turn += 1


async def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.5)


async def test_review_annotate_train_compare_promote_and_swap_while_citizens_write(
    tmp_path: Path, s3_env: dict[str, str]
) -> None:
    root = copy_project(tmp_path, ("municipality.yml", "places.yml", "content"))
    shutil.copytree(SMALL_PROJECT, root, dirs_exist_ok=True)
    models = root / "models"
    url = f"sqlite:///{root / 'loop.sqlite3'}"
    project = {
        "DORPSPOMP_HOME": str(root),
        "MODEL_DIR": str(models),
        "MUNICIPALITY_PROFILE": str(root / "municipality.yml"),
        "DATABASE_URL": url,
        "REDIS_URL": "",
        # Models are published to the object store, where every engine replica finds them.
        **s3_env,
    }
    baseline = await asyncio.to_thread(trained_model_for, root, project)
    database = Database(url)
    database.migrate()
    engine_service = await asyncio.to_thread(
        start_engine_service, root / "engine.log", {**project, "ACTION_ENDPOINT": ""}
    )
    await StaffStore(database).add("carla", "Carla Smit", "admin", STAFF_PASSWORD)
    await write_history(database, PastConversation("webchat", NOW, [Turn(QUESTION, "nlu_fallback", 0.21)]))
    await write_history(database, PastConversation("x", NOW, [Turn(QUESTION + "?", "nlu_fallback", 0.25)]))
    settings = make_settings(
        url,
        root=root,
        model_dir=models,
        profile_path=root / "municipality.yml",
        media_dir=root / "media",
        # The swap loads a model while the training process holds the CPU: slow, never failed.
        engine_timeout=60.0,
        engine_url=engine_service.url,
        engine_token=ENGINE_TOKEN,
    )
    apology = set(load_profile(settings.profile_path).texts["engine_failed"])
    one, two = TestClient(TestServer(await build_app(settings))), TestClient(TestServer(await build_app(settings)))
    await one.start_server()
    await two.start_server()
    engines = [one.app[ROUTER].engine, two.app[ROUTER].engine]
    carla = Agent(str(one.make_url("")))
    stop, results = asyncio.Event(), []
    writing = asyncio.create_task(citizens_writing([one, two], stop, results))
    try:
        assert [await e.model_version() for e in engines] == [baseline.name, baseline.name]
        assert (await carla.login("carla")).status == 303

        # Review and annotate: the question, twice asked, becomes an opening-hours example.
        review = await (await carla.http.get(carla.url("/admin/review"))).text()
        assert "2× gesteld" in review
        key = re.search(r'name="key" value="([^"]+)"', review).group(1)
        csrf = re.search(r'name="csrf" value="([^"]+)"', review).group(1)
        await carla.http.post(
            carla.url("/admin/review"), data={"csrf": csrf, "key": key, "decision": "intent", "intent": "opening_hours"}
        )
        assert QUESTION in (root / "nlu_data" / "nlu" / "opening_hours.yml").read_text()
        assert (
            (root / "nlu_data" / "nlu" / "opening_hours.yml").read_text().startswith("# Wanneer het stadhuis open is.")
        )

        # Train in the background; the page shows how far it is.
        await carla.http.post(carla.url("/admin/training"), data={"csrf": csrf})
        page = await (await carla.http.get(carla.url("/admin/training"))).text()
        run_id = int(re.search(r'data-run="(\d+)"', page).group(1))

        async def finished() -> bool:
            status = await (await carla.http.get(carla.url(f"/admin/api/training/{run_id}"))).json()
            return status["state"] != "running"

        await wait_for(finished, 300, "the training run")
        page = await (await carla.http.get(carla.url("/admin/training"))).text()
        assert "wacht op besluit" in page and "Per onderwerp (F1)" in page, page
        assert "opening_hours" in page

        # Promote: both gateways switch while citizens keep writing.
        sent_before = len(results)
        await carla.http.post(carla.url(f"/admin/training/{run_id}/promote"), data={"csrf": csrf})
        runs = await (await carla.http.get(carla.url("/admin/training"))).text()
        candidate = re.search(r"dorpspomp-[0-9a-f]{16}\.tar\.gz", runs.split("· live")[1]).group(0)
        assert candidate != baseline.name

        async def swapped() -> bool:
            return all([await e.model_version() == candidate for e in engines])

        async def more_sent() -> bool:
            return len(results) > sent_before + 8

        await wait_for(swapped, 120, "both gateways to serve the promoted model")
        store = remote_store(Settings.from_env(project), MODELS)
        assert store is not None and store.exists(baseline.name) and store.exists(candidate)
        await wait_for(more_sent, 60, "more messages after the swap")
        assert (await engines[0].parse(QUESTION)).intent == "opening_hours"
    finally:
        stop.set()
        await writing
        await carla.close()
        await one.close()
        await two.close()
        await database.close()
        engine_service.stop()

    assert len(results) > 20
    assert all(status == 200 for status, _ in results)
    assert not [text for _, text in results if text in apology or not text]
    audit = Database(url)
    try:
        from bot.audit import AuditLog

        actions = [e.action for e in await AuditLog(audit).latest()]
    finally:
        await audit.close()
    assert actions[:3] == ["promotion", "training", "review"]
