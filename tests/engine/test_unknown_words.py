"""The gibberish guard in the NLU pipeline: letter patterns, not whole words."""

from __future__ import annotations

import pytest

from bot.engine.unknown_words import UnknownWordsFallback, trigrams

VOCABULARY = ["hallo", "goedemorgen", "dag", "paspoort", "verlopen", "ik", "vlieg", "morgen"]


@pytest.fixture
def guard() -> UnknownWordsFallback:
    return UnknownWordsFallback({"min_known_share": 0.3}, trigrams(VOCABULARY), None, None)  # type: ignore[arg-type]


def test_trigrams_mark_word_edges() -> None:
    assert trigrams(["Hoi"]) == {"<ho", "hoi", "oi>"}
    assert trigrams([]) == set()


@pytest.mark.parametrize("words", [["goeiedag"], ["hallootjes"], ["paspoot", "verlopen"], ["ik", "vlieg"]])
def test_misspelt_known_words_pass(guard: UnknownWordsFallback, words: list[str]) -> None:
    assert guard.known_share(trigrams(words)) >= guard.min_known_share


@pytest.mark.parametrize("words", [["qwrtpz", "xlkj"], ["asdf"], ["zzzzz"]])
def test_keyboard_mashing_falls_back(guard: UnknownWordsFallback, words: list[str]) -> None:
    assert guard.known_share(trigrams(words)) < guard.min_known_share


def test_a_message_without_words_is_left_to_the_classifier(guard: UnknownWordsFallback) -> None:
    assert guard.known_share(set()) == 1.0
