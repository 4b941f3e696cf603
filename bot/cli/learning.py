"""The learning loop on the command line: the review queue, training (with
evaluation, comparison and promotion), promotion, evaluation and parsing."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

from bot.audit import AuditLog
from bot.cli.command import Command, with_database
from bot.municipality import Municipality, load_municipality
from bot.settings import Settings
from bot.store import Database

DECISIONS = {"assign": "intent", "new-intent": "new_intent", "out-of-scope": "out_of_scope", "dismiss": "dismissed"}


async def review(settings: Settings, municipality: Municipality, database: Database, args: argparse.Namespace) -> None:
    """The review queue: list it, or decide on a question (assign, new-intent,
    out-of-scope, dismiss); examples are redacted and written to nlu_data/."""
    from bot.learning.annotate import Annotation, NewIntent, annotate
    from bot.learning.examples import ExampleError, TrainingData
    from bot.learning.review import ReviewQueue

    admin = municipality.admin
    queue = ReviewQueue(database, admin.review_below_confidence, admin.retention_days)
    if args.action == "list":
        groups = await queue.groups()
        for group in groups:
            confidence = f"{group.confidence:.0%}" if group.confidence is not None else "–"
            reasons = ",".join(sorted(group.reasons))
            print(f"{group.count:>4}×  {group.guess or '–':<22} {confidence:>5}  {group.key!r}  {reasons}")
        print(f"{len(groups)} question(s) to review; decide with: dorpspomp review assign KEY --intent NAME")
        return
    chosen = await queue.group(args.key)
    if chosen is None:
        raise SystemExit(f"{args.key!r} is not in the review queue (dorpspomp review list)")
    decision = DECISIONS[args.action]
    new = (
        NewIntent(args.intent or "", args.title or "", args.answer or "", args.short or "")
        if decision == "new_intent"
        else None
    )
    try:
        intent = await annotate(
            queue,
            TrainingData(settings.root, municipality.profile.facts),
            AuditLog(database),
            chosen,
            Annotation(decision, args.intent, new),
            settings.operator,
        )
    except ExampleError as error:
        raise SystemExit(str(error)) from None
    print(f"{chosen.count} message(s): {decision}" + (f" → {intent}; train to teach the bot" if intent else ""))


def review_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("list", *DECISIONS))
    parser.add_argument("key", nargs="?", default="", help="the question as 'review list' shows it")
    parser.add_argument("--intent", help="for assign and new-intent")
    parser.add_argument("--title", help="new-intent: its title on buttons and in the inbox")
    parser.add_argument("--answer", help="new-intent: the bot's answer")
    parser.add_argument("--short", help="new-intent: the answer for a public tweet")


async def compare_and_promote(
    settings: Settings, municipality: Municipality, database: Database, args: argparse.Namespace
) -> None:
    """A training run with evaluation and comparison (--compare, as the admin page starts it)."""
    from bot.evaluation import HELD_OUT
    from bot.learning.runs import TrainingRuns, execute
    from bot.training import ModelFiles

    runs, audit, operator = TrainingRuns(database), AuditLog(database), settings.operator
    run = await runs.get(args.run) if args.run else await runs.start(operator)
    if run is None:
        raise SystemExit(f"no training run {args.run}")
    if not args.run:
        await audit.record(operator, "training", f"run {run.id}", {"promote": args.promote})
    allowed_drop = municipality.admin.allowed_f1_drop
    run = await execute(
        runs,
        run,
        settings.root,
        ModelFiles.from_settings(settings),
        settings.root / HELD_OUT,
        args.promote,
        allowed_drop,
    )
    print(f"run {run.id}: {run.state} ({run.model or 'no model'})")
    comparison = run.comparison or {}
    for row in comparison.get("intents", []):
        marker = "  WORSE" if row["intent"] in comparison.get("worse", []) else ""
        before = f"{row['baseline']:.2f}" if row["baseline"] is not None else "  – "
        after = f"{row['candidate']:.2f}" if row["candidate"] is not None else "  – "
        print(f"  {row['intent']:<24} {before} → {after}{marker}")
    if run.promoted_at is not None:
        await audit.record("automatisch" if args.promote == "auto" else operator, "promotion", run.model or "")
        print("promoted: every running gateway switches to it within seconds")
    if run.state == "failed":
        raise SystemExit(f"training failed: {run.error}")


def train(settings: Settings, args: argparse.Namespace) -> None:
    """Train when the data changed; with --compare a full run of the learning loop."""
    if args.compare:
        with_database(compare_and_promote)(settings, args)
        return
    from bot.training import ModelFiles, train_if_changed

    print(train_if_changed(settings.root, ModelFiles.from_settings(settings)))


def train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--compare",
        action="store_true",
        help="evaluate on the held-out messages, compare with the live model per intent",
    )
    parser.add_argument("--run", type=int, help="the training run the admin page started")
    parser.add_argument(
        "--promote",
        choices=("auto", "yes", "no"),
        default="auto",
        help="auto: only if no intent got worse beyond admin.allowed_f1_drop",
    )


async def promote(settings: Settings, municipality: Municipality, database: Database, args: argparse.Namespace) -> None:
    """Put a trained run's model live in every running gateway."""
    from bot.learning.runs import RunError, TrainingRuns

    try:
        run = await TrainingRuns(database).promote(args.run)
    except RunError as error:
        raise SystemExit(str(error)) from None
    await AuditLog(database).record(settings.operator, "promotion", run.model or "", {"run": run.id})
    print(f"{run.model} is live; every running gateway switches to it within seconds")


