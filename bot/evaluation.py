"""How well the model understands citizens (``make eval``).

- Intent accuracy and macro-F1 on the held-out messages of
  ``bench/data/intents_heldout.yml`` (never trained on), with the intents most
  often taken for one another and the share of in-scope messages taken for
  out_of_scope. A fallback ("not sure") counts as a miss.
- Parse latency per message, median and p99.
- Optionally Rasa's own k-fold cross-validation over the training data.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Mapping, Optional

from sklearn.metrics import f1_score

HELD_OUT = Path("bench") / "data" / "intents_heldout.yml"
# The NLU examples of the training data (rules.yml beside them is no NLU file).
TRAINING_EXAMPLES = Path("nlu_data") / "nlu"
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str


@dataclass(frozen=True)
class Scores:
    count: int
    accuracy: float
    macro_f1: float
    per_intent_f1: Mapping[str, float]
    # (expected, predicted, how often), most frequent first.
    confusions: tuple[tuple[str, str, int], ...]
    # In-scope messages the model called out_of_scope, and messages it was unsure of.
    out_of_scope_share: float
    fallback_share: float


@dataclass(frozen=True)
class Evaluation:
    scores: Scores
    parse_ms_median: float
    parse_ms_p99: float


def load_examples(path: Path) -> list[Example]:
    """Rasa NLU YAML, entity annotations stripped."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [Example(m.get("text"), m.get("intent")) for m in data.intent_examples]


def score(pairs: Iterable[tuple[str, str]]) -> Scores:
    """Scores of (expected, predicted) intent pairs; macro-F1 over the expected intents."""
    pairs = list(pairs)
    if not pairs:
        raise ValueError("nothing to score")
    expected = [e for e, _ in pairs]
    predicted = [p for _, p in pairs]
    labels = sorted(set(expected))
    per_intent = f1_score(expected, predicted, labels=labels, average=None, zero_division=0)
    in_scope = [(e, p) for e, p in pairs if e != OUT_OF_SCOPE]
    mistakes = Counter((e, p) for e, p in pairs if e != p)
    return Scores(
        count=len(pairs),
        accuracy=sum(e == p for e, p in pairs) / len(pairs),
        macro_f1=float(per_intent.mean()),
        per_intent_f1={label: float(f) for label, f in zip(labels, per_intent, strict=True)},
        confusions=tuple((e, p, n) for (e, p), n in mistakes.most_common()),
        out_of_scope_share=sum(p == OUT_OF_SCOPE for _, p in in_scope) / max(len(in_scope), 1),
        fallback_share=sum(p == "nlu_fallback" for p in predicted) / len(pairs),
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def evaluate(parse: Callable[[str], Awaitable[Mapping[str, Any]]], examples: list[Example]) -> Evaluation:
    """Parse every example with ``parse`` (Rasa's parse result) and score it."""
    pairs, latencies = [], []
    for example in examples:
        started = time.perf_counter()
        result = await parse(example.text)
        latencies.append((time.perf_counter() - started) * 1000)
        pairs.append((example.intent, ((result.get("intent") or {}).get("name")) or "nlu_fallback"))
    return Evaluation(score(pairs), statistics.median(latencies), _percentile(latencies, 0.99))


async def evaluate_model(model: Path, examples: list[Example]) -> Evaluation:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return await evaluate(agent.parse_message, examples)


async def cross_validation(root: Path, folds: int) -> tuple[float, float]:
    """Accuracy and macro-F1 of Rasa's ``folds``-fold cross-validation of the NLU."""
    from rasa.nlu.test import cross_validate
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(root / TRAINING_EXAMPLES))
    intents, _entities, _responses = await cross_validate(
        data, folds, str(root / "config.yml"), disable_plotting=True, report_as_dict=True
    )
    evaluation = intents.evaluation
    return float(evaluation["accuracy"]), float(evaluation["report"]["macro avg"]["f1-score"])


def describe(evaluation: Evaluation, confusions: int = 12) -> str:
    """A plain-text report for the terminal and the README."""
    s = evaluation.scores
    lines = [
        f"held-out messages      {s.count}",
        f"intent accuracy        {s.accuracy:.3f}",
        f"macro-F1               {s.macro_f1:.3f}",
        f"in-scope → out_of_scope {s.out_of_scope_share:.1%}",
        f"unsure (fallback)      {s.fallback_share:.1%}",
        f"parse latency          median {evaluation.parse_ms_median:.1f} ms, p99 {evaluation.parse_ms_p99:.1f} ms",
        "",
        "lowest F1 per intent:",
        *(f"  {intent:<22} {f1:.2f}" for intent, f1 in sorted(s.per_intent_f1.items(), key=lambda i: i[1])[:8]),
        "",
        "most frequent confusions (expected → predicted):",
        *(f"  {e} → {p}: {n}" for e, p, n in s.confusions[:confusions]),
    ]
    return "\n".join(lines)


def meets_goals(
    evaluation: Evaluation, accuracy: float = 0.95, macro_f1: float = 0.93, out_of_scope_share: float = 0.02
) -> Optional[str]:
    """None when the goals of the NLU are met, else what falls short."""
    s = evaluation.scores
    shortfalls = [
        f"accuracy {s.accuracy:.3f} < {accuracy}" if s.accuracy < accuracy else "",
        f"macro-F1 {s.macro_f1:.3f} < {macro_f1}" if s.macro_f1 < macro_f1 else "",
        f"out_of_scope share {s.out_of_scope_share:.1%} > {out_of_scope_share:.0%}"
        if s.out_of_scope_share > out_of_scope_share
        else "",
    ]
    return "; ".join(s for s in shortfalls if s) or None
