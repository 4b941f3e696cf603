"""Where reports go after Dorpspomp stored them: the municipality's reports system."""

from __future__ import annotations

from typing import Optional

from bot.reports.backends.base import BackendError, BackendStatus, ReportBackend
from bot.reports.settings import ReportSettings


def create_backend(settings: ReportSettings, municipality: str) -> Optional[ReportBackend]:
    """The back end the profile names, or None when reports stay in Dorpspomp."""
    config = settings.backend
    if config.kind == "signalen":
        from bot.reports.backends.signalen import SignalenBackend

        return SignalenBackend(config.url, municipality)
    if config.kind == "open311":
        from bot.reports.backends.open311 import Open311Backend

        return Open311Backend(config.url, config.api_key)
    return None


__all__ = ["BackendError", "BackendStatus", "ReportBackend", "create_backend"]
