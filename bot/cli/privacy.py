"""A citizen's data on request (AVG), and the retention job run by hand."""

from __future__ import annotations

import argparse
import json
import sys

from bot.audit import AuditLog
from bot.cli.command import Command, with_database
from bot.media import MediaStore
from bot.municipality import Municipality
from bot.privacy.citizens import CitizenRecords
from bot.privacy.retention import purge_expired
from bot.settings import Settings
from bot.storage import MEDIA, shared_store
from bot.store import Database


async def citizen(settings: Settings, municipality: Municipality, database: Database, args: argparse.Namespace) -> None:
    """A citizen's data on request: export (JSON on stdout) or erase."""
    records = CitizenRecords(database, MediaStore(shared_store(settings, MEDIA, settings.media_dir)))
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
        await audit.record(args.by or settings.operator, "export", subject[:128], {"conversations": len(ids)})
        return
    erased = await records.erase(ids)
    await _forget_trackers(settings, ids)
    await audit.record(args.by or settings.operator, "erase", subject[:128], {"conversations": erased})
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


def citizen_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("export", "erase"))
    parser.add_argument("--channel")
    parser.add_argument("--sender", help="the citizen's id on that channel")
    parser.add_argument("--conversation")
    parser.add_argument("--report", help="a report reference the citizen has")
    parser.add_argument("--by", help="who asks (audit; default: the user running the command)")


async def purge(settings: Settings, municipality: Municipality, database: Database, args: argparse.Namespace) -> None:
    """Run the retention job now: erase conversation content past the retention period."""
    days = args.days or municipality.admin.retention_days
    erased = await purge_expired(
        CitizenRecords(database, MediaStore(shared_store(settings, MEDIA, settings.media_dir))),
        AuditLog(database),
        days,
    )
    print(f"erased the content of {erased} conversation(s) older than {days} days")


def purge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, help="instead of admin.retention_days")


COMMANDS = (
    Command("citizen", "a citizen's data on request: export or erase", with_database(citizen), citizen_arguments),
    Command("purge", "erase conversation content past the retention period now", with_database(purge), purge_arguments),
)
