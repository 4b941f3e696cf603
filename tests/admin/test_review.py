"""The review queue: which messages land there, how they are grouped, and how
a decision becomes redacted training data in clean Rasa YAML (read back by
Rasa itself, in the engine's environment)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from bot.audit import AuditLog
from bot.learning.annotate import Annotation, NewIntent, annotate
from bot.learning.examples import ExampleError, TrainingData
from bot.learning.review import PAGE_SIZE, Candidate, ReviewQueue, group_candidates, group_key
from bot.store import Database
from bot.store.tables import messages
from tests.history import PastConversation, Turn, write_history
from tests.support import copy_project, rasa_examples

NOW = datetime.now(timezone.utc)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the training data and content to write into."""
    return copy_project(tmp_path)


def candidate(text: str, intent: str = "nlu_fallback", minutes: int = 0) -> Candidate:
    return Candidate(1, text, intent, 0.3, "fallback", NOW + timedelta(minutes=minutes))


def test_near_duplicates_are_one_group_most_frequent_first() -> None:
    groups = group_candidates(
        [
            candidate("Mag mijn hond los in het park?"),
            candidate("mag mijn hond los in het park", minutes=1),
            candidate("@gemeente mag mijn hond los in t park??", minutes=2),
            candidate("Hoe laat sluit de milieustraat", "bulky_waste", minutes=3),
        ]
    )
    assert [g.count for g in groups] == [3, 1]
    assert groups[0].guess == "nlu_fallback" and len(groups[0].wordings) == 3
    assert group_key("Bel me: 0612345678!") == "bel me [telefoon]"


async def test_fallbacks_doubts_hand_offs_and_flags_land_in_the_queue(database: Database) -> None:
    await write_history(
        database,
        PastConversation(
            "webchat",
            NOW,
            [
                Turn("paspoort verlengen", "passport_renewal", 0.97),  # understood well: not for review
                Turn("kan ik mijn kano kwijt bij de haven", "nlu_fallback", 0.21),
                Turn("hoe zit het met de toeristenbelasting", "municipal_taxes", 0.41),
            ],
        ),
    )
    await write_history(
        database,
        PastConversation(
            "telegram",
            NOW,
            [
                Turn("mijn buurman heeft een illegale aanbouw", "building_permit", 0.92),
                Turn("mens aub", "human_handoff", 0.99, reply=None),
            ],
            handoff={"reason": "human_handoff"},
        ),
    )
    flagged = await write_history(
        database, PastConversation("x", NOW, [Turn("wat kost een container", "bulky_waste", 0.9)])
    )
    queue = ReviewQueue(database, below_confidence=0.6)
    async with database.engine.connect() as connection:
        message_id = await connection.scalar(
            sa.select(messages.c.id).where(messages.c.conversation_id == flagged, messages.c.direction == "in")
        )
    assert await queue.flag(flagged, message_id, staff_id=None) is True
    assert await queue.flag(flagged, 999_999, staff_id=None) is False

    reasons = {c.text: c.reason for c in await queue.candidates()}
    assert reasons == {
        "kan ik mijn kano kwijt bij de haven": "fallback",
        "hoe zit het met de toeristenbelasting": "low_confidence",
        "mijn buurman heeft een illegale aanbouw": "handoff",
        "wat kost een container": "flagged",
    }

    group = await queue.group(group_key("kan ik mijn kano kwijt bij de haven"))
    assert group is not None
    await queue.decide(group, "dismissed", None, None)
    assert "kan ik mijn kano kwijt bij de haven" not in {c.text for c in await queue.candidates()}


def test_examples_are_written_sorted_redacted_and_the_comments_stay(project: Path) -> None:
    path = project / "nlu_data" / "nlu" / "opening_hours.yml"
    path.write_text("# Openingstijden: gesprekken over wanneer we open zijn.\n" + path.read_text())
    data = TrainingData(project)
    data.add_examples(
        "opening_hours", ["Is het stadhuis op 2e kerstdag open? Bel 06-12345678", "openingstijden gemeente"]
    )

    text = path.read_text()
    assert text.startswith("# Openingstijden: gesprekken over wanneer we open zijn.\n")
    examples = rasa_examples(path)
    assert "Is het stadhuis op 2e kerstdag open? Bel [TELEFOON]" in examples
    assert examples == sorted(examples, key=str.casefold)
    assert len(examples) == len(set(e.casefold() for e in examples))
    with pytest.raises(ExampleError):
        data.add_examples("no_such_intent", ["hallo"])


