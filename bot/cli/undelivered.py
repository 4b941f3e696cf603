"""What did not arrive: reports the back end did not take, messages a platform
refused; each can be queued again."""

from __future__ import annotations

import argparse

from bot.cli.command import Command, with_database
from bot.municipality import Municipality
from bot.outgoing.deliveries import DeliveryStore
from bot.reports.store import ReportStore
from bot.settings import Settings
from bot.store import Database


async def reports(settings: Settings, municipality: Municipality, database: Database, args: argparse.Namespace) -> None:
    """Reports that did not reach the back end; --retry requeues a failed one."""
    store = ReportStore(database)
    if args.retry:
        if not await store.forward_again(args.retry):
            raise SystemExit(f"{args.retry}: no report by that number whose forwarding failed")
        print(f"{args.retry}: queued; the running gateway forwards it shortly")
        return
    waiting = await store.needing_attention()
    for report, error in waiting:
        when = f"{report.created_at:%Y-%m-%d %H:%M}"
        print(f"{report.reference}  {report.forward_state:<8} {report.service_code:<28} {when}  {error or ''}")
    print(f"{len(waiting)} report(s) not at the back end")


def reports_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--retry", metavar="REFERENCE", help="forward a failed report again")


async def deliveries(
    settings: Settings, municipality: Municipality, database: Database, args: argparse.Namespace
) -> None:
    """Messages a platform refused for good; --retry sends one again."""
    store = DeliveryStore(database)
    if args.retry is not None:
        if not await store.retry(args.retry):
            raise SystemExit(f"{args.retry}: no delivery by that number that failed")
        print(f"{args.retry}: queued; the running gateway sends it shortly")
        return
    failed = await store.failed()
    for delivery in failed:
        print(
            f"{delivery.id:>6}  {delivery.channel:<10} {delivery.created_at:%Y-%m-%d %H:%M}  "
            f"{delivery.sent}/{len(delivery.items)} sent  {delivery.conversation_id}  {delivery.last_error or ''}"
        )
    print(f"{len(failed)} delivery(ies) a platform refused")


def deliveries_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--retry", metavar="ID", type=int, help="send a failed delivery again")


COMMANDS = (
    Command(
        "reports",
        "list reports not at the back end (--retry REFERENCE to requeue)",
        with_database(reports),
        reports_arguments,
    ),
    Command(
        "deliveries",
        "list messages a platform refused (--retry ID to send again)",
        with_database(deliveries),
        deliveries_arguments,
    ),
)
