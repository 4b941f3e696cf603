"""The admin pages over HTTP with a scripted engine: who may open them, a
review decision from the page, the KPI export, the audit log of staff actions."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo
from pathlib import Path
from typing import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.audit import AuditLog
from bot.gateway import build_app
from bot.store import Database
from bot.webcare.staff import StaffStore
from tests.conftest import make_settings
from tests.history import PastConversation, Turn, write_history
from tests.support import STAFF_PASSWORD, Agent, ScriptedEngine, copy_project
from tests.admin.test_review import NOW

ADMIN_PAGES = ("/admin", "/admin/review", "/admin/training", "/admin/kpi", "/admin/kpi.csv", "/admin/audit")


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[TestClient, Database, Path]]:
    copy_project(tmp_path)
    url = f"sqlite:///{tmp_path / 'admin.sqlite3'}"
    database = Database(url)
    database.migrate()
    await StaffStore(database).add("anna", "Anna de Kok", "agent", STAFF_PASSWORD)
    await StaffStore(database).add("carla", "Carla Smit", "admin", STAFF_PASSWORD)
    settings = make_settings(
        url, root=tmp_path, profile_path=tmp_path / "municipality.yml", media_dir=tmp_path / "media"
    )
    app = await build_app(settings, ScriptedEngine())
    async with TestClient(TestServer(app)) as client:
        yield client, database, tmp_path
    await database.close()


async def page_csrf(agent: Agent, path: str) -> tuple[str, str]:
    async with agent.http.get(agent.url(path)) as response:
        assert response.status == 200
        html = await response.text()
    return html, re.search(r'name="csrf" value="([^"]+)"', html).group(1)


async def test_agents_and_visitors_cannot_reach_admin_pages(setup) -> None:
    client, _, _ = setup
    for path in ADMIN_PAGES:
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"].startswith("/webcare/login?next=")
    anna = Agent(str(client.make_url("")))
    assert (await anna.login("anna")).status == 303
    for path in ADMIN_PAGES:
        async with anna.http.get(anna.url(path), allow_redirects=False) as response:
            assert response.status == 403, path
    async with anna.http.post(anna.url("/admin/review"), data={"csrf": anna.csrf, "key": "x"}) as response:
        assert response.status == 403
    async with anna.http.get(anna.url("/admin/api/training/1")) as response:
        assert response.status == 403
    await anna.close()


async def test_an_admin_logs_in_to_the_page_asked_for(setup) -> None:
    client, _, _ = setup
    carla = Agent(str(client.make_url("")))
    login_page = await (await carla.http.get(carla.url("/webcare/login?next=/admin/kpi"))).text()
    token = re.search(r'name="csrf" value="([^"]+)"', login_page).group(1)
    assert 'name="next" value="/admin/kpi"' in login_page
    async with carla.http.post(
        carla.url("/webcare/login"),
        data={"csrf": token, "username": "carla", "password": STAFF_PASSWORD, "next": "https://evil.example/"},
        allow_redirects=False,
    ) as response:
        assert response.headers["Location"] == "/webcare"  # never off to another site
    await carla.close()


async def test_an_admin_teaches_the_bot_from_the_review_page(setup) -> None:
    client, database, root = setup
    await write_history(
        database,
        PastConversation(
            "webchat",
            NOW,
            [
                Turn("Mag ik vuurwerk afsteken op 31 december? mail me op jan@example.nl", "nlu_fallback", 0.2),
            ],
        ),
    )
    carla = Agent(str(client.make_url("")))
    await carla.login("carla")
    html, csrf = await page_csrf(carla, "/admin/review")
    assert "Mag ik vuurwerk afsteken op 31 december? mail me op [E-MAIL]" in html
    assert "jan@example.nl" not in html
    key = re.search(r'name="key" value="([^"]+)"', html).group(1)

    async with carla.http.post(
        carla.url("/admin/review"), data={"csrf": csrf, "key": key, "decision": "intent", "intent": "no_such"}
    ) as response:
        assert response.status == 400 and "onbekend intent" in await response.text()
    async with carla.http.post(
        carla.url("/admin/review"),
        data={"csrf": csrf, "key": key, "decision": "intent", "intent": "event_permit"},
        allow_redirects=False,
    ) as response:
        assert response.status == 303
    written = (root / "nlu_data" / "nlu" / "event_permit.yml").read_text()
    assert "- Mag ik vuurwerk afsteken op 31 december? mail me op [E-MAIL]\n" in written
    html, _ = await page_csrf(carla, "/admin/review")
    assert "Er staan geen vragen in de rij." in html
    async with carla.http.post(
        carla.url("/admin/review"), data={"csrf": csrf, "key": key, "decision": "dismissed"}
    ) as response:
        assert response.status == 404  # decided already
    async with carla.http.post(carla.url("/admin/review"), data={"csrf": "forged", "key": key}) as response:
        assert response.status == 403
    await carla.close()


async def test_kpi_page_export_and_the_audit_log(setup) -> None:
    client, database, _ = setup
    await write_history(database, PastConversation("telegram", NOW, [Turn("paspoort", "passport_renewal", 0.9)]))
    carla = Agent(str(client.make_url("")))
    await carla.login("carla")
    html, _ = await page_csrf(carla, "/admin/kpi")
    assert "<svg" in html and "Paspoort" in html
    async with carla.http.get(carla.url("/admin/kpi?from=2026-13-01")) as response:
        assert response.status == 400
    async with carla.http.get(carla.url("/admin/kpi?from=2026-11-20&to=2026-11-01")) as response:
        assert response.status == 400
    today_here = NOW.astimezone(ZoneInfo("Europe/Amsterdam")).date()  # the figures count days as the municipality does
    async with carla.http.get(carla.url(f"/admin/kpi.csv?from={today_here}&to={today_here}")) as response:
        assert response.status == 200 and response.content_type == "text/csv"
        assert "conversations,,1" in await response.text()
    audit, _ = await page_csrf(carla, "/admin/audit")
    assert "carla" in audit and "login" in audit and "export" in audit
    entries = await AuditLog(database).latest()
    assert [(e.actor, e.action) for e in entries][:2] == [("carla", "export"), ("carla", "login")]
    # Times are the municipality's, not the server's UTC.
    amsterdam = entries[0].at.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert amsterdam.utcoffset() != timedelta(0)
    assert f"<td>{amsterdam:%d-%m-%Y %H:%M:%S}</td>" in audit
    assert f"<td>{entries[0].at:%d-%m-%Y %H:%M:%S}</td>" not in audit
    await carla.close()
