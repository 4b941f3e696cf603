"""``dorpspomp content check``: what a municipality's editor gets wrong before citizens see it.

- a topic the dialogue answers from a topic file, but the file is missing;
- a short version that does not fit a public tweet (280 weighted characters,
  counted as X counts them, with the profile's facts filled in);
- a placeholder that nothing fills (a typo such as ``{pasport_url}``);
- "u" in a profile that says "je", or the other way round, in the topic files,
  the responses of ``domain.yml`` and the profile's own texts.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from bot.channel_registry import CHANNEL_TYPES
from bot.content.topics import ContentError, Topic, TopicLibrary, load_topic
from bot.contract import Language
from bot.profile import MunicipalityProfile, load_profile

# Rules that run one of these actions answer from the intent's topic file.
TOPIC_ACTIONS = frozenset(
    {
        "action_answer_topic",
        "action_passport_urgent",
        "action_road_diversion",
        "action_events",
        "action_crisis_info",
        "waste_form",
    }
)
# What the topic actions fill in besides the facts (see actions/*.py).
ACTION_VALUES = frozenset(
    {
        "link",
        "departure",
        "apply_day",
        "ready_day",
        "street",
        "what",
        "until",
        "detour",
        "day",
        "streets",
        "when",
        "events",
        "title",
        "time",
        "place",
        "postcode",
        "stream",
        "lines",
        "notice",
        "notice_link",
    }
)
OTHER_FORM = {
    "je": re.compile(r"\b(u|uw)\b", re.IGNORECASE),
    "u": re.compile(r"\b(je|jij|jou|jouw)\b", re.IGNORECASE),
}
URL_OR_PLACEHOLDER = re.compile(r"https?://\S+|\{[^}]*\}")


@dataclass(frozen=True)
class Problem:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def topic_intents(rules_folder: Path) -> set[str]:
    """The intents whose rules answer them with a topic action."""
    intents: set[str] = set()
    for path in rules_folder.rglob("*.yml"):
        for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules") or ():
            steps = rule.get("steps") or []
            if len(steps) >= 2 and "intent" in steps[0] and steps[1].get("action") in TOPIC_ACTIONS:
                intents.add(steps[0]["intent"])
    return intents


def _domain_texts(domain: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for name, variants in (domain.get("responses") or {}).items():
        for number, variant in enumerate(variants or ()):
            if isinstance(variant, dict) and isinstance(variant.get("text"), str):
                yield f"domain.yml: {name}[{number}]", variant["text"]


def _profile_texts(profile: MunicipalityProfile) -> Iterator[tuple[str, str]]:
    for key, variants in profile.texts.items():
        for number, text in enumerate(variants):
            yield f"profile texts.{key}[{number}]", text


def mixed_address(form: str, texts: Iterable[tuple[str, str]]) -> list[Problem]:
    other = OTHER_FORM[form]
    problems = []
    for where, text in texts:
        found = other.search(URL_OR_PLACEHOLDER.sub(" ", text))
        if found:
            problems.append(Problem(where, f"says {found.group(0)!r} but the profile addresses citizens with {form!r}"))
    return problems


def _check_topic(topic: Topic, library: TopicLibrary, where: str) -> list[Problem]:
    """The Dutch topic, and its English part (``en:``) where it has one."""
    problems = _check_wording(topic, library, where, Language.DUTCH, "")
    if topic.english is not None:
        problems.extend(_check_wording(topic.english, library, where, Language.ENGLISH, "en."))
    return problems


def _check_wording(topic: Topic, library: TopicLibrary, where: str, language: str, prefix: str) -> list[Problem]:
    problems = []
    known = set(library.facts) | ACTION_VALUES
    for name, text in topic.all_texts().items():
        for dead in sorted(placeholders(text) - known):
            problems.append(Problem(where, f"{prefix}{name} has the placeholder {{{dead}}} that nothing fills"))
    if not topic.short:
        problems.append(Problem(where, f"has no {prefix}short version for public replies"))
    elif not placeholders(topic.short) - known:
        short = library.short(topic.intent, language)
        for channel in CHANNEL_TYPES:
            problem = channel.public_text_problem(short)
            if problem:
                problems.append(Problem(where, f"{prefix}short {problem} ({channel.title})"))
    return problems


def check_content(root: Path, profile_path: Path) -> list[Problem]:
    profile = load_profile(profile_path)
    library = TopicLibrary({}, profile.facts, english_facts=profile.english_facts)
    problems: list[Problem] = []
    for path in sorted((profile.content_dir / "topics").glob("*.yml")):
        where = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        try:
            topic = load_topic(path)
        except (ContentError, yaml.YAMLError) as error:
            problems.append(Problem(where, str(error)))
            continue
        library.topics[topic.intent] = topic
        problems.extend(_check_topic(topic, library, where))
        problems.extend(
            mixed_address(profile.address_form, ((f"{where} {n}", t) for n, t in topic.all_texts().items()))
        )
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8")) or {}
    for intent in sorted(topic_intents(root / "nlu_data") - set(library.topics)):
        problems.append(Problem(f"content/topics/{intent}.yml", "is missing: the dialogue answers this intent from it"))
    for intent in sorted(set(library.topics) - set(domain.get("intents") or ())):
        problems.append(Problem(str(library.topics[intent].path.name), f"intent {intent!r} is not in domain.yml"))
    problems.extend(mixed_address(profile.address_form, _domain_texts(domain)))
    problems.extend(mixed_address(profile.address_form, _profile_texts(profile)))
    return problems
