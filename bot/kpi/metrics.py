"""Prometheus metrics at ``/metrics``.

Counters and histograms are kept per gateway process as messages pass;
queue length, outbox backlog and the model version are read when Prometheus
scrapes, so they are the same whichever process answers.
"""

from __future__ import annotations

from typing import Awaitable, Callable, Optional

import sqlalchemy as sa
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.engine import EngineError
from bot.store.database import Database
from bot.store.tables import deliveries, handoffs, outbox

# Replies take milliseconds from the bot and seconds when the engine struggles.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class GatewayMetrics:
    """The metrics of one gateway; each has its own registry (tests run several)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages = Counter(
            "dorpspomp_messages",
            "Messages handled, by channel and direction (in: citizen, out: bot or colleague).",
            ("channel", "direction"),
            registry=self.registry,
        )
        self.reply_seconds = Histogram(
            "dorpspomp_reply_seconds",
            "Time from a citizen's message to the bot's replies.",
            ("channel",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.engine_failures = Counter(
            "dorpspomp_engine_failures",
            "Messages the engine failed or timed out on (the citizen got an apology).",
            registry=self.registry,
        )
        self.handoff_queue = Gauge(
            "dorpspomp_handoff_queue",
            "Conversations waiting for or with a colleague, by state.",
            ("state",),
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "dorpspomp_outbox_backlog",
            "Work waiting in the outbox (reports to forward, messages to send), by kind.",
            ("kind",),
            registry=self.registry,
        )
        self.deliveries_failed = Gauge(
            "dorpspomp_deliveries_failed",
            "Messages a platform refused for good, waiting for a person.",
            registry=self.registry,
        )
        self.model = Gauge(
            "dorpspomp_model_info", "The model answering in this process.", ("model",), registry=self.registry
        )

    def message_in(self, channel: str) -> None:
        self.messages.labels(channel, "in").inc()

    def messages_out(self, channel: str, count: int) -> None:
        if count:
            self.messages.labels(channel, "out").inc(count)

    async def refresh(self, database: Database, model_version: Optional[str]) -> None:
        async with database.engine.connect() as connection:
            queued: dict[str, int] = dict(
                (
                    await connection.execute(
                        sa.select(handoffs.c.state, sa.func.count())
                        .where(handoffs.c.open.is_(True))
                        .group_by(handoffs.c.state)
                    )
                ).all()
            )
            backlog: dict[str, int] = dict(
                (
                    await connection.execute(
                        sa.select(outbox.c.kind, sa.func.count())
                        .where(outbox.c.state == "pending")
                        .group_by(outbox.c.kind)
                    )
                ).all()
            )
            failed = await connection.scalar(
                sa.select(sa.func.count()).select_from(deliveries).where(deliveries.c.state == "failed")
            )
        for state in ("queued", "assigned"):
            self.handoff_queue.labels(state).set(queued.get(state, 0))
        self.outbox_backlog.clear()
        for kind, count in backlog.items():
            self.outbox_backlog.labels(kind).set(count)
        self.deliveries_failed.set(failed or 0)
        self.model.clear()
        if model_version:
            self.model.labels(model_version).set(1)


def metrics_routes(
    metrics: GatewayMetrics, database: Database, model_version: Callable[[], Awaitable[Optional[str]]]
) -> list[web.RouteDef]:
    async def scrape(request: web.Request) -> web.Response:
        try:
            model = await model_version()
        except EngineError:  # the engine being down is no reason to hide the other figures
            model = None
        await metrics.refresh(database, model)
        response = web.Response(body=generate_latest(metrics.registry))
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        return response

    return [web.get("/metrics", scrape)]