def promote_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", type=int)


def evaluate(settings: Settings, args: argparse.Namespace) -> None:
    """Intent accuracy, macro-F1, confusions and parse latency on the held-out
    messages; with --time-training a full training's wall time, with --folds N
    Rasa's N-fold cross-validation. Exits 1 when the goals are not met."""
    from bot import evaluation
    from bot.training import ModelFiles, train_if_changed

    root = settings.root
    started = time.perf_counter()
    model = train_if_changed(root, ModelFiles.from_settings(settings), force=args.time_training)
    if args.time_training:
        print(f"full training from scratch: {time.perf_counter() - started:.0f} s")
    held_out = root / (args.held_out or evaluation.HELD_OUT)
    result = asyncio.run(evaluation.evaluate_model(model, evaluation.load_examples(held_out)))
    print(f"model {model.name}\n{evaluation.describe(result)}")
    if args.folds:
        accuracy, macro_f1 = asyncio.run(evaluation.cross_validation(root, args.folds))
        print(f"\n{args.folds}-fold cross-validation: accuracy {accuracy:.3f}, macro-F1 {macro_f1:.3f}")
    shortfall = evaluation.meets_goals(result)
    if shortfall:
        raise SystemExit(f"\ngoals not met: {shortfall}")
    print("\ngoals met: accuracy ≥ 0.95, macro-F1 ≥ 0.93, ≤ 2% of in-scope messages out_of_scope")


def evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--time-training", action="store_true", help="also time a full training")
    parser.add_argument("--folds", type=int, default=0, help="also run N-fold cross-validation")
    parser.add_argument("--held-out", type=Path, help="another held-out file (Rasa NLU YAML) than bench/data's")


async def _parse_lines(settings: Settings) -> None:
    from bot.engine.rasa_agent import RasaAgentEngine
    from bot.nlu_api import understanding_json
    from bot.training import ModelFiles, current_model

    model = current_model(settings.root, ModelFiles.from_settings(settings))
    if model is None:
        raise SystemExit(f"no trained model in {settings.model_dir}: run 'dorpspomp train' first")
    engine = await RasaAgentEngine.load(model, settings, load_municipality(settings).admin.retention_days)
    for line in sys.stdin:
        text = line.rstrip("\n")
        if text.strip():
            print(json.dumps(understanding_json(text, await engine.parse(text)), ensure_ascii=False), flush=True)


def parse(settings: Settings, args: argparse.Namespace) -> None:
    """One text per line on stdin, one JSON object per line on stdout."""
    asyncio.run(_parse_lines(settings))


COMMANDS = (
    Command(
        "train",
        "train a model unless one exists for the current data (--compare: evaluate, compare, promote)",
        train,
        train_arguments,
        engine_env=True,
    ),
    Command(
        "review", "the review queue of questions the bot did not handle well", with_database(review), review_arguments
    ),
    Command("promote", "put a trained model live in every running gateway", with_database(promote), promote_arguments),
    Command(
        "evaluate",
        "measure the NLU on held-out messages (--time-training, --folds N)",
        evaluate,
        evaluate_arguments,
        engine_env=True,
    ),
    Command("parse", "parse stdin lines, print JSON lines", parse, engine_env=True),
)
