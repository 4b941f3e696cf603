"""What the actions share, built once when the action server starts (from the
same settings the gateway reads: DATABASE_URL, MUNICIPALITY_PROFILE, …) and
handed to every action. The action server never migrates the database: the
gateway (or ``dorpspomp migrate``) does, before it starts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeVar

import icalendar

from bot.content.agenda import parse_calendar
from bot.content.crisis import CrisisNotices
from bot.content.feed import Feed
from bot.content.roadworks import RoadWork, parse_roadworks
from bot.content.topics import TopicLibrary
from bot.content.waste import WasteCalendar, parse_waste_calendar
from bot.media import MediaStore
from bot.municipality import Municipality
from bot.profile import MunicipalityProfile
from bot.reports.settings import ReportSettings
from bot.reports.store import ReportStore
from bot.settings import Settings
from bot.storage import MEDIA, shared_store
from bot.store import Database
from bot.webcare.handoffs import HandoffStore
from bot.webcare.settings import WebcareSettings

T = TypeVar("T")


@dataclass(frozen=True)
class Services:
    profile: MunicipalityProfile
    reports: ReportSettings
    report_store: ReportStore
    media: MediaStore
    webcare: WebcareSettings
    handoffs: HandoffStore
    topics: TopicLibrary
    roadworks: Feed[tuple[RoadWork, ...]]
    agenda: Feed[icalendar.Calendar]
    waste: Feed[WasteCalendar]
    crisis: CrisisNotices


def _feed(profile: MunicipalityProfile, name: str, parse: Callable[[bytes], T]) -> Feed[T]:
    return Feed(profile.feed(name), parse, profile.feed_refresh_minutes * 60)


def build_services(settings: Settings, municipality: Municipality, database: Database) -> Services:
    profile = municipality.profile
    return Services(
        profile=profile,
        reports=municipality.reports,
        report_store=ReportStore(database),
        media=MediaStore(shared_store(settings, MEDIA, settings.media_dir)),
        webcare=municipality.webcare,
        handoffs=HandoffStore(database),
        topics=municipality.topics,
        roadworks=_feed(profile, "roadworks", parse_roadworks),
        agenda=_feed(profile, "events", parse_calendar),
        waste=_feed(profile, "waste", parse_waste_calendar),
        crisis=CrisisNotices(database),
    )


class WithServices:
    """An action given the action server's services when the server starts."""

    def __init__(self, services: Services) -> None:
        self.services = services
