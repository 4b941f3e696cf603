"""What the actions share, created once per action-server process from the
same environment the gateway reads (DATABASE_URL, MUNICIPALITY_PROFILE, …)."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from bot.media import MediaStore
from bot.profile import MunicipalityProfile, load_profile
from bot.reports.settings import ReportSettings, load_report_settings
from bot.reports.store import ReportStore
from bot.settings import Settings
from bot.store import Database
from bot.webcare.handoffs import HandoffStore
from bot.webcare.settings import WebcareSettings, load_webcare_settings


@dataclass(frozen=True)
class Services:
    profile: MunicipalityProfile
    reports: ReportSettings
    report_store: ReportStore
    media: MediaStore
    webcare: WebcareSettings
    handoffs: HandoffStore


@functools.lru_cache(maxsize=1)
def services() -> Services:
    settings = Settings.from_env()
    database = Database(settings.database_url)
    # The gateway migrates when it starts; `rasa shell` with only the action
    # server running has no gateway, so the first action makes sure too.
    database.migrate()
    return Services(
        profile=load_profile(settings.profile_path),
        reports=load_report_settings(settings.profile_path),
        report_store=ReportStore(database),
        media=MediaStore(settings.media_dir),
        webcare=load_webcare_settings(settings.profile_path),
        handoffs=HandoffStore(database),
    )
