"""What a colleague does with a conversation: claim, reply, note, transfer, close.

Each action checks who owns the conversation, changes SQL, reaches the citizen
through the outreach (and so through the channel they used) and tells every
connected inbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from bot.clock import utcnow
from bot.contract import Slot
from bot.engine import DialogueEngine
from bot.kpi.charts import ChannelLooks
from bot.media import photo_ids
from bot.messages import Button, Reply
from bot.outgoing.deliveries import Delivery, DeliveryStore
from bot.outreach import Outreach
from bot.profile import MunicipalityProfile
from bot.reports.settings import ReportSettings
from bot.store import ConversationStore, written_in_public
from bot.webcare.canned import CannedStore
from bot.webcare.gate import HandoffGate
from bot.webcare.handoffs import BACK_TO_BOT, CLOSED, Handoff, NewCitizenMessage
from bot.webcare.hours import TeamHours
from bot.webcare.notes import MAX_NOTE_LENGTH, NoteStore
from bot.webcare.settings import WebcareSettings
from bot.webcare.staff import StaffMember, StaffStore
from bot.webcare.suggestions import Suggestions

logger = logging.getLogger(__name__)

# What the dialogue collected, as colleagues read it; other slots are Rasa's bookkeeping.
COLLECTED_LABELS = {
    Slot.REPORT_DESCRIPTION: "Omschrijving",
    Slot.REPORT_CATEGORY: "Soort melding",
    Slot.REPORT_LOCATION: "Plek",
    Slot.REPORT_PHOTO: "Foto's",
    Slot.REPORT_CONTACT: "Contact",
}
RATINGS = range(1, 6)


class DeskError(Exception):
    """An action a colleague cannot take now; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def signed(text: str, member: StaffMember) -> str:
    """Dutch webcare teams sign with their initials: "… ^AK"."""
    return f"{text.strip()} ^{member.initials}"


def _masked(contact: Optional[str], shown: int = 3) -> Optional[str]:
    return None if contact is None else "•" * max(0, len(contact) - shown) + contact[-shown:]


def _undelivered(delivery: Delivery) -> dict[str, Any]:
    """A message that did not reach the citizen, and why, as the inbox shows it."""
    return {"id": delivery.id, "created_at": delivery.created_at.isoformat(), "reason": delivery.last_error or ""}


def sla_colour(minutes: float, settings: WebcareSettings) -> str:
    if minutes >= settings.sla_red_minutes:
        return "red"
    return "amber" if minutes >= settings.sla_amber_minutes else "green"


