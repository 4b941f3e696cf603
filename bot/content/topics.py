"""Per-topic answer files: a short version for a public tweet, a full one for chat.

One file per intent in ``content/topics/``::

    intent: passport_renewal
    title: Paspoort of ID-kaart          # button label and inbox topic
    link: "{passport_url}"
    short: "… {link}"                     # fits a public tweet (280 weighted)
    full:                                 # one wording is picked at random
      - "…"
    texts:                                # phrases of a custom action, by key
      no_date: "…"
    en:                                   # optional: the same for a citizen who writes English
      title: Passport or ID card
      short: "…"
      full: ["…"]
      texts: {no_date: "…"}               # a key missing here is said in Dutch

``{placeholders}`` are the profile's facts, ``{link}``, and what an action adds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from bot.contract import Language
from bot.profile import ProfileError
from bot.yaml_files import read_yaml

TOPICS_FOLDER = "topics"


class ContentError(ProfileError):
    """A topic file is missing or has the wrong shape."""


@dataclass(frozen=True)
class Answer:
    text: str
    short: str


@dataclass(frozen=True)
class Topic:
    intent: str
    title: str
    link: str
    short: str
    full: tuple[str, ...]
    texts: Mapping[str, tuple[str, ...]]
    path: Path
    english: Optional["Topic"] = None

    def all_texts(self) -> dict[str, str]:
        """Every wording by a readable name, for the content check."""
        named = {"short": self.short, "link": self.link}
        named.update({f"full[{i}]": text for i, text in enumerate(self.full)})
        for key, variants in self.texts.items():
            named.update({f"texts.{key}[{i}]": text for i, text in enumerate(variants)})
        return named


def _variants(value: Any, where: str) -> tuple[str, ...]:
    variants = [value] if isinstance(value, str) else value
    if not isinstance(variants, list) or not variants or not all(isinstance(v, str) for v in variants):
        raise ContentError(f"{where} must be a text or a list of texts")
    return tuple(variants)


def load_topic(path: Path) -> Topic:
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("intent"), str):
        raise ContentError(f"{path} needs an 'intent'")
    dutch = _topic(data, data, path, "")
    english = data.get("en")
    if english is None:
        return dutch
    if not isinstance(english, dict):
        raise ContentError(f"{path}: 'en' must be a mapping like the topic itself")
    return replace(dutch, english=_topic(english, data, path, "en."))


def _topic(data: dict[str, Any], whole: dict[str, Any], path: Path, where: str) -> Topic:
    texts = data.get("texts") or {}
    if not isinstance(texts, dict):
        raise ContentError(f"{path}: '{where}texts' must map keys to texts")
    return Topic(
        intent=whole["intent"],
        title=str(data.get("title") or whole.get("title") or whole["intent"]),
        link=str(data.get("link") or whole.get("link") or ""),
        short=str(data.get("short") or ""),
        full=_variants(data["full"], f"{path}: {where}full") if "full" in data else (),
        texts={str(k): _variants(v, f"{path}: {where}texts.{k}") for k, v in texts.items()},
        path=path,
    )


class TopicLibrary:
    """The topic files of one municipality, with its facts filled in."""

    def __init__(
        self,
        topics: Mapping[str, Topic],
        facts: Mapping[str, str],
        folder: Optional[Path] = None,
        english_facts: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.topics = dict(topics)
        self.facts = dict(facts)
        self.english_facts = dict(english_facts or facts)
        self.folder = folder

    @classmethod
    def load(
        cls, folder: Path, facts: Mapping[str, str], english_facts: Optional[Mapping[str, str]] = None
    ) -> "TopicLibrary":
        topics: dict[str, Topic] = {}
        for path in sorted((folder / TOPICS_FOLDER).glob("*.yml")):
            topic = load_topic(path)
            if topic.intent in topics:
                raise ContentError(f"{path}: intent {topic.intent!r} has two topic files")
            topics[topic.intent] = topic
        return cls(topics, facts, folder, english_facts)

    def get(self, intent: str) -> Topic:
        topic = self.topics.get(intent) or self._added(intent)
        if topic is None:
            raise ContentError(f"no topic file for intent {intent!r}")
        return topic

    def _added(self, intent: str) -> Optional[Topic]:
        """A topic an admin added from the review queue while this process ran."""
        path = self.folder / TOPICS_FOLDER / f"{intent}.yml" if self.folder else None
        if path is None or not path.is_file():
            return None
        topic = load_topic(path)
        self.topics[topic.intent] = topic
        return topic

    def title(self, intent: str, language: str = Language.DUTCH) -> Optional[str]:
        topic = self.topics.get(intent)
        if topic is not None and language == Language.ENGLISH and topic.english is not None:
            return topic.english.title
        return topic.title if topic else None

    def fill(self, topic: Topic, text: str, language: str = Language.DUTCH, **values: Any) -> str:
        facts = self.english_facts if language == Language.ENGLISH else self.facts
        link = topic.link.format_map(facts)
        return text.format_map({**facts, "link": link, **values})

    def _said_in(self, intent: str, language: str, has: Callable[[Topic], object]) -> tuple[Topic, str]:
        """The topic in ``language`` where its file has what is asked for, else in Dutch."""
        topic = self.get(intent)
        if language == Language.ENGLISH and topic.english is not None and has(topic.english):
            return topic.english, language
        return topic, Language.DUTCH

    def answer(self, intent: str, language: str = Language.DUTCH, **values: Any) -> Answer:
        topic, language = self._said_in(intent, language, lambda t: t.full)
        if not topic.full:
            raise ContentError(f"{topic.path}: 'full' is missing")
        return Answer(
            text=self.fill(topic, random.choice(topic.full), language, **values),
            short=self.short(intent, language, **values),
        )

    def short(self, intent: str, language: str = Language.DUTCH, **values: Any) -> str:
        """The version for a public tweet; "" when the topic has none."""
        topic, language = self._said_in(intent, language, lambda t: t.short)
        return self.fill(topic, topic.short, language, **values) if topic.short else ""

    def text(self, intent: str, key: str, language: str = Language.DUTCH, **values: Any) -> str:
        topic, language = self._said_in(intent, language, lambda t: t.texts.get(key))
        variants = topic.texts.get(key)
        if not variants:
            raise ContentError(f"{topic.path}: texts.{key} is missing")
        return self.fill(topic, random.choice(variants), language, **values)
