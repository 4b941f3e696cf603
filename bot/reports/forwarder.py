"""Gets stored reports to the back end, whatever the back end does meanwhile.

Each report is one outbox job. The back end's id is committed as soon as the
report exists there, and photos count up one by one, so a retry after any
failure (or after a restart of Dorpspomp) continues where the last attempt
stopped and never creates the report twice. The one window left is a crash
between the back end's answer and our commit of its id.
"""

from __future__ import annotations

import asyncio
import logging

from bot.media import MediaStore
from bot.reports.backends.base import BackendError, Photo, ReportBackend
from bot.reports.store import FORWARD_JOB, Report, ReportStore
from bot.retries import RetryPolicy
from bot.store.outbox import Job, Outbox

logger = logging.getLogger(__name__)


class ReportForwarder:
    def __init__(
        self,
        store: ReportStore,
        outbox: Outbox,
        backend: ReportBackend,
        media: MediaStore,
        policy: RetryPolicy = RetryPolicy(),
        poll_seconds: float = 0.25,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.backend = backend
        self.media = media
        self.policy = policy
        self.poll_seconds = poll_seconds

    async def forward_due(self) -> int:
        """One pass over the due jobs; returns how many were handled."""
        jobs = await self.outbox.claim(FORWARD_JOB)
        await asyncio.gather(*(self._handle(job) for job in jobs))
        return len(jobs)

    async def _handle(self, job: Job) -> None:
        report = await self.store.get(int(job.subject_id))
        if report is None:
            await self.outbox.fail(job, "the report no longer exists")
            return
        if not await self.outbox.holds(job):
            return  # its lease ran out and another forwarder has it
        try:
            async with self.outbox.holding(job):
                await self._forward(report)
        except BackendError as error:
            await self._failed(job, report, error)
            return
        await self.store.mark_forwarded(report.id)
        await self.outbox.complete(job)
        logger.info("report %s forwarded as %s", report.reference, report.external_id)

    async def _forward(self, report: Report) -> None:
        external_id = report.external_id
        if external_id is None:
            external_id = await self.backend.create(report)
            await self.store.mark_created(report.id, external_id)
        for index in range(report.media_forwarded, len(report.media)):
            media_id = report.media[index]
            photo = await self.media.photo(media_id)
            if photo is not None:
                await self.backend.attach(external_id, Photo(media_id, photo, self.media.mime_type(media_id)))
            await self.store.mark_media_forwarded(report.id, index + 1)

    async def _failed(self, job: Job, report: Report, error: BackendError) -> None:
        delay = await self.outbox.settle_failure(job, error, self.policy)
        if delay is not None:
            logger.warning("report %s not forwarded (%s); retry in %.0fs", report.reference, error, delay)
            return
        logger.error("report %s could not be forwarded: %s", report.reference, error)
        await self.store.mark_forward_failed(report.id)
