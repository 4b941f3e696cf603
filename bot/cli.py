"""The ``dorpspomp`` command: run, serve, train, parse, migrate."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, AsyncIterator, Optional, Sequence
from urllib.parse import urlsplit

from bot.logs import configure_logging
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.store import Database


def _serve(settings: Settings) -> None:
    import uvloop
    from aiohttp import web

    from bot.gateway import build_app

    # Rasa's own server runs on uvloop too; the engine's many small awaits are
    # noticeably cheaper on it.
    uvloop.install()
    web.run_app(build_app(settings), host=settings.host, port=settings.port, print=None)


def _start_action_server(action_endpoint: str, root: Path) -> subprocess.Popen[bytes]:
    port = urlsplit(action_endpoint).port or 5055
    return subprocess.Popen(
        [sys.executable, "-m", "actions.server", "--port", str(port)],
        cwd=root,
    )


@contextlib.asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator["Database"]:
    """The database with its schema up to date, closed afterwards."""
    from bot.store import Database

    database = Database(settings.database_url)
    try:
        await asyncio.to_thread(database.migrate)
        yield database
    finally:
        await database.close()


async def _staff_count(settings: Settings) -> int:
    from bot.webcare.staff import StaffStore

    async with _database(settings) as database:
        return await StaffStore(database).count()


async def _development_admin(settings: Settings) -> Optional[str]:
    """On a database without staff, an admin "beheer" whose password is kept in
    ``var/webcare_password``, so a new user can open the inbox at once."""
    from bot.settings import load_or_create_secret
    from bot.webcare.staff import StaffStore

    async with _database(settings) as database:
        store = StaffStore(database)
        path = settings.root / "var" / "webcare_password"
        if await store.count() == 0:
            await store.add("beheer", "Beheerder Demo", "admin", load_or_create_secret(path), initials="BD")
        return path.read_text().strip() if path.exists() else None


def _require_staff_in_production(settings: Settings) -> None:
    """Production never makes an account by itself: an admin is set up on purpose."""
    if settings.production and asyncio.run(_staff_count(settings)) == 0:
        raise SystemExit(
            "DORPSPOMP_ENV=production and no staff accounts: create the first admin with "
            "'dorpspomp users add USERNAME --name \"Full Name\" --role admin' before starting"
        )


def cmd_run(settings: Settings, args: argparse.Namespace) -> None:
    """Action server and gateway together, as ``make run`` starts them."""
    if not settings.action_endpoint:
        raise SystemExit("ACTION_ENDPOINT is empty: 'dorpspomp run' starts the action server there")
    _require_staff_in_production(settings)
    password = None if settings.production else asyncio.run(_development_admin(settings))
    actions = _start_action_server(settings.action_endpoint, settings.root)
    print(f"\nDorpspomp: open {settings.public_url}", flush=True)
    if not settings.production:
        print(f"Development REST token: {settings.rest_token}", flush=True)
    if password:
        print(f"Webcare inbox: {settings.public_url}/webcare (user 'beheer', password {password})", flush=True)
    print(flush=True)
    try:
        _serve(settings)
    finally:
        actions.terminate()
        actions.wait(timeout=10)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    _require_staff_in_production(settings)
    _serve(settings)


def cmd_train(settings: Settings, args: argparse.Namespace) -> None:
    """Train when the data changed; with --compare a full run of the learning loop."""
    if args.compare:
        _admin_command(settings, args, "train")
        return
    from bot.training import train_if_changed

    print(train_if_changed(settings.root, settings.model_dir))


def _admin_command(settings: Settings, args: argparse.Namespace, name: str) -> None:
    from bot.admin import commands

    async def run() -> None:
        async with _database(settings) as database:
            await getattr(commands, name)(settings, database, args)

    asyncio.run(run())


def cmd_review(settings: Settings, args: argparse.Namespace) -> None:
    """The review queue: list it, or decide on a question (assign, new-intent,
    out-of-scope, dismiss); examples are redacted and written to nlu_data/."""
    _admin_command(settings, args, "review")


def cmd_promote(settings: Settings, args: argparse.Namespace) -> None:
    """Put a trained run's model live in every running gateway."""
    _admin_command(settings, args, "promote")


