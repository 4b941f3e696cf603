"""The blend of DIET's ranking with a linear model, trained, stored and loaded as Rasa does."""

from __future__ import annotations

from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.engine.intent_blend import IntentBlend, blend

EXAMPLES = {
    "cancel": ["stop maar", "ik wil stoppen", "laat maar zitten", "annuleren", "hou maar op"],
    "report_issue": ["gat in de weg", "lantaarnpaal kapot", "losse stoeptegel", "afval gedumpt", "bankje vernield"],
}


def test_the_linear_model_overrules_an_overconfident_diet() -> None:
    diet = {"report_issue": 1.0, "cancel": 0.0}
    linear = {"report_issue": 0.1, "cancel": 0.7, "deny": 0.2}
    ranking = blend(diet, linear, diet_weight=0.3)
    assert [(r["name"], round(r["confidence"], 2)) for r in ranking] == [
        ("cancel", 0.49),
        ("report_issue", 0.37),
        ("deny", 0.14),
    ]


def test_a_trained_blend_is_stored_loaded_and_used(tmp_path: Path) -> None:
    storage, resource = LocalModelStorage(tmp_path), Resource("intent_blend")
    context = ExecutionContext(GraphSchema({}), "test")
    config = IntentBlend.get_default_config()
    training = TrainingData(
        [Message.build(text=text, intent=intent) for intent, texts in EXAMPLES.items() for text in texts]
    )
    trained = IntentBlend.create(config, storage, resource, context)
    trained.train(training)

    loaded = IntentBlend.load(config, storage, resource, context)
    # Stored for fast scoring (bot/engine/linear_text.py), scoring exactly as trained.
    assert loaded.model.steps[-1][1].coef_.flags.f_contiguous
    texts = ["stop er maar mee", "gat in de stoep", "hallo"]
    assert (loaded.model.predict_proba(texts) == trained.model.predict_proba(texts)).all()
    message = Message.build(text="stop er maar mee")
    message.set("intent_ranking", [{"name": "report_issue", "confidence": 1.0}])
    loaded.process([message])
    assert message.get("intent")["name"] == "cancel"
    assert [r["name"] for r in message.get("intent_ranking")] == ["cancel", "report_issue"]
