"""First contact: what a citizen reads before anything else in a conversation.

The municipality's greeting, one sentence saying that a digital assistant
answers and a colleague can take over (the EU AI Act's transparency duty,
Article 50), the privacy statement's address, and four to six topics as
buttons. Configured in the ``welcome:`` section of ``municipality.yml``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from bot.messages import Button, Reply
from bot.profile import ProfileError

MIN_TOPICS, MAX_TOPICS = 4, 6
# Every wording must carry the privacy statement's address.
PRIVACY_PLACEHOLDER = "{privacy_url}"


@dataclass(frozen=True)
class Welcome:
    wordings: tuple[str, ...]
    topics: tuple[Button, ...]

    def reply(self, *, with_topics: bool) -> Reply:
        """The welcome; without the topic buttons when the citizen already asked something."""
        return Reply(random.choice(self.wordings), buttons=self.topics if with_topics else ())

    def before(self, replies: list[Reply], *, greeted_only: bool) -> list[Reply]:
        """The answer to a conversation's first message: a bare greeting ("hoi",
        Telegram's /start) gets the welcome with its topics in place of the
        engine's greeting; anything else the welcome, then the answer."""
        return [self.reply(with_topics=True)] if greeted_only else [self.reply(with_topics=False), *replies]


def welcome_from(data: Mapping[str, Any], facts: Mapping[str, str], label: Callable[[str], str]) -> Welcome:
    """The ``welcome`` section, its facts filled in; ``label`` names a topic's button."""
    section = data.get("welcome")
    if not isinstance(section, Mapping):
        raise ProfileError("municipality profile lacks the 'welcome' section")
    wordings = section.get("text")
    wordings = [wordings] if isinstance(wordings, str) else wordings
    if not isinstance(wordings, list) or not wordings or not all(isinstance(w, str) for w in wordings):
        raise ProfileError("welcome.text must be a text or a list of texts")
    if not all(PRIVACY_PLACEHOLDER in wording for wording in wordings):
        raise ProfileError(f"every welcome.text names the privacy statement: {PRIVACY_PLACEHOLDER}")
    if "privacy_url" not in facts:
        raise ProfileError("facts.privacy_url is missing: the welcome links the privacy statement")
    topics = section.get("topics")
    if not isinstance(topics, list) or not MIN_TOPICS <= len(topics) <= MAX_TOPICS:
        raise ProfileError(f"welcome.topics lists {MIN_TOPICS} to {MAX_TOPICS} intents")
    return Welcome(
        wordings=tuple(wording.format_map(facts) for wording in wordings),
        topics=tuple(Button(label(str(intent)), f"/{intent}") for intent in topics),
    )
