"""The gateway: one aiohttp application with every channel, page and API."""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import timedelta
from typing import AsyncIterator, Optional

import aiohttp_jinja2
import jinja2
import redis.asyncio as aioredis
from aiohttp import web

from bot.admin.desk import AdminDesk
from bot.admin.routes import admin_routes
from bot.audit import AuditLog
from bot.background import repeating
from bot.channel_registry import ChannelRegistry, channel_looks, channel_workers
from bot.clock import local_time, utcnow
from bot.content.crisis import CrisisBulletin, CrisisNotices
from bot.engine import DialogueEngine
from bot.engine.client import EngineClient
from bot.events import create_event_bus
from bot.kpi.figures import KpiReport
from bot.kpi.metrics import GatewayMetrics, metrics_routes
from bot.language import LanguageGuesser
from bot.learning.examples import TrainingData
from bot.learning.review import ReviewQueue
from bot.learning.runs import TrainingRuns
from bot.locks import ConversationLocks
from bot.media import MediaStore, sweep_unsent_uploads
from bot.municipality import load_municipality
from bot.nlu_api import nlu_routes
from bot.outgoing.deliveries import DeliveryStore
from bot.outgoing.sender import DeliveryPostbox, DeliverySender
from bot.outreach import Outreach
from bot.pages import page_routes
from bot.privacy.citizens import CitizenRecords
from bot.privacy.retention import forget_old_audit, purge_expired
from bot.reports.workers import report_workers
from bot.router import Router
from bot.settings import Settings
from bot.singletons import create_singletons, on_one_process
from bot.storage import MEDIA, shared_store
from bot.store import ConversationStore, Database
from bot.store.channel_state import ChannelStateStore
from bot.store.inbox import KEEP_FOR, PlatformInbox
from bot.store.outbox import KEEP_DONE_JOBS, Outbox
from bot.store.uploads import UploadStore
from bot.throttle import Throttle
from bot.web.headers import security_headers
from bot.web.http import ClientAddress, json_errors
from bot.web.sockets import OpenSockets
from bot.webcare.auth import StaffAuth
from bot.webcare.canned import CannedStore
from bot.webcare.desk import WebcareDesk
from bot.webcare.gate import HandoffGate
from bot.webcare.handoffs import HandoffStore
from bot.webcare.notes import NoteStore
from bot.webcare.routes import webcare_routes
from bot.webcare.staff import StaffStore
from bot.webcare.suggestions import Suggestions
from channels.base import ChannelContext

logger = logging.getLogger(__name__)
ROUTER = web.AppKey("router", Router)
SENDER = web.AppKey("sender", DeliverySender)
OUTREACH = web.AppKey("outreach", Outreach)
CHANNELS = web.AppKey("channels", ChannelRegistry)


