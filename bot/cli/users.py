"""Webcare staff accounts: add (agent or admin), list, password (reset), unlock
after too many failed logins, disable (a colleague who left)."""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.cli.command import Command, with_database
from bot.municipality import Municipality
from bot.settings import Settings
from bot.store import Database
from bot.webcare.staff import StaffError, StaffStore


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != password:
        raise SystemExit("the passwords differ")
    return password


def _done(found: bool, username: str, what: str) -> None:
    if not found:
        raise SystemExit(f"no account {username!r}")
    print(f"{username}: {what}")


async def users(settings: Settings, municipality: Municipality, database: Database, args: argparse.Namespace) -> None:
    store = StaffStore(database)
    if args.action == "add":
        password = _password(args)
        try:
            member = await store.add(args.username, args.name or args.username, args.role, password, args.initials)
        except StaffError as error:
            raise SystemExit(f"dorpspomp users add: {error}") from None
        print(f"{member.username}: {member.role}, signs as ^{member.initials}")
    elif args.action == "password":
        password = _password(args)
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


def users_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("add", "list", "password", "unlock", "disable"))
    parser.add_argument("username", nargs="?", default="")
    parser.add_argument("--name", help="full name, as colleagues see it")
    parser.add_argument("--initials", help="signature in replies (default: from the name)")
    parser.add_argument("--role", choices=("agent", "admin"), default="agent")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")


COMMANDS = (
    Command(
        "users", "webcare staff accounts: add, list, password, unlock, disable", with_database(users), users_arguments
    ),
)
