"""The gateway's background work for reports: forwarding and status news."""

from __future__ import annotations

import logging
from typing import AsyncIterator, Callable

from aiohttp import web

from bot.background import repeat, running
from bot.media import MediaStore
from bot.outreach import Outreach
from bot.profile import MunicipalityProfile
from bot.reports.backends import create_backend
from bot.reports.forwarder import ReportForwarder
from bot.reports.notifier import ReportNotifier
from bot.reports.settings import ReportSettings
from bot.reports.status_sync import ReportStatusSync
from bot.reports.store import ReportStore
from bot.singletons import Singletons, on_one_process
from bot.store import Database
from bot.store.outbox import Outbox

logger = logging.getLogger(__name__)


def report_workers(
    database: Database,
    outreach: Outreach,
    profile: MunicipalityProfile,
    reports: ReportSettings,
    media: MediaStore,
    singletons: Singletons,
    outbox: Outbox,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context running the workers while the gateway runs:
    forwarding in every process (the outbox shares the work), the status poll
    in one."""

    async def run(_: web.Application) -> AsyncIterator[None]:
        backend = create_backend(reports, profile.name)
        if backend is None:
            logger.info("reports stay in Dorpspomp (reports.backend: none)")
            yield
            return
        store = ReportStore(database)
        forwarder = ReportForwarder(store, outbox, backend, media)
        status_sync = ReportStatusSync(
            store, backend, ReportNotifier(outreach, profile, reports), reports.status_poll_seconds
        )
        logger.info("reports go to %s at %s", reports.backend.kind, reports.backend.url)
        try:
            async with running(
                repeat(forwarder.forward_due, forwarder.poll_seconds, "forwarding reports"),
                repeat(
                    on_one_process(singletons, "report status sync", status_sync.sync_once),
                    status_sync.interval_seconds,
                    "report status sync",
                ),
            ):
                yield
        finally:
            await backend.close()

    return run
