"""An admin's decision on a review group, the same from the page and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from bot.audit import AuditLog
from bot.learning.examples import ExampleError, TrainingData
from bot.learning.review import ReviewGroup, ReviewQueue, decision_key

OUT_OF_SCOPE = "out_of_scope"
# The wordings of one group that become training examples.
EXAMPLES_PER_GROUP = 5


@dataclass(frozen=True)
class NewIntent:
    name: str
    title: str
    answer: str
    short: str = ""


@dataclass(frozen=True)
class Annotation:
    decision: str  # intent, new_intent, out_of_scope, dismissed
    intent: Optional[str] = None
    new_intent: Optional[NewIntent] = None


async def annotate(
    queue: ReviewQueue,
    data: TrainingData,
    audit: AuditLog,
    group: ReviewGroup,
    annotation: Annotation,
    actor: str,
    staff_id: Optional[int] = None,
) -> Optional[str]:
    """Write the group's wordings (redacted) as training data where the decision
    asks for it, record the decision, and return the intent they went to."""
    examples = group.wordings[:EXAMPLES_PER_GROUP]
    intent: Optional[str] = None
    if annotation.decision == "intent":
        if not annotation.intent:
            raise ExampleError("kies een intent")
        intent = annotation.intent
        data.add_examples(intent, examples)
    elif annotation.decision == "new_intent":
        new = annotation.new_intent
        if new is None:
            raise ExampleError("een nieuw intent heeft een naam, titel en antwoord nodig")
        intent = new.name
        data.new_intent(new.name, new.title, new.answer, new.short, examples)
    elif annotation.decision == OUT_OF_SCOPE:
        intent = OUT_OF_SCOPE
        data.add_examples(intent, examples)
    elif annotation.decision != "dismissed":
        raise ExampleError(f"onbekend besluit {annotation.decision!r}")
    await queue.decide(group, annotation.decision, intent, staff_id)
    # The subject names the group by its hash: the audit log keeps no citizen's words.
    await audit.record(
        actor,
        "review",
        f"vraag {decision_key(group.key)[:12]}",
        {"decision": annotation.decision, "intent": intent, "messages": group.count},
    )
    return intent
