"""The webcare part of the municipality profile (``webcare:`` in municipality.yml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any, Mapping, Optional
from zoneinfo import ZoneInfo

from bot.content.topics import TopicLibrary
from bot.profile import ProfileError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Span:
    start: time
    end: time


@dataclass(frozen=True)
class WebcareSettings:
    timezone: ZoneInfo
    # Index 0 is Monday; None where the team does not work that day.
    hours: tuple[Optional[Span], ...]
    holiday_country: Optional[str]
    typical_wait_minutes: int
    sla_amber_minutes: int
    sla_red_minutes: int
    ask_satisfaction: bool
    topic_labels: Mapping[str, str]

    def topic_label(self, intent: Optional[str]) -> str:
        if not intent:
            return "Onbekend"
        return self.topic_labels.get(intent, intent.replace("_", " ").capitalize())


def _span(day: str, value: Any) -> Optional[Span]:
    if value in (None, "", "closed", "gesloten"):
        return None
    match = _SPAN.match(str(value))
    if not match:
        raise ProfileError(f"webcare.hours.{day} must look like '08:00-17:00' or be empty")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    span = Span(time(h1, m1), time(h2, m2))
    if span.end <= span.start:
        raise ProfileError(f"webcare.hours.{day} ends before it starts")
    return span


def webcare_settings_from(data: Mapping[str, Any], topics: TopicLibrary) -> WebcareSettings:
    """The ``webcare`` section; a topic is named as its topic file titles it, unless renamed here."""
    data = data.get("webcare") or {}
    hours = data.get("hours") or {}
    sla = data.get("sla_minutes") or {}
    return WebcareSettings(
        timezone=ZoneInfo(str(data.get("timezone", "Europe/Amsterdam"))),
        hours=tuple(_span(day, hours.get(day)) for day in WEEKDAYS),
        holiday_country=data.get("holidays") or None,
        typical_wait_minutes=int(data.get("typical_wait_minutes", 15)),
        sla_amber_minutes=int(sla.get("amber", 5)),
        sla_red_minutes=int(sla.get("red", 15)),
        ask_satisfaction=bool(data.get("ask_satisfaction", True)),
        topic_labels={
            **{intent: topic.title for intent, topic in topics.topics.items()},
            **{str(k): str(v) for k, v in (data.get("topics") or {}).items()},
        },
    )
