"""An NLU component that refuses to guess when a message is not language it knows.

DIET with character n-grams gives gibberish ("qwrtpz xlkj") a confident intent
all the same. This component compares the character trigrams of a message's
words with those of every word in the training data: misspelt Dutch
("goeiedag", "paspoot") shares most of them, keyboard mashing shares almost
none. Below ``min_known_share`` the message becomes ``nlu_fallback``, which
the dialogue answers honestly.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.engine.component_code import code_fingerprint

TRIGRAMS_FILE = "trigrams.json"


def trigrams(words: Iterable[str]) -> set[str]:
    """Character trigrams of each word, with its edges marked: "hoi" → <ho, hoi, oi>."""
    grams: set[str] = set()
    for word in words:
        marked = f"<{word.lower()}>"
        grams.update(marked[i : i + 3] for i in range(len(marked) - 2))
    return grams


def _message_trigrams(message: Message) -> set[str]:
    return trigrams(token.text for token in message.get(TOKENS_NAMES[TEXT]) or ())


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsFallback(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"min_known_share": 0.3}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Rasa restores a trained component from its cache only while our code is the same."""
        return code_fingerprint()

    def __init__(
        self,
        config: Dict[Text, Any],
        known: set[str],
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        self.min_known_share = float(config["min_known_share"])
        self.known = known
        self._model_storage = model_storage
        self._resource = resource

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UnknownWordsFallback":
        return cls(config, set(), model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "UnknownWordsFallback":
        with model_storage.read_from(resource) as directory:
            known = set(json.loads((directory / TRIGRAMS_FILE).read_text()))
        return cls(config, known, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        for example in training_data.intent_examples:
            self.known |= _message_trigrams(example)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / TRIGRAMS_FILE).write_text(json.dumps(sorted(self.known)))
        return self._resource

    def known_share(self, grams: set[str]) -> float:
        return len(grams & self.known) / len(grams) if grams else 1.0

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if self.known_share(_message_trigrams(message)) < self.min_known_share:
                fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
                message.data[INTENT] = fallback
                message.data.setdefault(INTENT_RANKING_KEY, []).insert(0, fallback)
        return messages
