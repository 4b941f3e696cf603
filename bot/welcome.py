"""First contact: what a citizen reads before anything else in a conversation.

The municipality's greeting, one sentence saying that a digital assistant
answers and a colleague can take over (the EU AI Act's transparency duty,
Article 50), the privacy statement's address, and four to six topics as
buttons. Configured in the ``welcome:`` section of ``municipality.yml``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Optional

from bot.contract import Language
from bot.messages import Button, Reply
from bot.profile import ProfileError

MIN_TOPICS, MAX_TOPICS = 4, 6
# Every wording must carry the privacy statement's address.
PRIVACY_PLACEHOLDER = "{privacy_url}"
# " Anna" where the channel gives the citizen's first name ("Hoi{hello_name}!"), else "".
NAME_PLACEHOLDER = "{hello_name}"
MAX_NAME_LENGTH = 40


def hello_name(name: object) -> str:
    """The text " Anna" for the first name a channel gave, "" without one."""
    if not isinstance(name, str) or not name.strip():
        return ""
    return " " + name.strip()[:MAX_NAME_LENGTH]


@dataclass(frozen=True)
class Welcome:
    # The facts filled in; the citizen's first name is filled in when said.
    templates: tuple[str, ...]
    topics: tuple[Button, ...]
    # For a first message in English (``english: welcome:``), where the profile has one.
    english: Optional["Welcome"] = None

    def in_language(self, language: str) -> "Welcome":
        return self.english if language == Language.ENGLISH and self.english is not None else self

    @property
    def wordings(self) -> tuple[str, ...]:
        """As a citizen reads them whose name the channel did not give."""
        return tuple(template.replace(NAME_PLACEHOLDER, "") for template in self.templates)

    def reply(self, *, with_topics: bool, name: object = None) -> Reply:
        """The welcome; without the topic buttons when the citizen already asked something."""
        text = random.choice(self.templates).replace(NAME_PLACEHOLDER, hello_name(name))
        return Reply(text, buttons=self.topics if with_topics else ())

    def before(self, replies: list[Reply], *, greeted_only: bool, name: object = None) -> list[Reply]:
        """The answer to a conversation's first message: a bare greeting ("hoi",
        Telegram's /start) gets the welcome with its topics in place of the
        engine's greeting; anything else the welcome, then the answer."""
        if greeted_only:
            return [self.reply(with_topics=True, name=name)]
        return [self.reply(with_topics=False, name=name), *replies]


Label = Callable[[str], str]


def welcome_from(
    data: Mapping[str, Any],
    facts: Mapping[str, str],
    label: Label,
    english: Optional[tuple[Mapping[str, str], Label]] = None,
) -> Welcome:
    """The ``welcome`` section, its facts filled in; ``label`` names a topic's button.
    ``english`` (the English facts and labels) adds ``english: welcome:``, with the same topics."""
    section = data.get("welcome")
    if not isinstance(section, Mapping):
        raise ProfileError("municipality profile lacks the 'welcome' section")
    topics = section.get("topics")
    if not isinstance(topics, list) or not MIN_TOPICS <= len(topics) <= MAX_TOPICS:
        raise ProfileError(f"welcome.topics lists {MIN_TOPICS} to {MAX_TOPICS} intents")
    dutch = _welcome(section.get("text"), topics, facts, label, "welcome")
    english_section = (data.get("english") or {}).get("welcome")
    if english is None or not isinstance(english_section, Mapping):
        return dutch
    english_facts, english_label = english
    return replace(
        dutch, english=_welcome(english_section.get("text"), topics, english_facts, english_label, "english.welcome")
    )


def _welcome(wordings: Any, topics: list[Any], facts: Mapping[str, str], label: Label, where: str) -> Welcome:
    wordings = [wordings] if isinstance(wordings, str) else wordings
    if not isinstance(wordings, list) or not wordings or not all(isinstance(w, str) for w in wordings):
        raise ProfileError(f"{where}.text must be a text or a list of texts")
    if not all(PRIVACY_PLACEHOLDER in wording for wording in wordings):
        raise ProfileError(f"every {where}.text names the privacy statement: {PRIVACY_PLACEHOLDER}")
    if "privacy_url" not in facts:
        raise ProfileError("facts.privacy_url is missing: the welcome links the privacy statement")
    return Welcome(
        templates=tuple(wording.format_map({**facts, "hello_name": NAME_PLACEHOLDER}) for wording in wordings),
        topics=tuple(Button(label(str(intent)), f"/{intent}") for intent in topics),
    )
