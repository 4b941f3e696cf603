"""What a citizen can send that the bot cannot read, in the words the bot
answers with ("Sorry, een spraakbericht kan ik niet openen") and a colleague
sees in the inbox. Keys are the platforms' own type names."""

from __future__ import annotations

KINDS = {
    "audio": "een spraakbericht",
    "voice": "een spraakbericht",
    "video": "een video",
    "document": "een bestand",
    "file": "een bestand",
    "sticker": "een sticker",
    "reaction": "een emoji-reactie",
    "contacts": "een contactkaart",
    "story_mention": "een vermelding in je verhaal",
    "share": "een gedeeld bericht",
    "ig_reel": "een reel",
    "reel": "een reel",
}
OTHER = "dit soort bericht"


def unreadable(kind: str) -> str:
    """``kind`` (a platform's message or attachment type) as the bot names it."""
    return KINDS.get(kind, OTHER)
