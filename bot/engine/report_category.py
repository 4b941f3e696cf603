"""An NLU component that suggests the category of a public-space report.

It learns from the ``report_issue`` blocks of the training data, whose
metadata names the category (``metadata: {category: wegen/straatverlichting}``);
blocks without a category teach it what an opener that names no problem yet
looks like ("ik wil iets melden"). A linear model over word and character
n-grams of the text is small, trains in a second and copes with the typos of
real reports.

For every message that DIET took for ``report_issue`` the parse result gains
``report_category: {"code", "confidence", "main": {"code", "confidence"}}``;
for other messages, and for openers without a problem, it is ``null``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.engine.linear_text import text_classifier
from bot.engine.stored_model import StoredModelComponent

REPORT_INTENT = "report_issue"
OUTPUT_KEY = "report_category"
NO_CATEGORY = "-"


def _category_of(example: Message) -> str:
    metadata = example.get(METADATA) or {}
    intent_metadata = metadata.get(METADATA_INTENT) or {}
    return str(intent_metadata.get("category") or NO_CATEGORY)


def _understood_intent(message: Message) -> Optional[str]:
    """DIET's intent, also when the fallback classifier has put ``nlu_fallback`` first."""
    for ranked in message.get(INTENT_RANKING_KEY) or [message.get(INTENT) or {}]:
        if ranked.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME:
            return ranked.get("name")
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ReportCategoryClassifier(StoredModelComponent):
    MODEL_FILE = "report_category.joblib"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"regularisation": 10.0}

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) == REPORT_INTENT]
        texts = [e.get(TEXT) for e in examples]
        labels = [_category_of(e) for e in examples]
        if len(set(labels)) < 2:
            return self.persist(None)
        return self.persist(text_classifier(float(self.config["regularisation"])).fit(texts, labels))

    def suggest(self, text: str) -> Optional[Dict[str, Any]]:
        """The likeliest category of a report text, or None when it names no problem."""
        if self.model is None or not text.strip():
            return None
        probabilities = dict(zip(self.model.classes_, self.model.predict_proba([text])[0], strict=True))
        code = max(probabilities, key=probabilities.__getitem__)
        if code == NO_CATEGORY:
            return None
        per_main: Dict[str, float] = defaultdict(float)
        for label, probability in probabilities.items():
            if label != NO_CATEGORY:
                per_main[label.split("/")[0]] += probability
        main = max(per_main, key=per_main.__getitem__)
        return {
            "code": code,
            "confidence": round(float(probabilities[code]), 4),
            "main": {"code": main, "confidence": round(float(per_main[main]), 4)},
        }

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            suggestion = None
            if _understood_intent(message) == REPORT_INTENT:
                suggestion = self.suggest(message.get(TEXT) or "")
            message.set(OUTPUT_KEY, suggestion, add_to_output=True)
        return messages
