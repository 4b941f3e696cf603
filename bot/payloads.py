"""Which button payloads reach the dialogue engine as they are.

A payload starting with ``/`` is a command to Rasa: an intent, and with
``{...}`` entities that fill slots. A citizen may only send what the bot
offered: a bare intent (``/affirm``), or exactly a payload of a button shown
in this conversation. Anything else is read as words, like typed text.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Collection

from bot.messages import IncomingMessage

# A bare intent, the shape of a menu button or Messenger's "Get started".
BARE_INTENT = re.compile(r"/[a-z][a-z0-9_]{0,63}")
# How many of the bot's latest messages count as "offered" buttons.
OFFERED_WINDOW = 20


def needs_offer(message: IncomingMessage) -> bool:
    """Whether ``message`` carries a payload only an offered button may carry."""
    return bool(message.payload) and not BARE_INTENT.fullmatch(message.payload or "")


def vetted(message: IncomingMessage, offered: Collection[str]) -> IncomingMessage:
    """``message`` as it may reach the engine: a payload nobody offered becomes text."""
    if not needs_offer(message) or message.payload in offered:
        return message
    return replace(message, payload=None, text=message.text or (message.payload or ""))
