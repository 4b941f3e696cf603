"""The KPI figures of a period on the command line, or as CSV for a spreadsheet."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Optional

from bot.cli.command import Command, with_database
from bot.clock import utcnow
from bot.kpi.figures import KpiReport
from bot.municipality import Municipality
from bot.settings import Settings
from bot.store import Database


async def kpi(settings: Settings, municipality: Municipality, database: Database, args: argparse.Namespace) -> None:
    """The figures from --from to --to (default the last 30 days); --csv for a spreadsheet."""
    report = KpiReport(database, municipality.webcare.timezone)
    start, end = report.period(_day(args.since), _day(args.to), utcnow())
    figures = await report.figures(start, end)
    if args.csv:
        sys.stdout.write(figures.csv())
        return
    for figure, breakdown, value in figures.rows():
        if not figure.startswith("messages_per_day"):
            print(f"{figure:<32} {breakdown:<24} {value}")


def _day(text: Optional[str]) -> Optional[date]:
    return date.fromisoformat(text) if text else None


def kpi_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="since", help="YYYY-MM-DD")
    parser.add_argument("--to", help="YYYY-MM-DD (inclusive)")
    parser.add_argument("--csv", action="store_true")


COMMANDS = (Command("kpi", "KPI figures of a period (--csv)", with_database(kpi), kpi_arguments),)
