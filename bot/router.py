"""The router: every citizen message is persisted, answered and its answer persisted.

Channels call :meth:`Router.handle` with a normalised message and send back
the replies of the answer it returns; the router never looks at which platform
a message came from. Messages nobody asked for go out through
:class:`bot.outreach.Outreach`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from datetime import datetime
from typing import Optional

from sqlalchemy.exc import SQLAlchemyError

from bot.content.crisis import CrisisBulletin
from bot.contract import Intent, Language
from bot.engine import DialogueEngine, EngineError
from bot.kpi.metrics import GatewayMetrics
from bot.language import LanguageGuesser
from bot.locks import Held
from bot.messages import Answer, AnswerStep, EngineResult, IncomingMessage, Reply, Turn, Understanding
from bot.payloads import OFFERED_WINDOW, needs_offer, vetted
from bot.profile import MunicipalityProfile
from bot.store import ConversationStore
from bot.webcare.gate import HandoffGate, topic_of
from bot.webcare.notes import NoteStore
from bot.welcome import Welcome

logger = logging.getLogger(__name__)


class Router:
    def __init__(
        self,
        store: ConversationStore,
        engine: DialogueEngine,
        profile: MunicipalityProfile,
        engine_timeout: float,
        gate: HandoffGate,
        notes: NoteStore,
        welcome: Welcome,
        languages: LanguageGuesser,
        bulletin: Optional[CrisisBulletin] = None,
        metrics: Optional[GatewayMetrics] = None,
    ) -> None:
        self.store = store
        self.engine = engine
        self.profile = profile
        self.welcome = welcome
        self.languages = languages
        self.engine_timeout = engine_timeout
        self.gate = gate
        self.notes = notes
        # The incident notice mentioned once per conversation during a crisis.
        self.bulletin = bulletin
        self.metrics = metrics or GatewayMetrics()

    async def handle(
        self, message: IncomingMessage, conversation_id: Optional[str] = None, *, then: Optional[AnswerStep] = None
    ) -> Answer:
        """Answer one message; ``conversation_id`` when the channel already knows it.
        ``then`` gets the answer while the turn still holds its conversation, so
        what it queues is queued in the order of the turns, whichever process
        took each of them (not called when storage failed or a colleague has it)."""
        started = time.perf_counter()
        self.metrics.message_in(message.channel)
        try:
            conversation_id = conversation_id or await self.store.conversation_for(message.channel, message.sender)
            answer = await self._handle(message, conversation_id, then)
        except SQLAlchemyError:
            # Without storage we cannot keep the message, so we say so rather
            # than answer as if it were safe.
            logger.exception("storage failed for a message on %s", message.channel)
            answer = Answer([Reply(self.profile.text("storage_failed"))], None)
        self.metrics.messages_out(message.channel, len(answer.replies))
        if answer.replies:
            self.metrics.reply_seconds.labels(message.channel).observe(time.perf_counter() - started)
        return answer

    async def _handle(self, message: IncomingMessage, conversation_id: str, then: Optional[AnswerStep]) -> Answer:
        async with self.gate.hold(conversation_id) as held:
            if needs_offer(message):
                message = vetted(message, await self.store.offered_payloads(conversation_id, OFFERED_WINDOW))
            notice = await self._crisis_notice(conversation_id)
            said_before, language_before = await self.store.opening(conversation_id)
            # A public post is answered in public, where a welcome does not fit.
            first_contact = not message.public and not said_before
            recorded = await self.store.record_incoming(conversation_id, message)
            if recorded.answer:
                # The engine must not hear it twice, nor the citizen get two answers.
                return await self._done(held, Answer(recorded.answer, conversation_id, repeated=True), then)
            incoming_id = recorded.id
            if await self.gate.with_colleague(conversation_id):
                await self._for_colleague(conversation_id, incoming_id, message)
                return Answer([], conversation_id)
            if message.unreadable:
                # Nothing for the engine to read; the citizen hears what we can read.
                result, replies = None, [Reply(self.profile.text("unreadable_message", kind=message.unreadable))]
            else:
                message = await self._in_language(conversation_id, message, language_before)
                result = await self._ask_engine(conversation_id, message)
                replies = self._replies(result, message.metadata[Language.METADATA_KEY])
            if first_contact:
                replies = self._welcomed(message, result, replies)
            if notice and not any(reply.text == notice for reply in replies):
                replies.insert(0, Reply(notice))
            await self.store.record_outcome(
                incoming_id,
                conversation_id,
                message.channel,
                result.understanding if result else None,
                replies,
            )
            if result is not None and result.paused:
                topic = topic_of(await self.store.recent_intents(conversation_id))
                await self.gate.open(conversation_id, result.handoff_reason, topic)
            return await self._done(held, Answer(replies, conversation_id), then)

    @staticmethod
    async def _done(held: Held, answer: Answer, then: Optional[AnswerStep]) -> Answer:
        if then is not None:
            await held.confirm()
            await then(answer)
        return answer

    def _welcomed(self, message: IncomingMessage, result: Optional[EngineResult], replies: list[Reply]) -> list[Reply]:
        greeted_only = result is not None and result.understanding.intent == Intent.GREET
        welcome = self.welcome.in_language(message.metadata.get(Language.METADATA_KEY, Language.DUTCH))
        return welcome.before(replies, greeted_only=greeted_only, name=message.metadata.get("first_name"))

    async def _in_language(
        self, conversation_id: str, message: IncomingMessage, before: Optional[str]
    ) -> IncomingMessage:
        """The message with the language to answer it in, which the conversation
        keeps until the citizen clearly writes in another."""
        language = self.languages.conversation_language(message.text, before)
        if language != (before or Language.DUTCH):
            await self.store.set_language(conversation_id, language)
        return replace(message, metadata={**message.metadata, Language.METADATA_KEY: language})

    async def _crisis_notice(self, conversation_id: str) -> Optional[str]:
        """The active incident notice if this citizen has not heard it yet.

        A broken notice store must not keep the citizen's own answer back.
        """
        if self.bulletin is None:
            return None
        try:
            return await self.bulletin.opening(lambda: self.store.last_incoming_at(conversation_id))
        except SQLAlchemyError:
            logger.exception("could not look up the crisis notice")
            return None

    def _replies(self, result: Optional[EngineResult], language: str) -> list[Reply]:
        if result is None:
            return [Reply(self.profile.text("engine_failed", language))]
        # A paused engine says nothing; the citizen still hears where the message went.
        replies = list(result.replies) or [
            Reply(self.profile.text("handoff_waiting" if result.paused else "no_answer", language))
        ]
        return [replace(reply, private=True) for reply in replies] if result.private else replies

    async def _for_colleague(self, conversation_id: str, incoming_id: int, message: IncomingMessage) -> None:
        """A colleague has the conversation: the bot stays silent and the inbox hears it.

        The engine only reads the message (for the colleague's view of what it
        understood); it does not answer, whatever state its tracker is in.
        """
        understanding: Optional[Understanding] = None
        try:
            understanding = await self.parse(message.engine_text)
        except Exception:  # noqa: BLE001 - understanding is a nicety; the message is kept
            logger.warning("could not parse a message for the inbox of %s", conversation_id)
        await self.store.record_outcome(incoming_id, conversation_id, message.channel, understanding, [])
        await self.gate.conversation_changed(conversation_id)

    async def _ask_engine(self, conversation_id: str, message: IncomingMessage) -> Optional[EngineResult]:
        try:
            return await asyncio.wait_for(
                self.engine.handle(conversation_id, message),
                timeout=self.engine_timeout,
            )
        except asyncio.TimeoutError:
            logger.error(
                "engine timed out after %.1fs on conversation %s",
                self.engine_timeout,
                conversation_id,
            )
        except EngineError as error:
            logger.error("engine failed on conversation %s: %s", conversation_id, error)
        except Exception:
            logger.exception("engine crashed on conversation %s", conversation_id)
        self.metrics.engine_failures.inc()
        return None

    async def open_conversation(self, channel: str, language: str) -> str:
        """A new conversation the citizen opened (the web chat), welcomed before a word
        is typed. Only the welcome follows the device's language: the conversation's
        is what the citizen writes."""
        conversation_id = await self.store.create_conversation(channel)
        welcome = self.welcome.in_language(language).reply(with_topics=True)
        await self.store.record_replies(conversation_id, channel, [welcome])
        return conversation_id

    async def conversation_for(self, channel: str, sender: str) -> str:
        return await self.store.conversation_for(channel, sender)

    async def note(self, channel: str, sender: str, text: str) -> None:
        conversation_id = await self.store.find(channel, sender)
        if conversation_id is not None:
            await self.notes.add(conversation_id, None, text)
            await self.gate.conversation_changed(conversation_id)

    async def last_heard(self, conversation_id: str) -> Optional[datetime]:
        return await self.store.last_incoming_at(conversation_id)

    async def transcript(self, conversation_id: str) -> Optional[list[Turn]]:
        if not await self.store.exists(conversation_id):
            return None
        return [
            Turn(
                from_citizen=m.direction == "in",
                reply=m.as_reply(),
                photos=len((m.data or {}).get("attachments") or ()),
                shared_location="location" in (m.data or {}),
                message_id=m.platform_message_id,
            )
            for m in await self.store.history(conversation_id)
        ]

    async def parse(self, text: str) -> Understanding:
        return await asyncio.wait_for(self.engine.parse(text), timeout=self.engine_timeout)