def cmd_kpi(settings: Settings, args: argparse.Namespace) -> None:
    """The KPI figures of a period (--from, --to; default the last 30 days), --csv for a spreadsheet."""
    _admin_command(settings, args, "kpi")


def cmd_citizen(settings: Settings, args: argparse.Namespace) -> None:
    """A citizen's data on request (AVG): export as JSON, or erase."""
    _admin_command(settings, args, "citizen")


def cmd_purge(settings: Settings, args: argparse.Namespace) -> None:
    """Run the retention job now: erase conversation content past the retention period."""
    _admin_command(settings, args, "purge")


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    from bot.store import Database

    Database(settings.database_url).migrate()


async def _parse_lines(settings: Settings) -> None:
    from bot.engine.factory import create_engine
    from bot.nlu_api import understanding_json

    engine = await create_engine(settings)
    try:
        for line in sys.stdin:
            text = line.rstrip("\n")
            if text.strip():
                print(json.dumps(understanding_json(text, await engine.parse(text)), ensure_ascii=False), flush=True)
    finally:
        await engine.close()


def cmd_parse(settings: Settings, args: argparse.Namespace) -> None:
    """One text per line on stdin, one JSON object per line on stdout."""
    asyncio.run(_parse_lines(settings))


async def _reports(settings: Settings, retry: Optional[str]) -> None:
    from bot.reports.store import ReportStore

    async with _database(settings) as database:
        store = ReportStore(database)
        if retry:
            if not await store.forward_again(retry):
                raise SystemExit(f"{retry}: no report by that number whose forwarding failed")
            print(f"{retry}: queued; the running gateway forwards it shortly")
            return
        waiting = await store.needing_attention()
        for report, error in waiting:
            when = f"{report.created_at:%Y-%m-%d %H:%M}"
            print(f"{report.reference}  {report.forward_state:<8} {report.service_code:<28} {when}  {error or ''}")
        print(f"{len(waiting)} report(s) not at the back end")


def cmd_reports(settings: Settings, args: argparse.Namespace) -> None:
    """Reports that did not reach the back end; --retry requeues a failed one."""
    asyncio.run(_reports(settings, args.retry))


async def _deliveries(settings: Settings, retry: Optional[int]) -> None:
    from bot.outgoing.deliveries import DeliveryStore

    async with _database(settings) as database:
        store = DeliveryStore(database)
        if retry is not None:
            if not await store.retry(retry):
                raise SystemExit(f"{retry}: no delivery by that number that failed")
            print(f"{retry}: queued; the running gateway sends it shortly")
            return
        failed = await store.failed()
        for delivery in failed:
            print(
                f"{delivery.id:>6}  {delivery.channel:<10} {delivery.created_at:%Y-%m-%d %H:%M}  "
                f"{delivery.sent}/{len(delivery.items)} sent  {delivery.conversation_id}  {delivery.last_error or ''}"
            )
        print(f"{len(failed)} delivery(ies) a platform refused")


def cmd_deliveries(settings: Settings, args: argparse.Namespace) -> None:
    """Messages a platform refused for good; --retry sends one again."""
    asyncio.run(_deliveries(settings, args.retry))


async def _crisis(settings: Settings, args: argparse.Namespace) -> None:
    from bot.audit import AuditLog
    from bot.content.crisis import CrisisNotices

    async with _database(settings) as database:
        notices = CrisisNotices(database)
        if args.action == "set":
            if not args.text.strip():
                raise SystemExit('give the notice\'s text: dorpspomp crisis set "…" [--link URL]')
            notice = await notices.start(args.text, args.link or "", by=args.by)
            await AuditLog(database).record(args.by, "crisis", f"notice {notice.id}", {"action": "set"})
            print(f"notice {notice.id} is active; every conversation hears it once")
        elif args.action == "end":
            ended = await notices.end()
            if ended:
                await AuditLog(database).record(args.by, "crisis", "", {"action": "end"})
            print("the notice has ended" if ended else "there was no active notice")
        else:
            active = await notices.active()
            if active is None:
                print("no active notice")
            else:
                since = f"{active.started_at:%Y-%m-%d %H:%M} UTC (by {active.started_by})"
                print(f"active since {since}: {active.text} {active.link}")


