"""The dialogue engine behind a small interface, so Rasa stays replaceable."""

from __future__ import annotations

from pathlib import Path
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

    async def swap(self, model_path: Path) -> None:
        """Answer with the model at ``model_path`` from now on, without failing a
        message in flight."""

    async def ready(self) -> bool:
        """Whether a model is loaded and the engine's stores answer."""

    async def close(self) -> None:
        """Release connections."""
