"""What the admin pages work with, and how each of them is drawn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol

import aiohttp_jinja2
from aiohttp import web

from bot.admin.settings import AdminSettings
from bot.audit import AuditLog
from bot.kpi.charts import ChannelLooks
from bot.kpi.figures import KpiReport
from bot.learning.examples import TrainingData
from bot.learning.review import ReviewQueue
from bot.learning.runs import TrainingRuns
from bot.webcare.staff import StaffSession


class TrainingStarter(Protocol):
    """Starts a training run where Rasa lives (the engine service, bot/engine/client.py)."""

    async def launch(self, run_id: int, promote: str) -> None: ...


@dataclass(frozen=True)
class AdminDesk:
    review: ReviewQueue
    data: TrainingData
    runs: TrainingRuns
    launcher: TrainingStarter
    kpi: KpiReport
    audit: AuditLog
    settings: AdminSettings
    topic_label: Callable[[Optional[str]], str]
    channels: ChannelLooks


def render(name: str, request: web.Request, session: StaffSession, status: int = 200, **context: Any) -> web.Response:
    """``admin/<name>.html`` with the colleague, the CSRF token and the menu's section."""
    return aiohttp_jinja2.render_template(
        f"admin/{name}.html",
        request,
        {"member": session.member, "csrf": session.csrf_token, "section": name, **context},
        status=status,
    )
