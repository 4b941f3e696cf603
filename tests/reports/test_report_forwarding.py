"""Reports reach Signalen or Open311 once, whatever the back end does meanwhile."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from bot.clock import utcnow
from bot.media import MediaStore
from bot.reports.backends.open311 import Open311Backend
from bot.reports.backends.signalen import MAX_TEXT, SignalenBackend
from bot.reports.forwarder import ReportForwarder
from bot.reports.status_sync import ReportStatusSync
from bot.reports.store import NewReport, Report, ReportStore
from bot.retries import RetryPolicy
from bot.storage.local import LocalFolder
from bot.store import ConversationStore, Database
from bot.store.outbox import Outbox
from bot.store.tables import outbox
from tests.fake_backends import FakeOpen311, FakeSignalen
from tests.support import BIN

NO_WAIT = RetryPolicy(base_seconds=0.0, max_attempts=4)


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    return MediaStore(LocalFolder(tmp_path / "media"))


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    return buffer.getvalue()


async def submit(database: Database, media_ids: list[str] = [], description: str = "Lantaarnpaal kapot") -> Report:
    conversation = await ConversationStore(database).conversation_for("rest", "citizen")
    return await ReportStore(database).submit(
        NewReport(
            conversation_id=conversation,
            channel="rest",
            service_code="wegen/straatverlichting",
            description=description,
            latitude=52.2003,
            longitude=5.8991,
            address="Kerkstraat 12",
            media=media_ids,
            contact_email="anna@example.nl",
        ),
        forward=True,
    )


def forwarder(database: Database, backend: object, media: MediaStore) -> ReportForwarder:
    return ReportForwarder(ReportStore(database), Outbox(database), backend, media, policy=NO_WAIT)  # type: ignore[arg-type]


async def test_a_report_becomes_one_signal_with_its_photo(
    database: Database, signalen: FakeSignalen, media: MediaStore
) -> None:
    photo = media.save(jpeg())
    report = await submit(database, [photo.id])
    backend = SignalenBackend(signalen.url, "Gemeente Voorbeeldstad")
    try:
        assert await forwarder(database, backend, media).forward_due() == 1
    finally:
        await backend.close()

    ((signal_id, signal),) = signalen.signals.items()
    assert signal["location"]["geometrie"]["coordinates"] == [5.8991, 52.2003]  # GeoJSON: lon, lat
    assert signal["location"]["address"] == {
        "woonplaats": "Voorbeeldstad",
        "openbare_ruimte": "Kerkstraat",
        "huisnummer": 12,
    }
    assert signal["category"]["sub_category"].endswith("/categories/wegen/sub_categories/straatverlichting")
    assert signal["reporter"]["email"] == "anna@example.nl"
    assert report.reference in signal["text"]
    assert signalen.attachments[signal_id] == [await media.photo(photo.id)]
    stored = await ReportStore(database).get(report.id)
    assert stored is not None and (stored.external_id, stored.forward_state) == (signal_id, "forwarded")


async def test_a_back_end_down_for_a_while_and_a_restart_create_no_duplicate(
    database_url: str, database: Database, signalen: FakeSignalen, media: MediaStore
) -> None:
    photo = media.save(jpeg())
    report = await submit(database, [photo.id])
    signalen.fail_next(2, status=503)
    signalen.fail_next(1, status=502, path_contains="/attachments/")
    backend = SignalenBackend(signalen.url, "Voorbeeldstad")
    try:
        for _ in range(3):  # 503, 503, then created but the photo upload fails
            await forwarder(database, backend, media).forward_due()
    finally:
        await backend.close()
    assert len(signalen.signals) == 1 and not signalen.attachments

    # A new process with its own connections picks the job up where it stopped.
    restarted, backend = Database(database_url), SignalenBackend(signalen.url, "Voorbeeldstad")
    try:
        assert await forwarder(restarted, backend, media).forward_due() == 1
    finally:
        await backend.close()
        await restarted.close()

    assert len(signalen.signals) == 1
    assert sum(len(a) for a in signalen.attachments.values()) == 1
    stored = await ReportStore(database).get(report.id)
    assert stored is not None and stored.forward_state == "forwarded"


async def test_two_workers_on_one_report_create_it_once(
    database: Database, database_url: str, signalen: FakeSignalen, media: MediaStore
) -> None:
    await submit(database)
    other = Database(database_url)
    one, two = SignalenBackend(signalen.url, "V"), SignalenBackend(signalen.url, "V")
    try:
        handled = await asyncio.gather(
            forwarder(database, one, media).forward_due(), forwarder(other, two, media).forward_due()
        )
    finally:
        await one.close()
        await two.close()
        await other.close()
    assert sorted(handled) == [0, 1]
    assert len(signalen.signals) == 1


async def test_retry_after_is_honoured(database: Database, signalen: FakeSignalen, media: MediaStore) -> None:
    await submit(database)
    signalen.fail_next(1, status=429, retry_after="120")
    backend = SignalenBackend(signalen.url, "V")
    try:
        await forwarder(database, backend, media).forward_due()
        # Not due yet: a second pass leaves the back end alone.
        assert await forwarder(database, backend, media).forward_due() == 0
    finally:
        await backend.close()
    async with database.engine.connect() as connection:
        job = (await connection.execute(sa.select(outbox))).one()
    assert job.state == "pending" and job.attempts == 1
    assert job.next_attempt_at.replace(tzinfo=job.next_attempt_at.tzinfo or utcnow().tzinfo) >= utcnow() + timedelta(
        seconds=110
    )
    assert "429" in job.last_error


async def test_after_the_last_attempt_the_report_is_marked_failed_for_a_human(
    database: Database, signalen: FakeSignalen, media: MediaStore
) -> None:
    report = await submit(database)
    signalen.fail_next(NO_WAIT.max_attempts, status=500)
    backend = SignalenBackend(signalen.url, "V")
    try:
        for _ in range(NO_WAIT.max_attempts + 1):
            await forwarder(database, backend, media).forward_due()
    finally:
        await backend.close()
    stored = await ReportStore(database).get(report.id)
    assert stored is not None and stored.forward_state == "failed"
    assert not signalen.signals
    assert await Outbox(database).backlog("report.forward") == 0


async def test_a_refused_report_fails_at_once(database: Database, signalen: FakeSignalen, media: MediaStore) -> None:
    report = await submit(database)
    signalen.fail_next(1, status=400)
    backend = SignalenBackend(signalen.url, "V")
    try:
        await forwarder(database, backend, media).forward_due()
    finally:
        await backend.close()
    stored = await ReportStore(database).get(report.id)
    assert stored is not None and stored.forward_state == "failed"


async def test_long_descriptions_are_cut_to_signalens_limit(
    database: Database, signalen: FakeSignalen, media: MediaStore
) -> None:
    await submit(database, description="Er ligt heel veel troep. " * 300)
    backend = SignalenBackend(signalen.url, "V")
    try:
        await forwarder(database, backend, media).forward_due()
    finally:
        await backend.close()
    (signal,) = signalen.signals.values()
    assert len(signal["text"]) <= MAX_TEXT


class RecordingNotifier:
    def __init__(self) -> None:
        self.told: list[Report] = []

    async def report_status_changed(self, report: Report) -> None:
        self.told.append(report)


async def test_status_changes_at_the_back_end_reach_the_citizen_once(
    database: Database, signalen: FakeSignalen, media: MediaStore
) -> None:
    report = await submit(database)
    backend = SignalenBackend(signalen.url, "V")
    notifier = RecordingNotifier()
    try:
        await forwarder(database, backend, media).forward_due()
        sync = ReportStatusSync(ReportStore(database), backend, notifier, interval_seconds=60)
        assert await sync.sync_once() == 0
        (signal_id,) = signalen.signals
        signalen.set_state(signal_id, "ingepland", "Wij vervangen de lamp op dinsdag.")
        assert await sync.sync_once() == 1
        assert await sync.sync_once() == 0
    finally:
        await backend.close()
    (told,) = notifier.told
    assert (told.reference, told.status, told.status_notes) == (
        report.reference,
        "ingepland",
        "Wij vervangen de lamp op dinsdag.",
    )


async def test_open311_creates_and_reads_status(database: Database, media: MediaStore) -> None:
    server = FakeOpen311()
    await server.start()
    report = await submit(database)
    backend = Open311Backend(server.url, server.api_key)
    try:
        await forwarder(database, backend, media).forward_due()
        ((request_id, created),) = server.service_requests.items()
        assert (created["service_code"], created["lat"], created["long"]) == (
            "wegen/straatverlichting",
            "52.2003",
            "5.8991",
        )
        server.service_requests[request_id].update(status="closed", status_notes="Lamp vervangen.")
        status = await backend.status(request_id)
    finally:
        await backend.close()
        await server.stop()
    assert (status.status, status.notes) == ("afgehandeld", "Lamp vervangen.")
    stored = await ReportStore(database).get(report.id)
    assert stored is not None and stored.external_id == request_id


async def test_open311_refuses_a_wrong_api_key_without_retrying(database: Database, media: MediaStore) -> None:
    server = FakeOpen311()
    await server.start()
    report = await submit(database)
    backend = Open311Backend(server.url, "wrong")
    try:
        await forwarder(database, backend, media).forward_due()
    finally:
        await backend.close()
        await server.stop()
    stored = await ReportStore(database).get(report.id)
    assert stored is not None and stored.forward_state == "failed"


async def test_failed_reports_are_listed_and_can_be_forwarded_again(
    database_url: str, database: Database, signalen: FakeSignalen, media: MediaStore
) -> None:
    report = await submit(database)
    signalen.fail_next(1, status=400)
    backend = SignalenBackend(signalen.url, "V")
    try:
        await forwarder(database, backend, media).forward_due()
        env = {**os.environ, "DATABASE_URL": database_url}
        listing = subprocess.run(
            [str(BIN / "dorpspomp"), "reports"], env=env, capture_output=True, text=True, check=True
        )
        assert report.reference in listing.stdout and "failed" in listing.stdout and "HTTP 400" in listing.stdout
        subprocess.run(
            [str(BIN / "dorpspomp"), "reports", "--retry", report.reference], env=env, check=True, capture_output=True
        )
        assert await forwarder(database, backend, media).forward_due() == 1
    finally:
        await backend.close()
    assert len(signalen.signals) == 1
    assert await ReportStore(database).needing_attention() == []
    unknown = subprocess.run(
        [str(BIN / "dorpspomp"), "reports", "--retry", "M-2026-999999"], env=env, capture_output=True, text=True
    )
    assert unknown.returncode != 0 and "no report" in unknown.stderr
