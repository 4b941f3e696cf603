"""Asks the back end about open reports and tells citizens when something changed."""

from __future__ import annotations

import logging
from typing import Protocol

from bot.reports.backends.base import BackendError, ReportBackend
from bot.reports.store import Report, ReportStore

logger = logging.getLogger(__name__)


class StatusNotifier(Protocol):
    async def report_status_changed(self, report: Report) -> None:
        """Tell the citizen who made ``report`` (already updated) about its new status."""


class ReportStatusSync:
    def __init__(
        self,
        store: ReportStore,
        backend: ReportBackend,
        notifier: StatusNotifier,
        interval_seconds: float,
    ) -> None:
        self.store = store
        self.backend = backend
        self.notifier = notifier
        self.interval_seconds = interval_seconds

    async def sync_once(self) -> int:
        """One round over open reports; returns how many changed."""
        changed = 0
        for report in await self.store.open_at_backend():
            assert report.external_id is not None
            try:
                latest = await self.backend.status(report.external_id)
            except BackendError as error:
                logger.warning("status of %s unknown: %s", report.reference, error)
                continue
            if (latest.status, latest.notes) == (report.status, report.status_notes):
                continue
            # With several workers polling, only the one whose update lands tells the citizen.
            if await self.store.change_status(report, latest.status, latest.notes):
                changed += 1
                updated = await self.store.get(report.id)
                assert updated is not None
                await self.notifier.report_status_changed(updated)
        return changed
