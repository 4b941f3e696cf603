"""Which language a citizen writes in: Dutch, or English.

py3langid ships its model. Limited to the languages we answer in, it is sure
of a sentence and unsure of a word ("ok", "hoi", "7311 AB"), so a conversation
changes language only on a message of a few words it is sure of, and stays in
its language otherwise: "yes" after an English question is answered in English.
"""

from __future__ import annotations

import functools
import re
from typing import Optional

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from bot.contract import Language

LANGUAGES = (Language.DUTCH, Language.ENGLISH)
SURE = 0.9
MIN_WORDS = 2
WORD = re.compile(r"[^\W\d_]{2,}")


@functools.cache
def _identifier() -> LanguageIdentifier:
    # The model is read-only data that takes 0.7 s to unpack: once per process,
    # however many gateways (a test suite builds hundreds) share it.
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


class LanguageGuesser:
    def sure_of(self, text: str) -> Optional[str]:
        """The language of ``text`` when it says enough to tell, else None."""
        if len(WORD.findall(text)) < MIN_WORDS:
            return None
        language, probability = _identifier().classify(text)
        return str(language) if probability >= SURE else None

    def conversation_language(self, text: str, before: Optional[str]) -> str:
        """The language to answer ``text`` in, given the conversation's so far."""
        return self.sure_of(text) or before or Language.DUTCH
