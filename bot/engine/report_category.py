"""An NLU component that suggests the category of a public-space report.

It learns from the ``report_issue`` blocks of the training data, whose
metadata names the category (``metadata: {category: wegen/straatverlichting}``);
blocks without a category teach it what an opener that names no problem yet
looks like ("ik wil iets melden"). A linear model over word and character
n-grams of the text is small, trains in a second and copes with the typos of
real reports.

For every message that DIET took for ``report_issue`` the parse result gains
``report_category: {"code", "confidence", "main": {"code", "confidence"},
"likely": [{"code", "confidence"}, …]}`` (the three likeliest sub-categories,
which the bot offers as buttons when it is unsure); for other messages, and for
openers without a problem, it is ``null``. A long message the fallback
classifier could not place gets one too when DIET's runners-up include
``report_issue``: the bot then asks whether the citizen wants to report it.
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
LIKELY = 3
# A message this long that the bot cannot place is more likely a description
# than a question; with report_issue among DIET's first guesses it is offered as a report.
OFFER_MIN_WORDS = 6
OFFER_AMONG = 3


def _category_of(example: Message) -> str:
    metadata = example.get(METADATA) or {}
    intent_metadata = metadata.get(METADATA_INTENT) or {}
    return str(intent_metadata.get("category") or NO_CATEGORY)


def _may_be_report(message: Message) -> bool:
    """Taken for a report; or not placed (the fallback classifier first), with DIET's
    best guess a report, or a long message with a report among DIET's first guesses.
    Gibberish (the fallback with full confidence, bot/engine/unknown_words.py) never."""
    intent = message.get(INTENT) or {}
    if intent.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME:
        return intent.get("name") == REPORT_INTENT
    if float(intent.get("confidence") or 0) >= 1.0:
        return False
    ranking = message.get(INTENT_RANKING_KEY) or []
    guesses = [r.get("name") for r in ranking if r.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME]
    long_enough = len((message.get(TEXT) or "").split()) >= OFFER_MIN_WORDS
    return REPORT_INTENT in guesses[: OFFER_AMONG if long_enough else 1]


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
        likely = sorted((c for c in probabilities if c != NO_CATEGORY), key=probabilities.__getitem__, reverse=True)
        return {
            "code": code,
            "confidence": round(float(probabilities[code]), 4),
            "main": {"code": main, "confidence": round(float(per_main[main]), 4)},
            "likely": [{"code": c, "confidence": round(float(probabilities[c]), 4)} for c in likely[:LIKELY]],
        }

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            suggestion = None
            if _may_be_report(message):
                suggestion = self.suggest(message.get(TEXT) or "")
            message.set(OUTPUT_KEY, suggestion, add_to_output=True)
        return messages
