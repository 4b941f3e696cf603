"""The dialogue engine behind a small interface, so Rasa stays replaceable.

The gateway holds a :class:`bot.engine.client.EngineClient`; Rasa itself runs
in the engine service (:mod:`bot.engine.service`), in its own environment.
Of this package only ``__init__``, ``client``, ``wire`` and ``component_code``
are the gateway's; the other modules are the engine's and import Rasa.
"""

from __future__ import annotations

from typing import Any, Optional, Protocol

from bot.messages import EngineResult, IncomingMessage, Understanding


class EngineError(RuntimeError):
    """The engine could not produce an answer (down, failing or misconfigured)."""


class DialogueEngine(Protocol):
    """Turns a citizen's text into replies, keeping the dialogue state per conversation."""

    async def handle(self, conversation_id: str, message: IncomingMessage) -> EngineResult:
        """Answer ``message`` in conversation ``conversation_id``."""

    async def parse(self, text: str) -> Understanding:
        """Understand ``text`` without touching any conversation."""

    async def resume(self, conversation_id: str) -> None:
        """Answer the conversation again after a colleague had it (Rasa's ConversationResumed)."""

    async def slots(self, conversation_id: str) -> dict[str, Any]:
        """What the dialogue collected so far (a half-made report), for a colleague to see."""

    async def model_version(self) -> Optional[str]:
        """The file name of the model answering now."""

    async def swap(self, model_name: str) -> None:
        """Answer with the model file ``model_name`` from now on, without failing a
        message in flight."""

    async def ready(self) -> bool:
        """Whether a model is loaded and the engine's stores answer."""

    async def close(self) -> None:
        """Release connections."""
