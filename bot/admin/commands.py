"""The admin's work from the command line: the review queue, training and
promotion, KPIs, a citizen's data, the retention job."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.admin.settings import load_admin_settings
from bot.audit import AuditLog
from bot.profile import load_profile
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.store import Database

ACTOR = os.environ.get("USER", "beheer")


async def review(settings: Settings, database: "Database", args: argparse.Namespace) -> None:
    from bot.learning.annotate import Annotation, NewIntent, annotate
    from bot.learning.examples import ExampleError, TrainingData
    from bot.learning.review import ReviewQueue

    admin = load_admin_settings(settings.profile_path)
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
    decision = {"assign": "intent", "new-intent": "new_intent", "out-of-scope": "out_of_scope", "dismiss": "dismissed"}[
        args.action
    ]
    new = (
        NewIntent(args.intent or "", args.title or "", args.answer or "", args.short or "")
        if decision == "new_intent"
        else None
    )
    try:
        intent = await annotate(
            queue,
            TrainingData(settings.root, load_profile(settings.profile_path).facts),
            AuditLog(database),
            chosen,
            Annotation(decision, args.intent, new),
            ACTOR,
        )
    except ExampleError as error:
        raise SystemExit(str(error)) from None
    print(f"{chosen.count} message(s): {decision}" + (f" → {intent}; train to teach the bot" if intent else ""))


async def train(settings: Settings, database: "Database", args: argparse.Namespace) -> None:
    """A training run with evaluation and comparison (--compare, as the admin page starts it)."""
    from bot.evaluation import HELD_OUT
    from bot.learning.runs import TrainingRuns, execute

    admin = load_admin_settings(settings.profile_path)
    runs = TrainingRuns(database)
    run = await runs.get(args.run) if args.run else await runs.start(ACTOR)
    if run is None:
        raise SystemExit(f"no training run {args.run}")
    if not args.run:
        await AuditLog(database).record(ACTOR, "training", f"run {run.id}", {"promote": args.promote})
    run = await execute(
        runs, run, settings.root, settings.model_dir, settings.root / HELD_OUT, args.promote, admin.allowed_f1_drop
    )
    print(f"run {run.id}: {run.state} ({run.model or 'no model'})")
    comparison = run.comparison or {}
    for row in comparison.get("intents", []):
        marker = "  WORSE" if row["intent"] in comparison.get("worse", []) else ""
        before = f"{row['baseline']:.2f}" if row["baseline"] is not None else "  – "
        after = f"{row['candidate']:.2f}" if row["candidate"] is not None else "  – "
        print(f"  {row['intent']:<24} {before} → {after}{marker}")
    if run.promoted_at is not None:
        await AuditLog(database).record(
            "automatisch" if args.promote == "auto" else ACTOR, "promotion", run.model or ""
        )
        print("promoted: every running gateway switches to it within seconds")
    if run.state == "failed":
        raise SystemExit(f"training failed: {run.error}")


async def promote(settings: Settings, database: "Database", args: argparse.Namespace) -> None:
    from bot.learning.runs import RunError, TrainingRuns

    try:
        run = await TrainingRuns(database).promote(args.run)
    except RunError as error:
        raise SystemExit(str(error)) from None
    await AuditLog(database).record(ACTOR, "promotion", run.model or "", {"run": run.id})
    print(f"{run.model} is live; every running gateway switches to it within seconds")


async def kpi(settings: Settings, database: "Database", args: argparse.Namespace) -> None:
    from bot.kpi.figures import KpiReport
    from bot.webcare.settings import load_webcare_settings

    end = date.fromisoformat(args.to) if args.to else date.today()
    start = date.fromisoformat(args.since) if args.since else end - timedelta(days=29)
    figures = await KpiReport(database, load_webcare_settings(settings.profile_path).timezone).figures(start, end)
    if args.csv:
        sys.stdout.write(figures.csv())
        return
    for figure, breakdown, value in figures.rows():
        if not figure.startswith("messages_per_day"):
            print(f"{figure:<32} {breakdown:<24} {value}")


async def citizen(settings: Settings, database: "Database", args: argparse.Namespace) -> None:
    """A citizen's data on request: export (JSON on stdout) or erase."""
    from bot.media import MediaStore
    from bot.privacy.citizens import CitizenRecords

    records = CitizenRecords(database, MediaStore(settings.media_dir))
    try:
        ids = await records.find(args.channel, args.sender, args.conversation, args.report)
    except ValueError as error:
        raise SystemExit(str(error)) from None
    if not ids:
        raise SystemExit("no conversations found for this citizen")
    audit = AuditLog(database)
    subject = ",".join(ids)
    if args.action == "export":
        print(json.dumps(await records.export(ids), ensure_ascii=False, indent=2))
        await audit.record(args.by, "export", subject[:128], {"conversations": len(ids)})
        return
    erased = await records.erase(ids)
    await _forget_trackers(settings, ids)
    await audit.record(args.by, "erase", subject[:128], {"conversations": erased})
    print(f"erased the content of {erased} conversation(s); the KPI figures keep their counts", file=sys.stderr)


async def _forget_trackers(settings: Settings, conversation_ids: list[str]) -> None:
    """Rasa's copy of the conversations in Redis. Without Redis it lives in the
    gateway's memory and is gone with the next restart."""
    if not settings.redis_url:
        return
    import redis.asyncio as aioredis

    from bot.engine.redis_keys import tracker_key

    redis = aioredis.from_url(settings.redis_url)
    try:
        await redis.delete(*(tracker_key(i) for i in conversation_ids))
    finally:
        await redis.close()


async def purge(settings: Settings, database: "Database", args: argparse.Namespace) -> None:
    from bot.media import MediaStore
    from bot.privacy.citizens import CitizenRecords
    from bot.privacy.retention import purge_expired

    days = args.days or load_admin_settings(settings.profile_path).retention_days
    erased = await purge_expired(CitizenRecords(database, MediaStore(settings.media_dir)), AuditLog(database), days)
    print(f"erased the content of {erased} conversation(s) older than {days} days")