def cmd_crisis(settings: Settings, args: argparse.Namespace) -> None:
    """The incident notice during a crisis: set (with --link), end, show. While it is
    active the bot gives it for crisis questions and at the start of every conversation."""
    asyncio.run(_crisis(settings, args))


async def _users(settings: Settings, args: argparse.Namespace) -> None:
    from bot.webcare.staff import StaffError, StaffStore

    async with _database(settings) as database:
        store = StaffStore(database)
        if args.action == "add":
            password = sys.stdin.readline().rstrip("\n") if args.password_stdin else _ask_password()
            try:
                member = await store.add(args.username, args.name or args.username, args.role, password, args.initials)
            except StaffError as error:
                raise SystemExit(f"dorpspomp users add: {error}") from None
            print(f"{member.username}: {member.role}, signs as ^{member.initials}")
        elif args.action == "password":
            password = sys.stdin.readline().rstrip("\n") if args.password_stdin else _ask_password()
            try:
                found = await store.set_password(args.username, password)
            except StaffError as error:
                raise SystemExit(f"dorpspomp users password: {error}") from None
            _done(found, args.username, "new password set; open sessions ended")
        elif args.action in ("unlock", "disable"):
            change = store.unlock if args.action == "unlock" else store.disable
            _done(await change(args.username), args.username, args.action + "d")
        else:
            for member in await store.all():
                print(f"{member.username:<20} {member.role:<6} ^{member.initials:<4} {member.display_name}")


def _done(found: bool, username: str, what: str) -> None:
    if not found:
        raise SystemExit(f"no account {username!r}")
    print(f"{username}: {what}")


def _ask_password() -> str:
    import getpass

    password = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != password:
        raise SystemExit("the passwords differ")
    return password


def cmd_users(settings: Settings, args: argparse.Namespace) -> None:
    """Webcare staff: add (agent or admin), list, password (reset), unlock after too
    many failed logins, disable (a colleague who left)."""
    asyncio.run(_users(settings, args))


def cmd_evaluate(settings: Settings, args: argparse.Namespace) -> None:
    """Intent accuracy, macro-F1, confusions and parse latency on the held-out
    messages; with --time-training a full training's wall time, with --folds N
    Rasa's N-fold cross-validation. Exits 1 when the goals are not met."""
    from bot import evaluation
    from bot.training import train_if_changed

    root = settings.root
    started = time.perf_counter()
    model = train_if_changed(root, settings.model_dir, force=args.time_training)
    if args.time_training:
        print(f"full training from scratch: {time.perf_counter() - started:.0f} s")
    result = asyncio.run(evaluation.evaluate_model(model, evaluation.load_examples(root / evaluation.HELD_OUT)))
    print(f"model {model.name}\n{evaluation.describe(result)}")
    if args.folds:
        accuracy, macro_f1 = asyncio.run(evaluation.cross_validation(root, args.folds))
        print(f"\n{args.folds}-fold cross-validation: accuracy {accuracy:.3f}, macro-F1 {macro_f1:.3f}")
    shortfall = evaluation.meets_goals(result)
    if shortfall:
        raise SystemExit(f"\ngoals not met: {shortfall}")
    print("\ngoals met: accuracy ≥ 0.95, macro-F1 ≥ 0.93, ≤ 2% of in-scope messages out_of_scope")


def cmd_content(settings: Settings, args: argparse.Namespace) -> None:
    """Check the answers a municipality edits: missing topics, tweets too long,
    placeholders nothing fills, "je" and "u" mixed. Exits 1 on any problem."""
    from bot.content.check import check_content

    problems = check_content(settings.root, settings.profile_path)
    for problem in problems:
        print(problem)
    if problems:
        raise SystemExit(f"{len(problems)} problem(s) in the content")
    print("content is in order")


