"""Template messages: what may reach a citizen outside WhatsApp's 24-hour
customer service window.

Meta approves each template beforehand; the municipality names them in
municipality.yml (``channels: whatsapp: templates:``), one for the bot's news
(a report's status) and one for a colleague's late answer, each with a single
body parameter that carries the message. When no template fits, the message
is not sent: the channel says why, and the inbox shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from bot.messages import Reply
from bot.profile import ProfileError
from channels.whatsapp.render import message

# A body parameter may not hold a line break, a tab or more than four spaces in a row.
MAX_PARAMETER = 1024
_SPACES = re.compile(r"\s+")
KINDS = ("news", "colleague")


@dataclass(frozen=True)
class Template:
    name: str
    language: str


class NoTemplate(Exception):
    """No approved template can carry these replies; the message says why."""


@dataclass(frozen=True)
class Templates:
    news: Optional[Template] = None
    colleague: Optional[Template] = None

    @classmethod
    def from_profile(cls, section: Mapping[str, Any]) -> "Templates":
        templates = section.get("templates") or {}
        if not isinstance(templates, Mapping) or set(templates) - set(KINDS):
            raise ProfileError(f"channels.whatsapp.templates may name {', '.join(KINDS)}")
        return cls(**{kind: _template(kind, value) for kind, value in templates.items()})

    def message(self, to: str, replies: list[Reply], from_staff: bool) -> dict[str, Any]:
        """The template message carrying ``replies``; raises :class:`NoTemplate`."""
        kind = "colleague" if from_staff else "news"
        template = getattr(self, kind)
        if template is None:
            raise NoTemplate(f"buiten het 24-uursvenster en geen sjabloon voor {kind} ingesteld")
        text = _SPACES.sub(" ", " ".join(reply.text for reply in replies if reply.text)).strip()
        if not text or len(text) > MAX_PARAMETER:
            raise NoTemplate(f"buiten het 24-uursvenster en te lang voor het sjabloon ({len(text)} tekens)")
        return message(
            to,
            "template",
            {
                "name": template.name,
                "language": {"code": template.language},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": text}]}],
            },
        )


def _template(kind: str, value: Any) -> Template:
    if not isinstance(value, Mapping) or not isinstance(value.get("name"), str) or not value["name"]:
        raise ProfileError(f"channels.whatsapp.templates.{kind} needs a name (and a language, default nl)")
    return Template(value["name"], str(value.get("language", "nl")))
