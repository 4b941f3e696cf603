"""The time, as every part of Dorpspomp reads it: timezone-aware UTC (the
database stores it so; local times are made where a citizen reads them)."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_time(moment: datetime, pattern: str, zone: tzinfo) -> str:
    """``moment`` as a person in the municipality reads it (the pages' ``local`` filter)."""
    return moment.astimezone(zone).strftime(pattern)
