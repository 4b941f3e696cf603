"""The admin part of the municipality profile (``admin:`` in municipality.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from bot.profile import ProfileError


@dataclass(frozen=True)
class AdminSettings:
    # A message the bot understood with less confidence goes to the review queue.
    review_below_confidence: float
    # A candidate model is promoted by itself only when no intent's F1 on the
    # held-out messages dropped by more than this.
    allowed_f1_drop: float
    # Conversation content older than this is erased; the KPI figures stay.
    retention_days: int
    retention_check_minutes: int
    # Audit entries (who did what, never a citizen's words) are kept this long.
    audit_retention_days: int = 365


def admin_settings_from(profile: Mapping[str, Any]) -> AdminSettings:
    data = profile.get("admin") or {}
    settings = AdminSettings(
        review_below_confidence=float(data.get("review_below_confidence", 0.6)),
        allowed_f1_drop=float(data.get("allowed_f1_drop", 0.02)),
        retention_days=int(data.get("retention_days", 90)),
        retention_check_minutes=int(data.get("retention_check_minutes", 60)),
        audit_retention_days=int(data.get("audit_retention_days", 365)),
    )
    if not 0 < settings.review_below_confidence <= 1:
        raise ProfileError("admin.review_below_confidence must be between 0 and 1")
    if settings.retention_days < 1:
        raise ProfileError("admin.retention_days must be at least 1")
    if settings.audit_retention_days < settings.retention_days:
        raise ProfileError("admin.audit_retention_days must be at least admin.retention_days")
    return settings
