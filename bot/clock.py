"""The time, as every part of Dorpspomp reads it: timezone-aware UTC (the
database stores it so; local times are made where a citizen reads them)."""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
