"""The ``dorpspomp`` command. Each group of commands lives in a module of its
own, its arguments beside its handler; this list is all there is to add one."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from typing import Optional, Sequence

from bot.cli import config, content, crisis, kpi, learning, privacy, serving, undelivered, users
from bot.cli.command import Command, engine_python
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


def in_engine_environment(settings: Settings, argv: Sequence[str]) -> None:
    """Carry on as the engine environment's ``dorpspomp``: this one has no Rasa."""
    python = engine_python(settings)
    os.execv(python, [str(python), "-m", "bot.cli", *argv])


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="dorpspomp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    commands = {}
    for command in COMMANDS:
        command.arguments(sub.add_parser(command.name, help=command.help))
        commands[command.name] = command
    given = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(given)
    settings = Settings.from_env()
    chosen = commands[args.command]
    if chosen.engine_env and importlib.util.find_spec("rasa") is None:
        in_engine_environment(settings, given)
    configure_logging(settings.log_level, settings.log_format)
    chosen.run(settings, args)
