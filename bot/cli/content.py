"""The content check: the answers a municipality edits, before they go live."""

from __future__ import annotations

import argparse

from bot.cli.command import Command
from bot.settings import Settings


def content(settings: Settings, args: argparse.Namespace) -> None:
    """Missing topics, tweets too long, placeholders nothing fills, "je" and "u"
    mixed. Exits 1 on any problem."""
    # Here, not at the top: the check loads every channel's library, which no other command needs.
    from bot.content.check import check_content

    problems = check_content(settings.root, settings.profile_path)
    for problem in problems:
        print(problem)
    if problems:
        raise SystemExit(f"{len(problems)} problem(s) in the content")
    print("content is in order")


def content_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("check",))


COMMANDS = (Command("content", "check the topic files and texts (content check)", content, content_arguments),)
