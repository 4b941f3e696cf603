"""Where Rasa keeps a conversation in Redis: ``dorpspomp:tracker:<id>``,
``dorpspomp:lock:<id>`` (without importing Rasa, for the CLI)."""

from __future__ import annotations

KEY_PREFIX = "dorpspomp"


def tracker_key(conversation_id: str) -> str:
    """Rasa's ``RedisTrackerStore`` key of a conversation (``key_prefix:tracker:``)."""
    return f"{KEY_PREFIX}:tracker:{conversation_id}"
