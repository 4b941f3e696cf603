"""The gateway: one aiohttp application with every channel, page and API."""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

import aiohttp_jinja2
import jinja2
import redis.asyncio as aioredis
from aiohttp import web

from bot.engine import DialogueEngine
from bot.engine.factory import create_engine
from bot.events import create_event_bus
from bot.locks import ConversationLocks
from bot.media import MediaStore
from bot.dedupe import create_seen_messages
from bot.nlu_api import nlu_routes
from bot.outgoing.deliveries import DeliveryStore
from bot.outgoing.sender import DeliverySender
from bot.pages import page_routes
from bot.platform_channels import platform_channels, platform_workers
from bot.profile import load_profile
from bot.reports.settings import load_report_settings
from bot.reports.workers import report_workers
from bot.router import Router
from bot.settings import Settings
from bot.store import ConversationStore, Database
from bot.store.channel_state import ChannelStateStore
from bot.store.outbox import Outbox
from channels.base import Channel
from channels.http import json_errors
from channels.rest import RestChannel
from channels.webchat import WebchatChannel
from bot.webcare.auth import StaffAuth
from bot.webcare.canned import CannedStore
from bot.webcare.desk import WebcareDesk
from bot.webcare.gate import HandoffGate
from bot.content.crisis import CrisisBulletin, CrisisNotices
from bot.content.topics import TopicLibrary
from bot.webcare.handoffs import HandoffStore
from bot.webcare.notes import NoteStore
from bot.webcare.routes import webcare_routes
from bot.webcare.settings import load_webcare_settings
from bot.webcare.staff import StaffStore
from bot.webcare.suggestions import Suggestions
from channels.webchat.session import SessionSigner

logger = logging.getLogger(__name__)
ROUTER = web.AppKey("router", Router)
SENDER = web.AppKey("sender", DeliverySender)

async def build_app(settings: Settings, engine: Optional[DialogueEngine] = None) -> web.Application:
    profile = load_profile(settings.profile_path)
    reports = load_report_settings(settings.profile_path)
    media = MediaStore(settings.media_dir)
    database = Database(settings.database_url)
    await asyncio.to_thread(database.migrate)
    engine = engine or await create_engine(settings)
    redis = aioredis.from_url(settings.redis_url) if settings.redis_url else None
    bus = create_event_bus(redis)
    await bus.start()
    gate = HandoffGate(HandoffStore(database), bus, ConversationLocks(redis))
    bulletin = CrisisBulletin(CrisisNotices(database), TopicLibrary.load(profile.content_dir, profile.facts))
    router = Router(ConversationStore(database), engine, profile, settings.engine_timeout, gate, bulletin)

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

    sender = DeliverySender(DeliveryStore(database), Outbox(database))
    platforms = platform_channels(
        settings, router, sender, create_seen_messages(redis), media, ChannelStateStore(database), profile
    )
    channels: list[Channel] = [
        RestChannel(router, settings.rest_token),
        WebchatChannel(router, SessionSigner(settings.session_secret), media, bus),
        *platforms,
    ]
    router.attach_channels(channels)
    app = web.Application(middlewares=[json_errors])
    app[ROUTER] = router
    app[SENDER] = sender
    aiohttp_jinja2.setup(app, loader=jinja2.PackageLoader("bot", "templates"), autoescape=True)
    app.add_routes(page_routes(profile, readiness))
    app.add_routes(nlu_routes(router, settings.rest_token))
    for channel in channels:
        app.add_routes(channel.routes())
    staff = StaffStore(database)
    desk = WebcareDesk(
        router=router,
        staff=staff,
        notes=NoteStore(database),
        canned=CannedStore(database),
        suggestions=Suggestions(settings.root / "domain.yml", profile),
        settings=load_webcare_settings(settings.profile_path),
        profile=profile,
        reports=reports,
    )
    app.add_routes(webcare_routes(desk, StaffAuth(staff, settings.public_url.startswith("https:")), bus, media))

    async def close(_: web.Application) -> None:
        await bus.close()
        await engine.close()
        await database.close()
        if redis is not None:
            await redis.close()

    app.cleanup_ctx.append(report_workers(database, router, profile, reports, media))
    app.cleanup_ctx.append(platform_workers(platforms, sender))
    app.on_cleanup.append(close)
    return app
