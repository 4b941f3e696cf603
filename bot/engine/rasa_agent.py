"""Rasa's ``Agent`` in the engine service's process: NLU, policies and responses.

Only the engine environment (Python 3.10, Rasa 3.6) imports this module; the
gateway reaches it through :mod:`bot.engine.service`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any, Mapping, Optional

from rasa.core.agent import Agent, load_agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ConversationResumed, Event, SlotSet

from bot.contract import Slot
from bot.engine import EngineError, rasa_patches
from bot.engine.rasa_endpoints import rasa_endpoints
from bot.engine.wire import EngineTurn
from bot.messages import EngineResult, Reply, Understanding
from bot.settings import Settings

logger = logging.getLogger(__name__)


SWAP_SWITCH_INTERVAL = 0.0002


def resume_events() -> list[Event]:
    """A paused tracker stops after the hand-off action, before listening: without
    the ``action_listen`` no rule would match the citizen's next message."""
    return [ConversationResumed(), SlotSet(Slot.HANDOFF_REASON, None), ActionExecuted(ACTION_LISTEN_NAME)]


def present_slots(slots: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in slots.items() if value is not None}


def understanding_from_parse(parse_data: Mapping[str, Any]) -> Understanding:
    intent = parse_data.get("intent") or {}
    return Understanding(
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        entities=tuple(parse_data.get("entities") or ()),
        report_category=parse_data.get("report_category"),
    )


class RasaAgentEngine:
    """A loaded Rasa ``Agent``: NLU, policies and response generation in-process."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    @classmethod
    async def load(cls, model_path: Path, settings: Settings, retention_days: int) -> "RasaAgentEngine":
        rasa_patches.apply()
        agent = await load_agent(model_path=str(model_path), endpoints=rasa_endpoints(settings, retention_days))
        if not agent.is_ready():
            raise EngineError(f"could not load the Rasa model {model_path}")
        logger.info("Rasa model %s loaded", model_path.name)
        return cls(agent)

    async def handle(self, conversation_id: str, turn: EngineTurn) -> EngineResult:
        output = CollectingOutputChannel()
        user_message = UserMessage(
            turn.text, output, conversation_id, input_channel=turn.channel, metadata=dict(turn.metadata)
        )
        processor = self.agent.processor
        assert processor is not None  # load() refuses an agent without a model
        # The steps of MessageProcessor.handle_message (rasa 3.6.21), kept here so
        # we hold the tracker afterwards and need no second tracker-store read to
        # learn what the NLU understood.
        async with self.agent.lock_store.lock(conversation_id):
            tracker = await processor.log_message(user_message, should_save_tracker=False)
            form_before = tracker.active_loop_name
            tracker = await processor.run_action_extract_slots(output, tracker)
            await processor._run_prediction_loop(output, tracker)
            await processor.run_anonymization_pipeline(tracker)
            await processor.save_tracker(tracker)
        return EngineResult(
            replies=tuple(Reply.from_rasa(output.messages)),
            understanding=understanding_from_parse(tracker.latest_message.parse_data),
            paused=tracker.is_paused(),
            handoff_reason=tracker.get_slot(Slot.HANDOFF_REASON),
            private=tracker.is_paused() or bool(form_before or tracker.active_loop_name),
        )

    async def parse(self, text: str) -> Understanding:
        return understanding_from_parse(await self.agent.parse_message(text))

    async def resume(self, conversation_id: str) -> None:
        processor = self.agent.processor
        assert processor is not None
        async with self.agent.lock_store.lock(conversation_id):
            tracker = await processor.get_tracker(conversation_id)
            for event in resume_events():
                tracker.update(event)
            await processor.save_tracker(tracker)

    async def slots(self, conversation_id: str) -> dict[str, Any]:
        processor = self.agent.processor
        assert processor is not None
        tracker = await processor.get_tracker(conversation_id)
        return present_slots(tracker.current_slot_values())

    async def model_version(self) -> Optional[str]:
        return self.agent.model_name

    async def swap(self, model_path: Path) -> None:
        """Rasa's ``Agent.load_model``, with the loading (seconds of CPU) in a
        thread so messages keep flowing; a turn that started on the old model
        finishes on it (``handle`` holds its processor), the next one starts
        on the new. Tracker and lock store stay, so conversations go on."""
        agent = self.agent
        # Loading makes many short calls into TensorFlow, each of which has to
        # win the GIL back from the busy event loop; at the default 5 ms switch
        # interval that starves it for minutes under traffic.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(SWAP_SWITCH_INTERVAL)
        try:
            processor = await asyncio.to_thread(
                MessageProcessor,
                model_path=model_path,
                tracker_store=agent.tracker_store,
                lock_store=agent.lock_store,
                action_endpoint=agent.action_endpoint,
                generator=agent.nlg,
                http_interpreter=agent.http_interpreter,
            )
        finally:
            sys.setswitchinterval(interval)
        agent.processor = processor
        agent.domain = processor.domain
        agent.tracker_store.domain = processor.domain
        if isinstance(agent.nlg, TemplatedNaturalLanguageGenerator):
            agent.nlg.responses = processor.domain.responses
        logger.info("now answering with model %s", model_path.name)

    async def ready(self) -> bool:
        return self.agent.is_ready()
