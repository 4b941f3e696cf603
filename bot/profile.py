"""The municipality profile: names, facts and texts a municipality edits itself.

Every figure or phrase the bot says that differs between municipalities lives
in ``municipality.yml``; code and training data refer to it by key.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from bot.contract import Language
from bot.yaml_files import read_yaml


class ProfileError(ValueError):
    """The profile file is missing a required part or has the wrong shape."""


@dataclass(frozen=True)
class MunicipalityProfile:
    name: str
    website: str
    address_form: str
    facts: Mapping[str, str]
    texts: Mapping[str, tuple[str, ...]]
    widget_title: str
    # The per-topic answer files (bot/content/topics.py).
    content_dir: Path
    # Where the road works, events and waste calendar come from: a file, or
    # for road works and events an http(s) URL that is read again every
    # ``feed_refresh_minutes``.
    feeds: Mapping[str, str]
    feed_refresh_minutes: int
    # The facts for a citizen who writes English: those of ``english: facts:``
    # in place of their Dutch wording, the rest as they are.
    english_facts: Mapping[str, str]
    english_texts: Mapping[str, tuple[str, ...]]

    def feed(self, name: str) -> str:
        """Where a feed comes from; "" when nothing names one (it is then unavailable)."""
        return self.feeds.get(name, "")

    def text(self, key: str, language: str = Language.DUTCH, **values: Any) -> str:
        """One wording of a text, with the profile's facts and ``values`` filled in;
        in English where ``english: texts:`` has it."""
        if language == Language.ENGLISH and key in self.english_texts:
            return random.choice(self.english_texts[key]).format_map({**self.english_facts, **values})
        variants = self.texts.get(key)
        if not variants:
            raise ProfileError(f"municipality profile has no text {key!r}")
        return random.choice(variants).format_map({**self.facts, **values})


def _require(data: Mapping[str, Any], key: str) -> Any:
    if key not in data:
        raise ProfileError(f"municipality profile lacks {key!r}")
    return data[key]


def _beside(profile: Path, value: str) -> str:
    """A relative file name in the profile means one next to the profile; URLs stay."""
    if "://" in value or Path(value).is_absolute():
        return value
    return str(profile.parent / value)


def read_profile(path: Path) -> Mapping[str, Any]:
    """municipality.yml as data; each part of Dorpspomp reads its own section."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ProfileError(f"{path} is not a mapping")
    return data


def load_profile(path: Path) -> MunicipalityProfile:
    """The profile section alone (the content check; a process uses bot.municipality)."""
    return profile_from(read_profile(path), path)


def profile_from(data: Mapping[str, Any], path: Path, feeds: Mapping[str, str] = {}) -> MunicipalityProfile:
    """The profile at ``path``; ``feeds`` (from the environment) replace its own."""
    address_form = data.get("address_form", "je")
    if address_form not in ("je", "u"):
        raise ProfileError("address_form must be 'je' or 'u'")
    facts = {str(k): str(v) for k, v in _require(data, "facts").items()}
    facts.setdefault("municipality", str(_require(data, "name")))
    facts.setdefault("website", str(_require(data, "website")))
    texts = _texts(_require(data, "texts"))
    english = data.get("english") or {}
    return MunicipalityProfile(
        name=str(data["name"]),
        website=str(data["website"]),
        address_form=address_form,
        facts=facts,
        texts=texts,
        widget_title=str(data.get("widget_title", data["name"])),
        content_dir=Path(_beside(path, str(data.get("content", "content")))),
        feeds={
            **{str(k): _beside(path, str(v)) for k, v in (data.get("feeds") or {}).items() if k != "refresh_minutes"},
            **feeds,
        },
        feed_refresh_minutes=int((data.get("feeds") or {}).get("refresh_minutes", 15)),
        english_facts={**facts, **{str(k): str(v) for k, v in (english.get("facts") or {}).items()}},
        english_texts=_texts(english.get("texts") or {}),
    )


def _texts(section: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    return {str(k): tuple([v] if isinstance(v, str) else v) for k, v in section.items()}
