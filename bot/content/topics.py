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

``{placeholders}`` are the profile's facts, ``{link}``, and what an action adds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

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
    texts = data.get("texts") or {}
    if not isinstance(texts, dict):
        raise ContentError(f"{path}: 'texts' must map keys to texts")
    return Topic(
        intent=data["intent"],
        title=str(data.get("title") or data["intent"]),
        link=str(data.get("link") or ""),
        short=str(data.get("short") or ""),
        full=_variants(data["full"], f"{path}: full") if "full" in data else (),
        texts={str(k): _variants(v, f"{path}: texts.{k}") for k, v in texts.items()},
        path=path,
    )


class TopicLibrary:
    """The topic files of one municipality, with its facts filled in."""

    def __init__(self, topics: Mapping[str, Topic], facts: Mapping[str, str], folder: Optional[Path] = None) -> None:
        self.topics = dict(topics)
        self.facts = dict(facts)
        self.folder = folder

    @classmethod
    def load(cls, folder: Path, facts: Mapping[str, str]) -> "TopicLibrary":
        topics: dict[str, Topic] = {}
        for path in sorted((folder / TOPICS_FOLDER).glob("*.yml")):
            topic = load_topic(path)
            if topic.intent in topics:
                raise ContentError(f"{path}: intent {topic.intent!r} has two topic files")
            topics[topic.intent] = topic
        return cls(topics, facts, folder)

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

    def title(self, intent: str) -> Optional[str]:
        topic = self.topics.get(intent)
        return topic.title if topic else None

    def fill(self, topic: Topic, text: str, **values: Any) -> str:
        link = topic.link.format_map(self.facts)
        return text.format_map({**self.facts, "link": link, **values})

    def answer(self, intent: str, **values: Any) -> Answer:
        topic = self.get(intent)
        if not topic.full:
            raise ContentError(f"{topic.path}: 'full' is missing")
        return Answer(text=self.fill(topic, random.choice(topic.full), **values), short=self.short(intent, **values))

    def short(self, intent: str, **values: Any) -> str:
        """The version for a public tweet; "" when the topic has none."""
        topic = self.get(intent)
        return self.fill(topic, topic.short, **values) if topic.short else ""

    def text(self, intent: str, key: str, **values: Any) -> str:
        topic = self.get(intent)
        variants = topic.texts.get(key)
        if not variants:
            raise ContentError(f"{topic.path}: texts.{key} is missing")
        return self.fill(topic, random.choice(variants), **values)
