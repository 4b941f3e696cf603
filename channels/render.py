"""Rendering helpers the platform renderers share."""

from __future__ import annotations

import re
from typing import Callable

# After a sentence's end or a line break; the whitespace is kept with the piece before.
SENTENCE = re.compile(r".+?(?:[.!?](?=\s)|\n|$)\s*", re.DOTALL)


def split_text(text: str, limit: int, length: Callable[[str], int] = len) -> list[str]:
    """``text`` in pieces of at most ``limit`` (by ``length``), cut between
    sentences or lines, else between words, so each piece reads on its own."""
    text = text.strip()
    if length(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for part in _parts(text, limit, length):
        if length((current + part).strip()) <= limit:
            current += part
            continue
        if current.strip():
            pieces.append(current.strip())
        current = part
    if current.strip():
        pieces.append(current.strip())
    return pieces


def _parts(text: str, limit: int, length: Callable[[str], int]) -> list[str]:
    """Sentences, and the words of a sentence longer than ``limit``."""
    parts: list[str] = []
    for sentence in SENTENCE.findall(text):
        if length(sentence.strip()) <= limit:
            parts.append(sentence)
            continue
        for word in sentence.split():
            while length(word) > limit:  # a word longer than a message: cut it
                parts.append(word[:limit])
                word = word[limit:]
            parts.append(word + " ")
    return parts
