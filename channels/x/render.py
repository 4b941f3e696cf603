"""Tweets within X's weighted 280: a URL counts 23, an emoji or CJK character 2.

The counting is twitter-text's own (the ``twitter-text-parser`` port), the
one X applies.
"""

from __future__ import annotations

import re

from twitter_text import parse_tweet

from bot.messages import Reply
from channels.render import split_text

TWEET_LIMIT = 280
DM_LIMIT = 10_000
URL = re.compile(r"https?://\S+")


def weighted_length(text: str) -> int:
    return parse_tweet(text).weightedLength


def fit_tweet(text: str, more_url: str) -> str:
    """``text`` as one self-contained tweet: the whole sentences that fit, and a
    link to read more (the text's own link when it made the cut, else ``more_url``)."""
    text = " ".join(text.split())
    if weighted_length(text) <= TWEET_LIMIT:
        return text
    # One character spare for the ellipsis of a sentence cut between words.
    first = _first_piece(text, TWEET_LIMIT - 1)
    if URL.search(first):
        return first
    return f"{_first_piece(text, TWEET_LIMIT - 1 - weighted_length(' ' + more_url))} {more_url}"


def _first_piece(text: str, limit: int) -> str:
    first = split_text(text, limit, weighted_length)[0]
    return first if first.endswith((".", "!", "?")) else first + "…"


def dm_text(reply: Reply) -> str:
    """A direct message: X's v2 API has no buttons, so the choices are listed."""
    if not reply.buttons:
        return reply.text
    return reply.text + "\n\n" + "\n".join(f"• {button.title}" for button in reply.buttons)