@dataclass
class WebcareDesk:
    conversations: ConversationStore
    engine: DialogueEngine
    gate: HandoffGate
    outreach: Outreach
    staff: StaffStore
    notes: NoteStore
    canned: CannedStore
    suggestions: Suggestions
    settings: WebcareSettings
    profile: MunicipalityProfile
    reports: ReportSettings
    deliveries: DeliveryStore
    channels: ChannelLooks

    async def _owned(self, conversation_id: str, member: StaffMember) -> Handoff:
        handoff = await self.gate.active(conversation_id)
        if handoff is None:
            raise DeskError(409, "Dit gesprek is niet (meer) bij webcare.")
        if handoff.staff_id != member.id:
            raise DeskError(409, "Neem het gesprek eerst over; een collega of niemand heeft het nu.")
        return handoff

    async def claim(self, conversation_id: str, member: StaffMember) -> None:
        handoff = await self.gate.active(conversation_id)
        if handoff is None or not await self.gate.handoffs.claim(handoff.id, member.id):
            raise DeskError(409, "Een collega heeft dit gesprek net overgenomen.")
        await self._changed(conversation_id)

    async def transfer(self, conversation_id: str, member: StaffMember, to_staff_id: int) -> None:
        """The owner hands a conversation on; an admin may also move one from a
        colleague who is away (to anyone, themselves included)."""
        handoff = await self.gate.active(conversation_id)
        if handoff is None or handoff.staff_id is None:
            raise DeskError(409, "Neem het gesprek eerst over; niemand heeft het nu.")
        if handoff.staff_id != member.id and not member.is_admin:
            raise DeskError(409, "Neem het gesprek eerst over; een collega heeft het nu.")
        if to_staff_id == handoff.staff_id or not await self.staff.can_log_in(to_staff_id):
            raise DeskError(400, "Kies een andere collega.")
        if not await self.gate.handoffs.transfer(handoff.id, handoff.staff_id, to_staff_id):
            raise DeskError(409, "Het gesprek is intussen veranderd; kijk nog eens.")
        await self._changed(conversation_id)

    async def reply(self, conversation_id: str, member: StaffMember, text: str) -> None:
        handoff = await self._owned(conversation_id, member)
        if not text.strip():
            raise DeskError(400, "Typ eerst een antwoord.")
        message = signed(text, member)
        limit = await self.reply_limit(conversation_id)
        if len(message) > limit:
            raise DeskError(400, f"Je antwoord is {len(message)} tekens, met paraaf; hier passen er {limit}.")
        await self.outreach.push(conversation_id, [Reply(message)], staff_id=member.id)
        await self.gate.handoffs.replied(handoff.id)
        await self.gate.conversation_changed(conversation_id)

    async def note(self, conversation_id: str, member: StaffMember, text: str) -> None:
        if not text.strip() or len(text) > MAX_NOTE_LENGTH:
            raise DeskError(400, f"Een notitie heeft 1 tot {MAX_NOTE_LENGTH} tekens.")
        if await self.conversations.address(conversation_id) is None:
            raise DeskError(404, "Dit gesprek bestaat niet.")
        await self.notes.add(conversation_id, member.id, text.strip())
        await self.gate.conversation_changed(conversation_id)

    async def close(
        self, conversation_id: str, member: StaffMember, last_seen_message_id: int, back_to_bot: bool
    ) -> None:
        """Resolve the hand-off; the bot answers the citizen's next message again.

        Refused while the citizen wrote something the colleague has not seen:
        under the conversation's lock, so a message is either read here first
        or answered by the bot, never dropped between the two.
        """
        async with self.gate.hold(conversation_id):
            handoff = await self._owned(conversation_id, member)
            try:
                done = await self.gate.handoffs.resolve(
                    handoff.id, member.id, BACK_TO_BOT if back_to_bot else CLOSED, last_seen_message_id
                )
            except NewCitizenMessage:
                raise DeskError(409, "De inwoner schreef net iets nieuws. Lees dat eerst.") from None
            if not done:
                raise DeskError(409, "Het gesprek is intussen veranderd; kijk nog eens.")
            try:
                await self.engine.resume(conversation_id)
            except Exception:
                # The router notices the engine is still paused on the next message
                # and queues the conversation again: the citizen is not left alone.
                logger.exception("could not resume the bot for %s", conversation_id)
        if back_to_bot:
            await self.outreach.push(conversation_id, self._back_to_bot(member))
        await self._changed(conversation_id)

    def _back_to_bot(self, member: StaffMember) -> list[Reply]:
        text = self.profile.text("handoff_back", agent=member.display_name.split()[0])
        if not self.settings.ask_satisfaction:
            return [Reply(text)]
        question = self.profile.text("handoff_rating_question")
        buttons = tuple(Button(str(r), f'/rate_service{{"rating": "{r}"}}') for r in RATINGS)
        return [Reply(text), Reply(question, buttons)]

    async def _changed(self, conversation_id: str) -> None:
        await self.gate.queue_changed()
        await self.gate.conversation_changed(conversation_id)

    async def contact(self, conversation_id: str) -> str:
        """The citizen's whole number, for a colleague who needs to call back."""
        address = await self.conversations.address(conversation_id)
        contact = self.outreach.contact(*address) if address else None
        if contact is None:
            raise DeskError(404, "Van deze inwoner is geen nummer bekend.")
        return contact

    async def reply_limit(self, conversation_id: str) -> int:
        address = await self.conversations.address(conversation_id)
        if address is None:
            raise DeskError(404, "Dit gesprek bestaat niet.")
        history = await self.conversations.history(conversation_id)
        return self.outreach.reply_limit(address[0], written_in_public(history))

    async def queue(self, now: Optional[datetime] = None) -> dict[str, Any]:
        now = now or utcnow()
        handoffs = self.gate.handoffs
        hours = TeamHours(self.settings)

        def entry(h: Handoff) -> dict[str, Any]:
            # Only the team's working time counts: a message at night is not late by morning.
            waited = hours.working_minutes(h.queued_at, now)
            return {
                "conversation_id": h.conversation_id,
                "channel": h.channel,
                "topic": self.settings.topic_label(h.topic or h.reason),
                "reason": h.reason,
                "state": h.state,
                "staff": h.staff_initials,
                "queued_at": h.queued_at.isoformat(),
                "waiting_minutes": int(waited),
                "sla": sla_colour(waited, self.settings),
                "outcome": h.outcome,
            }

        return {
            "waiting": [entry(h) for h in await handoffs.waiting()],
            "assigned": [entry(h) for h in await handoffs.assigned()],
            "resolved": [entry(h) for h in await handoffs.recently_resolved()],
        }

    async def view(self, conversation_id: str, member: StaffMember) -> dict[str, Any]:
        """All a colleague needs to take a conversation over."""
        address = await self.conversations.address(conversation_id)
        if address is None:
            raise DeskError(404, "Dit gesprek bestaat niet.")
        history = await self.conversations.history(conversation_id)
        initials = await self.staff.initials()
        slots = await self._slots(conversation_id)
        first_name = (slots.get(Slot.SESSION_STARTED_METADATA) or {}).get("first_name")
        handoff = await self.gate.handoffs.latest(conversation_id)
        last_in = next((m for m in reversed(history) if m.direction == "in"), None)
        public = written_in_public(history)
        window = self.outreach.window(address[0], last_in.created_at if last_in else None, utcnow())
        return {
            "conversation_id": conversation_id,
            "channel": address[0],
            "public": public,
            # The last digits only: the whole number is shown on request, and that is audited.
            "contact": _masked(self.outreach.contact(*address)),
            "window": None
            if window is None
            else {
                "open": window.open,
                "until": window.until.isoformat() if window.until else None,
                "note": window.note,
            },
            "undelivered": [_undelivered(d) for d in await self.deliveries.failed_for(conversation_id)],
            "first_name": first_name,
            "handoff": None
            if handoff is None
            else {
                "state": handoff.state,
                "reason": handoff.reason,
                "topic": self.settings.topic_label(handoff.topic or handoff.reason),
                "staff_id": handoff.staff_id,
                "staff": handoff.staff_initials,
                "queued_at": handoff.queued_at.isoformat(),
            },
            "messages": [
                {
                    "id": m.id,
                    "from": "citizen" if m.direction == "in" else ("staff" if m.staff_id else "bot"),
                    "staff": initials.get(m.staff_id) if m.staff_id else None,
                    "text": m.text,
                    "buttons": [b.title for b in m.as_reply().buttons],
                    "intent": m.intent,
                    "confidence": m.confidence,
                    "photos": photo_ids((m.data or {}).get("attachments")),
                    "unreadable": (m.data or {}).get("unreadable"),
                    "location": (m.data or {}).get("location"),
                    "created_at": m.created_at.isoformat(),
                }
                for m in history
            ],
            "notes": [
                {"text": n.text, "author": n.author, "created_at": n.created_at.isoformat()}
                for n in await self.notes.of(conversation_id)
            ],
            "collected": self._collected(slots),
            "suggestion": self.suggestions.for_intent(last_in.intent if last_in else None, first_name),
            "reply_limit": self.outreach.reply_limit(address[0], public),
            "canned": [
                {"title": c.title, "text": c.fill(self._canned_values(first_name, member))}
                for c in await self.canned.all()
            ],
        }

    def _collected(self, slots: dict[str, Any]) -> list[dict[str, str]]:
        return [
            {"label": label, "value": self._readable(name, slots[name])}
            for name, label in COLLECTED_LABELS.items()
            if name in slots
        ]

    def _readable(self, slot: str, value: Any) -> str:
        if slot == Slot.REPORT_CATEGORY:
            return self.reports.label(str(value))
        if slot == Slot.REPORT_LOCATION and isinstance(value, dict):
            return str(value.get("address") or f"{value.get('latitude')}, {value.get('longitude')}")
        if slot == Slot.REPORT_PHOTO and isinstance(value, list):
            return f"{len(value)} foto('s)" if value else "geen"
        if slot == Slot.REPORT_CONTACT and isinstance(value, dict):
            return str(value.get("value") or "anoniem")
        return str(value)

    def _canned_values(self, first_name: Optional[str], member: StaffMember) -> dict[str, str]:
        return {
            **self.profile.facts,
            "first_name": first_name or "",
            "agent_name": member.display_name.split()[0],
        }

    async def _slots(self, conversation_id: str) -> dict[str, Any]:
        try:
            return await self.engine.slots(conversation_id)
        except Exception:  # noqa: BLE001 - the view works without what the bot collected
            logger.warning("could not read the dialogue state of %s", conversation_id)
            return {}
