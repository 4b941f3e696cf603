"""The platform renderers: text split where it reads well, tweets within the
weighted 280 with their link."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from twitter_text import parse_tweet

from channels.render import split_text
from channels.x.render import TWEET_LIMIT, fit_tweet

WORDS = st.lists(
    st.sampled_from(
        [
            "paspoort",
            "afspraak",
            "stadhuis.",
            "🛂",
            "https://www.voorbeeldstad.nl/paspoort",
            "je",
            "morgen!",
            "ophalen?",
            "écht",
        ]
    ),
    min_size=1,
    max_size=120,
).map(" ".join)


def test_split_text_cuts_between_sentences() -> None:
    text = "Eerste zin hier. Tweede zin volgt! Een derde vraag?"
    assert split_text(text, 35) == ["Eerste zin hier. Tweede zin volgt!", "Een derde vraag?"]


@given(WORDS, st.integers(min_value=10, max_value=300))
def test_split_text_keeps_every_word_and_every_piece_within_the_limit(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(len(piece) <= limit for piece in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


@given(WORDS)
def test_every_tweet_fits_and_links_to_more_when_cut(text: str) -> None:
    tweet = fit_tweet(text, "https://www.voorbeeldstad.nl")
    assert parse_tweet(tweet).weightedLength <= TWEET_LIMIT
    if parse_tweet(" ".join(text.split())).weightedLength > TWEET_LIMIT:
        assert "https://" in tweet
