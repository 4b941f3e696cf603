"""An NLU component that refuses to guess when no word of a message is known.

DIET with character n-grams gives gibberish ("qwrtpz xlkj") a confident intent
all the same. A message none of whose words occur anywhere in the training
data is not understood, whatever the classifier says: it becomes
``nlu_fallback``, which the dialogue answers honestly.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

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

VOCABULARY_FILE = "vocabulary.json"


def _words(message: Message) -> set[str]:
    return {token.text.lower() for token in message.get(TOKENS_NAMES[TEXT]) or ()}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsFallback(GraphComponent, IntentClassifier):
    def __init__(
        self, vocabulary: set[str], model_storage: ModelStorage, resource: Resource
    ) -> None:
        self.vocabulary = vocabulary
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
        return cls(set(), model_storage, resource)

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
            vocabulary = json.loads((directory / VOCABULARY_FILE).read_text())
        return cls(set(vocabulary), model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        for example in training_data.intent_examples:
            self.vocabulary |= _words(example)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(self.vocabulary)))
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            words = _words(message)
            if words and not words & self.vocabulary:
                self._predict_fallback(message)
        return messages

    @staticmethod
    def _predict_fallback(message: Message) -> None:
        fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
        message.data[INTENT] = fallback
        ranking: Optional[List[Dict[Text, Any]]] = message.data.setdefault(INTENT_RANKING_KEY, [])
        ranking.insert(0, fallback)
