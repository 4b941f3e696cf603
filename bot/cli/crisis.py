"""The incident notice during a crisis: set, end, show. While it is active the
bot gives it for crisis questions and at the start of every conversation."""

from __future__ import annotations

import argparse

from bot.audit import AuditLog
from bot.cli.command import Command, with_database
from bot.content.crisis import CrisisNotices
from bot.municipality import Municipality
from bot.settings import Settings
from bot.store import Database


async def crisis(settings: Settings, municipality: Municipality, database: Database, args: argparse.Namespace) -> None:
    notices, by = CrisisNotices(database), args.by or settings.operator
    if args.action == "set":
        if not args.text.strip():
            raise SystemExit('give the notice\'s text: dorpspomp crisis set "…" [--link URL]')
        notice = await notices.start(args.text, args.link or "", by=by)
        await AuditLog(database).record(by, "crisis", f"notice {notice.id}", {"action": "set"})
        print(f"notice {notice.id} is active; every conversation hears it once")
    elif args.action == "end":
        ended = await notices.end()
        if ended:
            await AuditLog(database).record(by, "crisis", "", {"action": "end"})
        print("the notice has ended" if ended else "there was no active notice")
    else:
        active = await notices.active()
        if active is None:
            print("no active notice")
        else:
            since = f"{active.started_at:%Y-%m-%d %H:%M} UTC (by {active.started_by})"
            print(f"active since {since}: {active.text} {active.link}")


def crisis_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("set", "end", "show"))
    parser.add_argument("text", nargs="?", default="", help="the notice, for set")
    parser.add_argument("--link", help="where citizens read more")
    parser.add_argument("--by", help="who sets it (audit; default: the user running the command)")


COMMANDS = (
    Command("crisis", "the incident notice during a crisis: set, end, show", with_database(crisis), crisis_arguments),
)
