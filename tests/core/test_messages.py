from __future__ import annotations

import pytest

from bot.messages import MAX_TEXT_LENGTH, Button, IncomingMessage, MessageTooLong, Reply
from bot.profile import ProfileError, load_profile
from tests.support import ROOT


def test_text_longer_than_the_limit_is_refused() -> None:
    IncomingMessage("rest", "a", "x" * MAX_TEXT_LENGTH)
    with pytest.raises(MessageTooLong):
        IncomingMessage("rest", "a", "x" * (MAX_TEXT_LENGTH + 1))


def test_payload_wins_over_text_for_the_engine() -> None:
    assert IncomingMessage("rest", "a", "Ja", payload="/affirm").engine_text == "/affirm"
    assert IncomingMessage("rest", "a", "ja").engine_text == "ja"


def test_reply_round_trips_through_a_dict() -> None:
    reply = Reply("Hoi", buttons=(Button("Ja", "/affirm"),), image="https://x/y.png")
    assert Reply.from_dict(reply.to_dict()) == reply
    assert Reply.from_dict({"recipient_id": "a", "text": None}) == Reply("")


def test_profile_texts_are_filled_with_facts() -> None:
    profile = load_profile(ROOT / "municipality.yml")
    assert profile.facts["phone"] in profile.text("engine_failed")
    with pytest.raises(ProfileError):
        profile.text("no_such_text")


def test_profile_without_facts_is_refused(tmp_path) -> None:
    path = tmp_path / "m.yml"
    path.write_text("name: X\nwebsite: https://x\ntexts: {}\n")
    with pytest.raises(ProfileError, match="facts"):
        load_profile(path)


def test_only_the_newest_models_and_the_live_one_are_kept(tmp_path) -> None:
    import os

    from bot.training import prune_models

    for age, name in enumerate(["a", "b", "c", "d", "e"]):
        path = tmp_path / f"dorpspomp-{name}.tar.gz"
        path.write_bytes(b"")
        os.utime(path, (1000 + age, 1000 + age))
    prune_models(tmp_path, newest=3, protected=["dorpspomp-a.tar.gz"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dorpspomp-a.tar.gz",
        "dorpspomp-c.tar.gz",
        "dorpspomp-d.tar.gz",
        "dorpspomp-e.tar.gz",
    ]


def test_rasa_custom_request_for_a_location_marks_the_reply_before_it() -> None:
    replies = Reply.from_rasa(
        [
            {"recipient_id": "c", "text": "Waar is het?"},
            {"recipient_id": "c", "custom": {"request": "location"}},
            {"recipient_id": "c", "text": "Of typ de straat."},
        ]
    )
    assert [(r.text, r.request_location) for r in replies] == [("Waar is het?", True), ("Of typ de straat.", False)]
    assert Reply.from_dict(replies[0].to_dict()) == replies[0]
    assert "request_location" not in replies[1].to_dict()


def test_rasa_custom_short_version_belongs_to_the_reply_before_it() -> None:
    replies = Reply.from_rasa(
        [
            {"recipient_id": "c", "text": "Een paspoort kost € 84,45, … lees meer."},
            {"recipient_id": "c", "custom": {"short": "Paspoort: € 84,45. https://x.nl/paspoort"}},
            {"recipient_id": "c", "text": "Nog iets?"},
        ]
    )
    assert [r.short for r in replies] == ["Paspoort: € 84,45. https://x.nl/paspoort", ""]
    assert Reply.from_dict(replies[0].to_dict()) == replies[0]
    assert "short" not in replies[1].to_dict()
