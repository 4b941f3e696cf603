"""The ``reports`` part of the municipality profile: categories, area, places, back end."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

from bot.contract import Language
from bot.profile import ProfileError
from bot.reports.places import Area, Gazetteer
from bot.settings import Settings
from bot.yaml_files import read_yaml

BACKENDS = ("none", "signalen", "open311")
STATUSES = ("ontvangen", "in_behandeling", "ingepland", "afgehandeld", "geannuleerd")


@dataclass(frozen=True)
class BackendConfig:
    kind: str
    url: str
    api_key: Optional[str]


@dataclass(frozen=True)
class ReportSettings:
    categories: Mapping[str, str]
    main_categories: Mapping[str, str]
    status_labels: Mapping[str, str]
    area: Area
    places: Gazetteer
    backend: BackendConfig
    handling_days: int
    status_poll_seconds: float
    # Category and status names for a citizen who writes English (``english:
    # categories:`` and ``english: status_labels:``).
    english_labels: Mapping[str, str] = field(default_factory=dict)
    english_status_labels: Mapping[str, str] = field(default_factory=dict)

    def subcategories(self, main: str, language: str = Language.DUTCH) -> dict[str, str]:
        return {code: self.label(code, language) for code in self.categories if code.split("/")[0] == main}

    def mains(self, language: str = Language.DUTCH) -> dict[str, str]:
        return {code: self.label(code, language) for code in self.main_categories}

    def label(self, code: str, language: str = Language.DUTCH) -> str:
        english = self.english_labels.get(code) if language == Language.ENGLISH else None
        return english or self.categories.get(code) or self.main_categories.get(code) or code

    def status(self, status: str, language: str = Language.DUTCH) -> str:
        english = self.english_status_labels.get(status) if language == Language.ENGLISH else None
        return english or self.status_labels[status]


def _backend(section: Mapping[str, Any], settings: Settings) -> BackendConfig:
    kind = settings.reports_backend or str(section.get("backend", "none"))
    if kind not in BACKENDS:
        raise ProfileError(f"reports.backend must be one of {', '.join(BACKENDS)}, not {kind!r}")
    url = settings.reports_backend_url or str(section.get("backend_url") or "")
    if kind != "none" and not url:
        raise ProfileError(f"reports.backend {kind!r} needs backend_url (or REPORTS_BACKEND_URL)")
    return BackendConfig(kind, url.rstrip("/"), settings.reports_api_key)


def report_settings_from(data: Mapping[str, Any], profile_path: Path, settings: Settings) -> ReportSettings:
    """The ``reports`` section; the back end set in ``settings`` wins over the profile's."""
    section = data.get("reports")
    if not isinstance(section, dict):
        raise ProfileError(f"{profile_path} has no 'reports' section")
    categories = {str(k): str(v) for k, v in section["categories"].items()}
    mains = {str(k): str(v) for k, v in section["main_categories"].items()}
    orphans = {code.split("/")[0] for code in categories} - set(mains)
    if orphans:
        raise ProfileError(f"reports.main_categories lacks {', '.join(sorted(orphans))}")
    labels = {str(k): str(v) for k, v in section["status_labels"].items()}
    missing = set(STATUSES) - set(labels)
    if missing:
        raise ProfileError(f"reports.status_labels lacks {', '.join(sorted(missing))}")
    places = read_yaml(profile_path.parent / section["places"])
    return ReportSettings(
        categories=categories,
        main_categories=mains,
        status_labels=labels,
        area=Area(section["area"]),
        places=Gazetteer(places.get("streets") or {}, places.get("landmarks") or {}),
        backend=_backend(section, settings),
        handling_days=int(section.get("handling_days", 5)),
        status_poll_seconds=settings.reports_status_poll_seconds or float(section.get("status_poll_minutes", 10)) * 60,
        english_labels=_english(data, "categories"),
        english_status_labels=_english(data, "status_labels"),
    )


def _english(data: Mapping[str, Any], part: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in ((data.get("english") or {}).get(part) or {}).items()}
