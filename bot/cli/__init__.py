"""The ``dorpspomp`` command. Each group of commands lives in a module of its
own, its arguments beside its handler; this list is all there is to add one."""

from __future__ import annotations

import argparse
from typing import Optional, Sequence

from bot.cli import config, content, crisis, kpi, learning, privacy, serving, undelivered, users
from bot.cli.command import Command
from bot.logs import configure_logging
from bot.settings import Settings

COMMANDS: tuple[Command, ...] = (
    *serving.COMMANDS,
    *learning.COMMANDS,
    *kpi.COMMANDS,
    *privacy.COMMANDS,
    *crisis.COMMANDS,
    *content.COMMANDS,
    *undelivered.COMMANDS,
    *users.COMMANDS,
    *config.COMMANDS,
)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="dorpspomp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    handlers = {}
    for command in COMMANDS:
        command.arguments(sub.add_parser(command.name, help=command.help))
        handlers[command.name] = command.run
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    handlers[args.command](settings, args)