async def test_a_new_intent_gets_examples_an_answer_a_rule_and_a_place_in_the_domain(
    database: Database, project: Path
) -> None:
    await write_history(
        database,
        PastConversation(
            "webchat",
            NOW,
            [
                Turn("hoeveel hondenbelasting betaal ik", "nlu_fallback", 0.2),
                Turn("Hoeveel hondenbelasting betaal ik?", "nlu_fallback", 0.25),
            ],
        ),
    )
    queue = ReviewQueue(database, below_confidence=0.6)
    [group] = await queue.groups()
    data = TrainingData(project)
    intent = await annotate(
        queue,
        data,
        AuditLog(database),
        group,
        Annotation(
            "new_intent", new_intent=NewIntent("dog_tax", "Hondenbelasting", "Voor een hond betaal je € 120 per jaar.")
        ),
        "carla",
    )
    assert intent == "dog_tax"
    domain = yaml.safe_load((project / "domain.yml").read_text())
    assert "dog_tax" in domain["intents"]
    rules = yaml.safe_load((project / "nlu_data" / "rules.yml").read_text())["rules"]
    assert {"rule": "dog_tax (beheer)", "steps": [{"intent": "dog_tax"}, {"action": "action_answer_topic"}]} in rules
    topic = yaml.safe_load((project / "content" / "topics" / "dog_tax.yml").read_text())
    assert topic["full"] == ["Voor een hond betaal je € 120 per jaar."] and topic["title"] == "Hondenbelasting"
    examples = rasa_examples(project / "nlu_data" / "nlu" / "dog_tax.yml")
    assert examples == ["hoeveel hondenbelasting betaal ik", "Hoeveel hondenbelasting betaal ik?"]
    assert await queue.groups() == []
    [entry] = await AuditLog(database).latest()
    assert (entry.actor, entry.action, entry.detail["intent"]) == ("carla", "review", "dog_tax")
    assert "hondenbelasting" not in entry.subject.lower(), "the audit log keeps no citizen's words"
    with pytest.raises(ExampleError):
        data.new_intent("dog_tax", "x", "y", "", ["z"])
    with pytest.raises(ExampleError):
        data.new_intent("Bad Name", "x", "y", "", ["z"])


@pytest.mark.parametrize(
    "answer, problem",
    [
        ("Bel {phone} voor een afspraak.", None),
        ("Dat kost {prijs} per jaar.", "{prijs}"),
        ("Gebruik de {accolade", "losse {"),
        ("Een } te veel", "losse {"),
        ("Leeg: {}", "{}"),
    ],
)
def test_a_new_answer_may_only_use_the_profiles_facts_as_placeholders(project: Path, answer: str, problem) -> None:
    data = TrainingData(project, facts={"phone", "municipality"})
    if problem is None:
        data.new_intent("dog_tax", "Hondenbelasting", answer, "", ["hondenbelasting"])
        return
    with pytest.raises(ExampleError, match=re.escape(problem)):
        data.new_intent("dog_tax", "Hondenbelasting", answer, "", ["hondenbelasting"])
    assert not (project / "content" / "topics" / "dog_tax.yml").exists()


async def test_the_queue_is_paged_and_a_page_redacts_only_its_own_groups(database: Database) -> None:
    # Sixty questions nothing alike (hex words), each with a phone number.
    words = [hashlib.sha256(str(n).encode()).hexdigest()[:24] for n in range(60)]
    turns = [Turn(f"{word} bel 06123456{n:02d}", "nlu_fallback", 0.2) for n, word in enumerate(words)]
    await write_history(database, PastConversation("webchat", NOW, turns))
    queue = ReviewQueue(database, below_confidence=0.6)
    first, third = await queue.page(1), await queue.page(3)
    assert (first.pages, len(first.groups), len(third.groups), third.first) == (3, PAGE_SIZE, 60 - 2 * PAGE_SIZE, 51)
    assert all("[TELEFOON]" in group.example for group in first.groups)
    assert (await queue.page(99)).number == 3
    shown = {key for group in first.groups + third.groups for key in group.keys}
    assert len(shown) == 35