async def build_app(
    settings: Settings, engine: Optional[DialogueEngine] = None, throttle: Optional[Throttle] = None
) -> web.Application:
    municipality = load_municipality(settings)
    profile, reports, admin = municipality.profile, municipality.reports, municipality.admin
    media = MediaStore(shared_store(settings, MEDIA, settings.media_dir))
    database = Database(settings.database_url)
    await asyncio.to_thread(database.migrate)
    singletons = create_singletons(database)
    runs = TrainingRuns(database)
    engine_service = EngineClient(settings.engine_url, settings.engine_token, settings.engine_timeout)
    engine = engine or engine_service
    redis = aioredis.from_url(settings.redis_url) if settings.redis_url else None
    bus = create_event_bus(redis)
    await bus.start()
    gate = HandoffGate(HandoffStore(database), bus, ConversationLocks(redis))
    bulletin = CrisisBulletin(CrisisNotices(database), municipality.topics)
    metrics = GatewayMetrics()
    throttle = throttle or Throttle.create(redis)
    uploads = UploadStore(database)
    client_address = ClientAddress(settings.trust_forwarded_for)
    open_sockets = OpenSockets()
    conversations = ConversationStore(database)
    notes = NoteStore(database)
    router = Router(
        conversations,
        engine,
        profile,
        settings.engine_timeout,
        gate,
        notes,
        municipality.welcome,
        LanguageGuesser(),
        bulletin,
        metrics,
    )

    async def readiness() -> dict[str, bool]:
        checks = {"engine": await engine.ready(), "database": True}
        try:
            await database.ping()
        except Exception:  # noqa: BLE001 - any failure means not ready
            checks["database"] = False
        if redis is not None:
            try:
                checks["redis"] = bool(await redis.ping())
            except Exception:  # noqa: BLE001
                checks["redis"] = False
        return checks

    postbox = DeliveryPostbox(DeliveryStore(database))
    inbox = PlatformInbox(database, timedelta(seconds=settings.inbox_lease_seconds))
    channels = ChannelRegistry.build(
        ChannelContext(
            settings=settings,
            profile=profile,
            hub=router,
            postbox=postbox,
            inbox=inbox,
            memory=ChannelStateStore(database),
            bus=bus,
            media=media,
            uploads=uploads,
            throttle=throttle,
            client_address=client_address,
            sockets=open_sockets,
            singletons=singletons,
            profiles=municipality.channels,
        )
    )
    outbox = Outbox(database, settings.outbox_lease_seconds)
    sender = DeliverySender(postbox, outbox, channels.platforms)
    outreach = Outreach(conversations, channels, metrics)
    app = web.Application(middlewares=[security_headers(settings.https), json_errors])
    app[ROUTER] = router
    app[SENDER] = sender
    app[OUTREACH] = outreach
    app[CHANNELS] = channels
    pages = aiohttp_jinja2.setup(app, loader=jinja2.PackageLoader("bot", "templates"), autoescape=True)
    pages.filters["local"] = functools.partial(local_time, zone=municipality.webcare.timezone)
    staff = StaffStore(database)
    audit = AuditLog(database)
    review = ReviewQueue(database, admin.review_below_confidence, admin.retention_days)
    webcare_settings = municipality.webcare
    desk = WebcareDesk(
        conversations=conversations,
        engine=engine,
        gate=gate,
        outreach=outreach,
        staff=staff,
        notes=notes,
        canned=CannedStore(database),
        suggestions=Suggestions(settings.root / "domain.yml", profile),
        settings=webcare_settings,
        profile=profile,
        reports=reports,
        deliveries=postbox.store,
        channels=channel_looks(),
    )
    auth = StaffAuth(staff, settings.https)
    admin_desk = AdminDesk(
        review=review,
        data=TrainingData(settings.root, profile.facts),
        runs=runs,
        launcher=engine_service,
        kpi=KpiReport(database, webcare_settings.timezone),
        audit=audit,
        settings=admin,
        topic_label=webcare_settings.topic_label,
        channels=channel_looks(),
    )
    # Every HTTP route of the gateway, by the part that serves it.
    app.add_routes(
        [
            *page_routes(profile, readiness),
            *channels.routes(),
            *nlu_routes(router, settings.rest_token),
            *webcare_routes(desk, auth, bus, media, audit, review, throttle, client_address, open_sockets),
            *admin_routes(admin_desk, auth),
            *metrics_routes(metrics, database, engine.model_version),
        ]
    )
    records = CitizenRecords(database, media)

    async def resources(_: web.Application) -> AsyncIterator[None]:
        """Torn down last, after every worker that uses them has stopped."""
        yield
        await singletons.close()
        await bus.close()
        await engine.close()
        await engine_service.close()
        await database.close()
        if redis is not None:
            await redis.close()

    app.on_shutdown.append(open_sockets.close_all)
    app.cleanup_ctx.append(resources)
    app.cleanup_ctx.append(report_workers(database, outreach, profile, reports, media, singletons, outbox))
    app.cleanup_ctx.append(channel_workers(channels, sender))

    async def retention() -> None:
        await purge_expired(records, audit, admin.retention_days)
        await forget_old_audit(audit, admin.audit_retention_days)
        await inbox.forget_older_than(utcnow() - KEEP_FOR)
        await outbox.forget_done(utcnow() - KEEP_DONE_JOBS)

    app.cleanup_ctx.append(
        repeating(
            on_one_process(singletons, "retention", retention), admin.retention_check_minutes * 60, "the retention job"
        )
    )
    app.cleanup_ctx.append(repeating(lambda: sweep_unsent_uploads(uploads, media), 600, "sweeping unsent uploads"))
    return app
