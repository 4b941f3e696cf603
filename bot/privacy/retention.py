"""The retention job: conversation content past its period is erased. Every
gateway process runs it in the background (erasing twice is harmless)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Optional

from bot.audit import AuditLog
from bot.clock import utcnow
from bot.privacy.citizens import CitizenRecords

logger = logging.getLogger(__name__)
RETENTION_ACTOR = "bewaartermijn"


async def purge_expired(
    records: CitizenRecords, audit: AuditLog, retention_days: int, now: Optional[datetime] = None
) -> int:
    """Erase every conversation whose last message is older than the retention period."""
    before = (now or utcnow()) - timedelta(days=retention_days)
    total = 0
    while batch := await records.expired(before):
        total += await records.erase(batch)
    if total:
        await audit.record(RETENTION_ACTOR, "purge", f"{total} gesprekken", {"older_than": before.isoformat()})
        logger.info("retention: erased the content of %d conversations older than %s", total, before.date())
    return total


async def forget_old_audit(audit: AuditLog, audit_retention_days: int, now: Optional[datetime] = None) -> int:
    """Audit entries past their own, longer period go too."""
    forgotten = await audit.forget_before((now or utcnow()) - timedelta(days=audit_retention_days))
    if forgotten:
        logger.info("retention: removed %d audit entries older than %d days", forgotten, audit_retention_days)
    return forgotten
