"""The report category suggestion: the likeliest sub-categories, and a long
message the bot cannot place offered as a report; trained as Rasa does."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.report_turn import likely_options
from bot.engine.report_category import ReportCategoryClassifier

EXAMPLES = {
    "wegen/straatverlichting": ["lantaarnpaal kapot", "de lamp brandt niet", "straatlamp stuk", "donkere straat"],
    "wegen/bestrating": ["losse stoeptegel", "gat in de weg", "kuil in het fietspad", "verzakte stoep"],
    "groen/boom": ["boom omgewaaid", "tak hangt los", "scheve boom", "dode boom"],
    "-": ["ik wil iets melden", "melding doen", "ik wil een probleem doorgeven", "melding"],
}
CATEGORIES = {code: code for code in EXAMPLES if code != "-"}


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> ReportCategoryClassifier:
    storage, resource = LocalModelStorage(tmp_path_factory.mktemp("model")), Resource("report_category")
    context = ExecutionContext(GraphSchema({}), "test")
    config = ReportCategoryClassifier.get_default_config()
    examples = [
        Message.build(text=text, intent="report_issue", intent_metadata=None if code == "-" else {"category": code})
        for code, texts in EXAMPLES.items()
        for text in texts
    ]
    ReportCategoryClassifier.create(config, storage, resource, context).train(TrainingData(examples))
    return ReportCategoryClassifier.load(config, storage, resource, context)


def parsed(classifier: ReportCategoryClassifier, text: str, ranking: list[tuple[str, float]]) -> Any:
    message = Message.build(text=text)
    message.set("intent", {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set("intent_ranking", [{"name": name, "confidence": confidence} for name, confidence in ranking])
    classifier.process([message])
    return message.get("report_category")


def test_a_report_names_its_likeliest_three_sub_categories(classifier: ReportCategoryClassifier) -> None:
    suggestion = parsed(classifier, "de lantaarnpaal is kapot", [("report_issue", 0.9)])
    assert suggestion["code"] == "wegen/straatverlichting"
    likely = suggestion["likely"]
    assert likely[0]["code"] == "wegen/straatverlichting"
    assert len(likely) == 3 and "-" not in [entry["code"] for entry in likely]
    assert [entry["confidence"] for entry in likely] == sorted((e["confidence"] for e in likely), reverse=True)


LONG = "er is al weken iets niet in orde bij ons in de straat"


def test_a_message_the_bot_cannot_place_may_be_a_report(classifier: ReportCategoryClassifier) -> None:
    runner_up = [("nlu_fallback", 0.3), ("opening_hours", 0.25), ("report_issue", 0.2), ("greet", 0.1)]
    assert parsed(classifier, LONG, runner_up) is not None
    # Short, but a report is DIET's best guess.
    assert parsed(classifier, "lamp stuk", [("nlu_fallback", 0.3), ("report_issue", 0.25)]) is not None


@pytest.mark.parametrize(
    "text, ranking",
    [
        # Gibberish: the unknown-words check put the fallback first with full confidence.
        (LONG, [("nlu_fallback", 1.0), ("report_issue", 0.6)]),
        # Short, with a report only DIET's second guess: more likely a question the bot missed.
        ("iets niet in orde", [("nlu_fallback", 0.3), ("opening_hours", 0.25), ("report_issue", 0.2)]),
        # report_issue is not among DIET's first three guesses.
        (LONG, [("nlu_fallback", 0.3), ("events", 0.3), ("greet", 0.2), ("thank", 0.1), ("report_issue", 0.05)]),
        # Understood as something else: no report at all.
        (LONG, [("opening_hours", 0.8), ("report_issue", 0.1)]),
    ],
)
def test_other_messages_get_no_category(
    classifier: ReportCategoryClassifier, text: str, ranking: list[tuple[str, float]]
) -> None:
    assert parsed(classifier, text, ranking) is None


def test_buttons_offer_two_or_three_likely_sub_categories_or_none() -> None:
    def suggestion(*confidences: float) -> dict[str, Any]:
        codes = list(CATEGORIES)
        return {"likely": [{"code": codes[i], "confidence": c} for i, c in enumerate(confidences)]}

    assert likely_options(suggestion(0.3, 0.2, 0.1), CATEGORIES) == list(CATEGORIES)
    # Too unlikely a third is left off; the two likeliest always go together.
    assert likely_options(suggestion(0.3, 0.2, 0.01), CATEGORIES) == list(CATEGORIES)[:2]
    assert likely_options(suggestion(0.45, 0.02, 0.01), CATEGORIES) == list(CATEGORIES)[:2]
    # Together too unlikely: the whole tree is the better question.
    assert likely_options(suggestion(0.12, 0.1, 0.06), CATEGORIES) == []
    # A category the municipality does not have is never a button.
    other = {"likely": [{"code": "x/y", "confidence": 0.6}, *suggestion(0.3)["likely"]]}
    assert likely_options(other, CATEGORIES) == []