COMMANDS = {
    "run": (cmd_run, "start the action server and the gateway"),
    "serve": (cmd_serve, "start the gateway only"),
    "train": (
        cmd_train,
        "train a model unless one exists for the current data (--compare: evaluate, compare, promote)",
    ),
    "review": (cmd_review, "the review queue of questions the bot did not handle well"),
    "promote": (cmd_promote, "put a trained model live in every running gateway"),
    "kpi": (cmd_kpi, "KPI figures of a period (--csv)"),
    "citizen": (cmd_citizen, "a citizen's data on request: export or erase"),
    "purge": (cmd_purge, "erase conversation content past the retention period now"),
    "migrate": (cmd_migrate, "bring the database schema up to date"),
    "parse": (cmd_parse, "parse stdin lines, print JSON lines"),
    "crisis": (cmd_crisis, "the incident notice during a crisis: set, end, show"),
    "content": (cmd_content, "check the topic files and texts (content check)"),
    "evaluate": (cmd_evaluate, "measure the NLU on held-out messages (--time-training, --folds N)"),
    "reports": (cmd_reports, "list reports not at the back end (--retry REFERENCE to requeue)"),
    "deliveries": (cmd_deliveries, "list messages a platform refused (--retry ID to send again)"),
    "users": (cmd_users, "webcare staff accounts: add, list, password, unlock, disable"),
}


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="dorpspomp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text)
        if name == "crisis":
            command.add_argument("action", choices=("set", "end", "show"))
            command.add_argument("text", nargs="?", default="", help="the notice, for set")
            command.add_argument("--link", help="where citizens read more")
            command.add_argument("--by", default=os.environ.get("USER", "beheer"), help="who sets it (audit)")
        if name == "train":
            command.add_argument(
                "--compare",
                action="store_true",
                help="evaluate on the held-out messages, compare with the live model per intent",
            )
            command.add_argument("--run", type=int, help="the training run the admin page started")
            command.add_argument(
                "--promote",
                choices=("auto", "yes", "no"),
                default="auto",
                help="auto: only if no intent got worse beyond admin.allowed_f1_drop",
            )
        if name == "review":
            command.add_argument("action", choices=("list", "assign", "new-intent", "out-of-scope", "dismiss"))
            command.add_argument("key", nargs="?", default="", help="the question as 'review list' shows it")
            command.add_argument("--intent", help="for assign and new-intent")
            command.add_argument("--title", help="new-intent: its title on buttons and in the inbox")
            command.add_argument("--answer", help="new-intent: the bot's answer")
            command.add_argument("--short", help="new-intent: the answer for a public tweet")
        if name == "promote":
            command.add_argument("run", type=int)
        if name == "kpi":
            command.add_argument("--from", dest="since", help="YYYY-MM-DD")
            command.add_argument("--to", help="YYYY-MM-DD (inclusive)")
            command.add_argument("--csv", action="store_true")
        if name == "citizen":
            command.add_argument("action", choices=("export", "erase"))
            command.add_argument("--channel")
            command.add_argument("--sender", help="the citizen's id on that channel")
            command.add_argument("--conversation")
            command.add_argument("--report", help="a report reference the citizen has")
            command.add_argument("--by", default=os.environ.get("USER", "beheer"), help="who asks (audit)")
        if name == "purge":
            command.add_argument("--days", type=int, help="instead of admin.retention_days")
        if name == "content":
            command.add_argument("action", choices=("check",))
        if name == "evaluate":
            command.add_argument("--time-training", action="store_true", help="also time a full training")
            command.add_argument("--folds", type=int, default=0, help="also run N-fold cross-validation")
        if name == "reports":
            command.add_argument("--retry", metavar="REFERENCE", help="forward a failed report again")
        if name == "deliveries":
            command.add_argument("--retry", metavar="ID", type=int, help="send a failed delivery again")
        if name == "users":
            command.add_argument("action", choices=("add", "list", "password", "unlock", "disable"))
            command.add_argument("username", nargs="?", default="")
            command.add_argument("--name", help="full name, as colleagues see it")
            command.add_argument("--initials", help="signature in replies (default: from the name)")
            command.add_argument("--role", choices=("agent", "admin"), default="agent")
            command.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    args = parser.parse_args(argv)
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    COMMANDS[args.command][0](Settings.from_env(), args)


if __name__ == "__main__":
    main()
