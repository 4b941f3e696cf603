"""Approved questions written into the training data, as a person would.

Examples go to ``nlu_data/nlu/<intent>.yml`` (one file per intent, examples
sorted, duplicates dropped, comments kept), so every change is a readable git
diff. A new intent also gets its answer as a topic file, a place in
``domain.yml`` and a rule, exactly like the topics that came with Dorpspomp.
"""

from __future__ import annotations

import re
import string
from io import StringIO
from pathlib import Path
from typing import Any, Collection, Iterable

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from bot.privacy.redact import redact

NLU_FOLDER = Path("nlu_data") / "nlu"
RULES_FILE = Path("nlu_data") / "rules.yml"
TOPICS_FOLDER = Path("content") / "topics"
INTENT_NAME = re.compile(r"^[a-z][a-z0-9_]{2,48}$")
ANSWER_ACTION = "action_answer_topic"


class ExampleError(ValueError):
    """The examples or the new intent cannot be written as asked; says why."""


def _yaml() -> YAML:
    yaml = YAML()  # round trip: comments and key order survive
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = True
    # Rasa's files say "active_loop: null"; ruamel would write an empty value.
    yaml.representer.add_representer(
        type(None), lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return yaml


def _read(path: Path) -> Any:
    return _yaml().load(path.read_text(encoding="utf-8"))


def _write(path: Path, data: Any) -> None:
    buffer = StringIO()
    _yaml().dump(data, buffer)
    temporary = path.with_suffix(".yml.part")
    temporary.write_text(buffer.getvalue(), encoding="utf-8")
    temporary.replace(path)


def clean_example(text: str) -> str:
    """One line, redacted, without the list dash Rasa's block format uses."""
    return " ".join(redact(text).split()).lstrip("- ").strip()


def _sorted_block(existing: str, new: Iterable[str]) -> LiteralScalarString:
    lines = [line.strip()[2:].strip() for line in existing.splitlines() if line.strip().startswith("- ")]
    examples = {e.casefold(): e for e in lines}
    for example in new:
        examples.setdefault(example.casefold(), example)
    return LiteralScalarString("".join(f"- {e}\n" for e in sorted(examples.values(), key=str.casefold)))


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class TrainingData:
    """The training data of the project at ``root``."""

    def __init__(self, root: Path, facts: Collection[str] = ()) -> None:
        self.root = root
        # The placeholders an answer may use: the profile's facts.
        self.facts = frozenset(facts)

    def _check_placeholders(self, text: str) -> None:
        """An answer is filled in with the profile's facts: a stray brace or an
        unknown {name} would break the topic for every citizen who asks."""
        try:
            names = _placeholders(text)
        except ValueError:
            raise ExampleError("een losse { of } in het antwoord: schrijf {{ of }} voor het teken zelf") from None
        unknown = sorted(names - self.facts)
        if unknown:
            raise ExampleError(f"het antwoord gebruikt {{{unknown[0]}}}, maar dat gegeven kent het profiel niet")

    def intents(self) -> list[str]:
        return sorted(_read(self.root / "domain.yml").get("intents") or [])

    def add_examples(self, intent: str, texts: Iterable[str]) -> Path:
        if intent not in self.intents():
            raise ExampleError(f"onbekend intent {intent!r}")
        examples = [e for e in (clean_example(t) for t in texts) if e]
        if not examples:
            raise ExampleError("geen voorbeeldzin over na het weglaten van persoonsgegevens")
        path = self.root / NLU_FOLDER / f"{intent}.yml"
        if path.exists():
            data = _read(path)
        else:
            data = CommentedMap(
                version=DoubleQuotedScalarString("3.1"), nlu=CommentedSeq([CommentedMap(intent=intent, examples="")])
            )
        entry = next((item for item in data["nlu"] if item.get("intent") == intent), None)
        if entry is None:
            entry = CommentedMap(intent=intent, examples="")
            data["nlu"].append(entry)
        entry["examples"] = _sorted_block(str(entry.get("examples") or ""), examples)
        _write(path, data)
        return path

    def new_intent(self, intent: str, title: str, answer: str, short: str, texts: Iterable[str]) -> Path:
        """An intent of the municipality's own, answered from a new topic file."""
        if not INTENT_NAME.match(intent):
            raise ExampleError(
                "een intentnaam is kleine letters, cijfers en _, 3 tot 49 tekens, bijvoorbeeld 'hondenbelasting'"
            )
        if intent in self.intents():
            raise ExampleError(f"intent {intent!r} bestaat al; kies 'bestaand intent'")
        if not title.strip() or not answer.strip():
            raise ExampleError("een nieuw intent heeft een titel en een antwoord nodig")
        for text in (answer, short):
            self._check_placeholders(text)
        topic = self.root / TOPICS_FOLDER / f"{intent}.yml"
        _write(
            topic,
            CommentedMap(
                intent=intent,
                title=" ".join(title.split()),
                short=" ".join((short or answer).split()),
                full=CommentedSeq([" ".join(answer.split())]),
            ),
        )
        domain_path = self.root / "domain.yml"
        domain = _read(domain_path)
        domain["intents"].append(intent)
        _write(domain_path, domain)
        rules_path = self.root / RULES_FILE
        rules = _read(rules_path)
        rules["rules"].append(
            CommentedMap(
                rule=f"{intent} (beheer)",
                steps=CommentedSeq([CommentedMap(intent=intent), CommentedMap(action=ANSWER_ACTION)]),
            )
        )
        _write(rules_path, rules)
        return self.add_examples(intent, texts)
