"""The names the gateway and the action server must agree on: intents, slots and
hand-off reasons. Both sides import them from here; tests/test_contract.py checks
them against domain.yml and ../shared/INTENTS.md, so a renamed intent or slot
fails a test instead of silently matching nothing."""

from __future__ import annotations

from typing import Final, Optional


class Intent:
    GREET: Final = "greet"
    GOODBYE: Final = "goodbye"
    THANK: Final = "thank"
    AFFIRM: Final = "affirm"
    DENY: Final = "deny"
    BOT_CHALLENGE: Final = "bot_challenge"
    HUMAN_HANDOFF: Final = "human_handoff"
    COMPLAINT: Final = "complaint"
    OUT_OF_SCOPE: Final = "out_of_scope"
    SOCIAL_SUPPORT: Final = "social_support"
    REPORT_ISSUE: Final = "report_issue"
    EMERGENCY: Final = "emergency"
    INFORM: Final = "inform"
    CANCEL: Final = "cancel"
    RATE_SERVICE: Final = "rate_service"
    # Rasa's own: the fallback classifier's verdict, not in domain.yml.
    NLU_FALLBACK: Final = "nlu_fallback"


# Intents that say nothing about what a conversation is about (the inbox's topic, the KPIs).
CONTROL_INTENTS: Final = frozenset(
    {
        Intent.GREET,
        Intent.GOODBYE,
        Intent.THANK,
        Intent.AFFIRM,
        Intent.DENY,
        Intent.BOT_CHALLENGE,
        Intent.HUMAN_HANDOFF,
        Intent.NLU_FALLBACK,
        Intent.INFORM,
        Intent.CANCEL,
        Intent.RATE_SERVICE,
    }
)
# Intents that answer the bot's question during a report rather than change the subject.
REPORT_ANSWER_INTENTS: Final = frozenset(
    {Intent.REPORT_ISSUE, Intent.INFORM, Intent.AFFIRM, Intent.DENY, Intent.NLU_FALLBACK}
)
# Intents a citizen would not pick from a "Bedoel je …?" list of topics.
NOT_GUESSED: Final = frozenset(
    {Intent.OUT_OF_SCOPE, Intent.NLU_FALLBACK, Intent.HUMAN_HANDOFF, Intent.COMPLAINT, Intent.SOCIAL_SUPPORT}
)


class Slot:
    HANDOFF_REASON: Final = "handoff_reason"
    POSTCODE: Final = "postcode"
    REPORT_DESCRIPTION: Final = "report_description"
    REPORT_CATEGORY: Final = "report_category"
    REPORT_MAIN_CATEGORY: Final = "report_main_category"
    # The likeliest sub-categories the bot offers as buttons when it is unsure.
    REPORT_CATEGORY_OPTIONS: Final = "report_category_options"
    REPORT_LOCATION: Final = "report_location"
    REPORT_PHOTO: Final = "report_photo"
    REPORT_CONTACT: Final = "report_contact"
    REPORT_CONFIRMED: Final = "report_confirmed"
    # Rasa's own slots, not in domain.yml.
    REQUESTED: Final = "requested_slot"
    SESSION_STARTED_METADATA: Final = "session_started_metadata"


class Entity:
    REPORT_CATEGORY: Final = "report_category"
    REPORT_CHANGE: Final = "report_change"
    REPORT_REFERENCE: Final = "report_reference"
    LOCATION: Final = "location"
    RATING: Final = "rating"


# Everything a report in progress has collected; cleared together when it is sent or stopped.
REPORT_SLOTS: Final = (
    Slot.REPORT_DESCRIPTION,
    Slot.REPORT_CATEGORY,
    Slot.REPORT_MAIN_CATEGORY,
    Slot.REPORT_CATEGORY_OPTIONS,
    Slot.REPORT_LOCATION,
    Slot.REPORT_PHOTO,
    Slot.REPORT_CONTACT,
    Slot.REPORT_CONFIRMED,
)
# The report_category a citizen picks with "iets anders" under the likeliest
# sub-categories: none of those, show them all.
SOMETHING_ELSE: Final = "iets_anders"


class HandoffReason:
    """Why a conversation came to webcare: the action server sets one in the
    ``handoff_reason`` slot, the gateway stores it with the hand-off."""

    HUMAN_HANDOFF: Final = "human_handoff"
    COMPLAINT: Final = "complaint"
    SOCIAL_SUPPORT: Final = "social_support"
    FALLBACK: Final = "fallback"
    REPORT_OTHER: Final = "report_other"
    OFFER_ACCEPTED: Final = "offer_accepted"
    # The engine paused without saying why.
    BOT: Final = "bot"

    ALL: Final = frozenset({HUMAN_HANDOFF, COMPLAINT, SOCIAL_SUPPORT, FALLBACK, REPORT_OTHER, OFFER_ACCEPTED, BOT})

    @classmethod
    def parse(cls, value: Optional[str]) -> str:
        """A reason from the engine; an unknown one is logged by the caller as ``bot``."""
        return value if value in cls.ALL else cls.BOT


# The hand-off reason an intent asks for by itself.
REASON_FOR_INTENT: Final = {
    Intent.HUMAN_HANDOFF: HandoffReason.HUMAN_HANDOFF,
    Intent.COMPLAINT: HandoffReason.COMPLAINT,
    Intent.NLU_FALLBACK: HandoffReason.FALLBACK,
}


class Language:
    """The languages the bot answers in, as the gateway tells the engine with
    every message (its metadata's ``language``): Dutch, and English for the
    headline topics (``en:`` in a topic file, ``responses.en.yml``)."""

    DUTCH: Final = "nl"
    ENGLISH: Final = "en"
    METADATA_KEY: Final = "language"
