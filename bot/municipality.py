"""municipality.yml, read once per process and handed to every part that needs
a section of it (the gateway, the action server, the command line)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from bot.admin.settings import AdminSettings, admin_settings_from
from bot.content.topics import TopicLibrary
from bot.contract import Language
from bot.profile import MunicipalityProfile, ProfileError, profile_from, read_profile
from bot.reports.settings import ReportSettings, report_settings_from
from bot.settings import Settings
from bot.webcare.settings import WebcareSettings, webcare_settings_from
from bot.welcome import Welcome, welcome_from


@dataclass(frozen=True)
class Municipality:
    profile: MunicipalityProfile
    topics: TopicLibrary
    reports: ReportSettings
    webcare: WebcareSettings
    admin: AdminSettings
    welcome: Welcome
    # The ``channels:`` section: each channel reads its own key (WhatsApp's templates).
    channels: Mapping[str, Any]


def load_municipality(settings: Settings) -> Municipality:
    """Every section, checked; raises ``ProfileError`` on the first problem."""
    path = settings.profile_path
    data = read_profile(path)
    profile = profile_from(data, path, settings.feeds)
    topics = TopicLibrary.load(profile.content_dir, profile.facts, profile.english_facts)
    webcare = webcare_settings_from(data, topics)
    english_topics = _mapping((data.get("english") or {}).get("topics") or {}, "english.topics")

    def english_label(intent: str) -> str:
        return str(english_topics.get(intent) or topics.title(intent, Language.ENGLISH) or webcare.topic_label(intent))

    return Municipality(
        profile=profile,
        topics=topics,
        reports=report_settings_from(data, path, settings),
        webcare=webcare,
        admin=admin_settings_from(data),
        welcome=welcome_from(data, profile.facts, webcare.topic_label, (profile.english_facts, english_label)),
        channels=_mapping(data.get("channels") or {}, "channels"),
    )


def _mapping(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProfileError(f"{name} must be a mapping")
    return value
