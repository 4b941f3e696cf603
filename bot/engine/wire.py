"""The engine service's API, version 1: its paths and the JSON of each side.

The gateway's :mod:`bot.engine.client` and the engine's :mod:`bot.engine.service`
both import this module, so the two ends of the wire cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from bot.messages import MAX_TEXT_LENGTH, EngineResult, IncomingMessage, Reply, Understanding

VERSION = "v1"
PREFIX = f"/{VERSION}"
# Conversation ids are ours (uuid4 hex, "channel:sender" hashes): nothing else passes.
CONVERSATION_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
# Model files are named by bot.training; a name never carries a folder.
MODEL_NAME = re.compile(r"[A-Za-z0-9_.-]{1,128}\.tar\.gz")
PROMOTE_CHOICES = ("auto", "yes", "no")


class WireError(ValueError):
    """A request or answer that is not what this API version says."""


def turn_path(conversation_id: str) -> str:
    return f"{PREFIX}/conversations/{conversation_id}/turns"


def resume_path(conversation_id: str) -> str:
    return f"{PREFIX}/conversations/{conversation_id}/resume"


def slots_path(conversation_id: str) -> str:
    return f"{PREFIX}/conversations/{conversation_id}/slots"


PARSE_PATH = f"{PREFIX}/parse"
MODEL_PATH = f"{PREFIX}/model"
HEALTH_PATH = f"{PREFIX}/health"
TRAINING_PATH = f"{PREFIX}/training-runs"


@dataclass(frozen=True)
class EngineTurn:
    """What the engine reads of a citizen's message."""

    text: str
    channel: str
    metadata: Mapping[str, Any]

    @classmethod
    def of(cls, message: IncomingMessage) -> "EngineTurn":
        return cls(message.engine_text, message.channel, message.engine_metadata)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "channel": self.channel, "metadata": dict(self.metadata)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "EngineTurn":
        text, channel, metadata = parse_text(data), data.get("channel"), data.get("metadata", {})
        if not isinstance(channel, str) or not channel:
            raise WireError("'channel' must be a non-empty string")
        if not isinstance(metadata, dict):
            raise WireError("'metadata' must be an object")
        return cls(text, channel, metadata)


def conversation_id(value: str) -> str:
    if not CONVERSATION_ID.fullmatch(value):
        raise WireError("not a conversation id")
    return value


def model_name(value: Any) -> str:
    if not isinstance(value, str) or not MODEL_NAME.fullmatch(value):
        raise WireError("'model' must be the file name of a trained model")
    return value


def parse_text(data: Mapping[str, Any]) -> str:
    text = data.get("text")
    if not isinstance(text, str) or len(text) > MAX_TEXT_LENGTH:
        raise WireError(f"'text' must be a string of at most {MAX_TEXT_LENGTH} characters")
    return text


def training_request(data: Mapping[str, Any]) -> tuple[int, str]:
    run, promote = data.get("run"), data.get("promote")
    if not isinstance(run, int) or isinstance(run, bool) or run < 1:
        raise WireError("'run' must be the id of a training run")
    if promote not in PROMOTE_CHOICES:
        raise WireError(f"'promote' must be one of {', '.join(PROMOTE_CHOICES)}")
    return run, str(promote)


def understanding_to_json(understanding: Understanding) -> dict[str, Any]:
    return {
        "intent": understanding.intent,
        "confidence": understanding.confidence,
        "entities": list(understanding.entities),
        "report_category": understanding.report_category,
    }


def understanding_from_json(data: Mapping[str, Any]) -> Understanding:
    intent, category = data.get("intent"), data.get("report_category")
    return Understanding(
        intent=intent if isinstance(intent, str) else None,
        confidence=float(data.get("confidence") or 0.0),
        entities=tuple(e for e in data.get("entities") or () if isinstance(e, dict)),
        report_category=category if isinstance(category, dict) else None,
    )


def result_to_json(result: EngineResult) -> dict[str, Any]:
    return {
        "replies": [reply.to_dict() for reply in result.replies],
        "understanding": understanding_to_json(result.understanding),
        "paused": result.paused,
        "handoff_reason": result.handoff_reason,
        "private": result.private,
    }


def result_from_json(data: Mapping[str, Any]) -> EngineResult:
    reason: Optional[Any] = data.get("handoff_reason")
    return EngineResult(
        replies=tuple(Reply.from_dict(r) for r in data.get("replies") or () if isinstance(r, dict)),
        understanding=understanding_from_json(data.get("understanding") or {}),
        paused=data.get("paused") is True,
        handoff_reason=reason if isinstance(reason, str) else None,
        private=data.get("private") is True,
    )
