"""The KPI figures from conversations of known shape, the CSV export, and
Prometheus' /metrics from a running gateway."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.gateway import build_app
from bot.kpi.charts import bar_chart, messages_per_day
from bot.kpi.figures import KpiReport
from bot.store import Database
from tests.conftest import REST_TOKEN, make_settings
from tests.history import PastConversation, Turn, write_history
from tests.support import ScriptedEngine

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DAY1 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
DAY2 = DAY1 + timedelta(days=1)


async def test_the_figures_of_a_period(database: Database) -> None:
    # Bot alone, quick replies.
    await write_history(
        database,
        PastConversation(
            "webchat",
            DAY1,
            [
                Turn("hoi", "greet", 0.99, reply_after=timedelta(milliseconds=100)),
                Turn("paspoort verlengen", "passport_renewal", 0.95, reply_after=timedelta(milliseconds=300)),
            ],
        ),
    )
    await write_history(
        database,
        PastConversation(
            "telegram",
            DAY1,
            [
                Turn("blabla", "nlu_fallback", 0.2, reply_after=timedelta(milliseconds=200)),
                Turn("wanneer is de kerstmarkt", "events", 0.9, reply_after=timedelta(milliseconds=400)),
            ],
            report={"service_code": "verlichting", "status": "open"},
        ),
    )
    # Handed to a colleague: first reply after 6 minutes, resolved after 30, rated 5.
    await write_history(
        database,
        PastConversation(
            "x",
            DAY2,
            [
                Turn("ik heb een klacht", "complaint", 0.9, reply_after=timedelta(milliseconds=500)),
            ],
            handoff={
                "reason": "complaint",
                "first_reply_after": timedelta(minutes=6),
                "resolved_after": timedelta(minutes=30),
                "rating": 5,
            },
        ),
    )
    # Outside the period: counted nowhere.
    await write_history(database, PastConversation("webchat", DAY1 - timedelta(days=30), [Turn("oud", "greet", 0.9)]))

    figures = await KpiReport(database, AMSTERDAM).figures(date(2026, 11, 2), date(2026, 11, 3))

    assert figures.conversations == 3
    assert figures.conversations_per_channel == {"webchat": 1, "telegram": 1, "x": 1}
    assert (figures.messages_in, figures.messages_out) == (5, 5)
    assert figures.messages_per_channel_day["webchat"][date(2026, 11, 2)] == 2
    assert figures.messages_per_channel_day["x"][date(2026, 11, 3)] == 1
    assert figures.topics == {"passport_renewal": 1, "events": 1, "complaint": 1}
    assert figures.fallback_rate == pytest.approx(1 / 5)
    assert figures.bot_only_share == pytest.approx(2 / 3) and figures.handoff_rate == pytest.approx(1 / 3)
    assert figures.handoff_reasons == {"complaint": 1}
    assert figures.bot_first_response.median == pytest.approx(0.3)
    assert figures.human_first_response.median == pytest.approx(360)
    assert figures.resolution.median == pytest.approx(1800)
    assert figures.satisfaction == 5 and figures.satisfaction_count == 1
    assert figures.reports_per_category == {"verlichting": 1}
    assert figures.unanswered == 0

    exported = list(csv.reader(io.StringIO(figures.csv())))
    assert exported[0] == ["figure", "breakdown", "value"]
    assert ["conversations", "", "3"] in exported
    assert ["human_first_response_seconds", "median", "360"] in exported
    assert ["unanswered_messages", "", "0"] in exported

    chart = messages_per_day(figures)
    assert [c.total for c in chart.columns] == [4, 1] and chart.channels == ("telegram", "webchat", "x")
    assert bar_chart("Onderwerpen", figures.topics).bars[0].share == 1.0


def test_the_default_period_ends_today_in_the_municipality(database: Database) -> None:
    report = KpiReport(database, AMSTERDAM)
    late_evening_utc = datetime(2026, 12, 2, 23, 30, tzinfo=timezone.utc)  # 00:30 on 3 December here
    assert report.period(None, None, late_evening_utc) == (date(2026, 11, 4), date(2026, 12, 3))
    assert report.period(date(2026, 12, 1), None, late_evening_utc) == (date(2026, 12, 1), date(2026, 12, 3))
    assert report.period(None, date(2026, 11, 30), late_evening_utc) == (date(2026, 11, 1), date(2026, 11, 30))


async def test_a_message_without_a_reply_is_counted(database: Database) -> None:
    await write_history(database, PastConversation("webchat", DAY1, [Turn("hallo?", "greet", 0.9, reply=None)]))
    figures = await KpiReport(database, AMSTERDAM).figures(date(2026, 11, 2), date(2026, 11, 2))
    assert figures.unanswered == 1


async def test_prometheus_metrics_count_messages_and_read_the_queues(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'metrics.sqlite3'}"
    app = await build_app(make_settings(url, media_dir=tmp_path / "media"), ScriptedEngine())
    async with TestClient(TestServer(app)) as client:
        for text in ("hallo", "mens aub"):
            response = await client.post(
                "/webhooks/rest/webhook",
                json={"sender": "metrics-citizen", "message": text},
                headers={"Authorization": f"Bearer {REST_TOKEN}"},
            )
            assert response.status == 200
        body = await (await client.get("/metrics")).text()
    assert 'dorpspomp_messages_total{channel="rest",direction="in"} 2.0' in body
    # "hallo" first: the welcome alone; then the hand-off message.
    assert 'dorpspomp_messages_total{channel="rest",direction="out"} 2.0' in body
    assert 'dorpspomp_reply_seconds_count{channel="rest"} 2.0' in body
    assert 'dorpspomp_handoff_queue{state="queued"} 1.0' in body
    assert 'dorpspomp_model_info{model="scripted"} 1.0' in body
    assert "dorpspomp_deliveries_failed 0.0" in body
