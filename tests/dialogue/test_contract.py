"""The contract between the gateway and the action server, checked against the
files Rasa trains on and the shared intent catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.admin.kpi_pages import HANDOFF_REASONS
from bot.contract import (
    CONTROL_INTENTS,
    NOT_GUESSED,
    REASON_FOR_INTENT,
    REPORT_ANSWER_INTENTS,
    REPORT_SLOTS,
    Entity,
    HandoffReason,
    Intent,
    Slot,
)

ROOT = Path(__file__).resolve().parents[2]
RASA_OWN_INTENTS = {Intent.NLU_FALLBACK}
RASA_OWN_SLOTS = {Slot.REQUESTED, Slot.SESSION_STARTED_METADATA}


def constants(kind: type) -> set[str]:
    return {value for name, value in vars(kind).items() if name.isupper() and isinstance(value, str)}


def domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_every_named_intent_is_in_the_domain():
    intents = set(domain()["intents"]) | RASA_OWN_INTENTS
    named = constants(Intent) | CONTROL_INTENTS | REPORT_ANSWER_INTENTS | NOT_GUESSED | set(REASON_FOR_INTENT)
    assert named - intents == set()


def test_every_named_intent_is_in_the_shared_catalogue():
    catalogue = (ROOT.parent / "shared" / "INTENTS.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| ([a-z_]+) \|", catalogue, re.MULTILINE))
    assert constants(Intent) - RASA_OWN_INTENTS - listed == set()


def test_every_named_slot_is_in_the_domain():
    slots = set(domain()["slots"])
    assert constants(Slot) - RASA_OWN_SLOTS == slots
    assert set(REPORT_SLOTS) == {slot for slot in slots if slot.startswith("report_")}


def test_every_named_entity_is_in_the_domain():
    assert constants(Entity) - set(domain()["entities"]) == set()


def test_every_hand_off_reason_has_a_label_and_an_unknown_one_is_the_bots():
    assert set(HANDOFF_REASONS) == HandoffReason.ALL
    assert set(REASON_FOR_INTENT.values()) <= HandoffReason.ALL
    assert HandoffReason.parse("made_up") == HandoffReason.BOT
    assert HandoffReason.parse(None) == HandoffReason.BOT
    assert HandoffReason.parse(HandoffReason.COMPLAINT) == HandoffReason.COMPLAINT
