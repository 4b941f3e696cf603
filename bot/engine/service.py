"""The engine service: Rasa behind a small private HTTP API of ours (bot/engine/wire.py).

It runs in the engine environment (Python 3.10, Rasa's frozen stack) and is
never exposed to the internet: it listens on loopback unless ``ENGINE_HOST``
says otherwise, which needs ``ENGINE_TOKEN`` set on purpose, and every call
under ``/v1`` must carry that token. ``/healthz`` says only that the process
lives, for a supervisor's probe.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, AsyncIterator, Optional

from aiohttp import web

from bot.background import repeating
from bot.engine import EngineError, wire
from bot.engine.rasa_agent import RasaAgentEngine
from bot.learning.launcher import TrainingLauncher
from bot.learning.model_watch import PromotionFollower
from bot.learning.runs import TrainingRuns
from bot.municipality import load_municipality
from bot.settings import Settings, is_loopback
from bot.store import Database
from bot.training import ModelFiles, current_model
from bot.web.http import Handler, HttpProblem, json_errors, read_json_object, require_bearer_token

if TYPE_CHECKING:
    from aiohttp.typedefs import Middleware

logger = logging.getLogger(__name__)
# A turn's body is a message and its metadata; nothing near this size.
BODY_LIMIT = 256 * 1024
# How soon a promotion reaches every engine replica.
FOLLOW_SECONDS = 3.0


class ModelNotHere(EngineError):
    """The model asked for is not in this engine's model folder."""


class EngineService:
    """The handlers of the API around one loaded engine."""

    def __init__(self, engine: RasaAgentEngine, models: ModelFiles, launcher: TrainingLauncher) -> None:
        self.engine = engine
        self.models = models
        self.launcher = launcher
        # A request and the promotion follower may ask at once: one load, not two.
        self._swapping = asyncio.Lock()

    async def turn(self, request: web.Request) -> web.Response:
        turn = wire.EngineTurn.from_json(await read_json_object(request, BODY_LIMIT))
        result = await self.engine.handle(_conversation(request), turn)
        return web.json_response(wire.result_to_json(result))

    async def parse(self, request: web.Request) -> web.Response:
        text = wire.parse_text(await read_json_object(request, BODY_LIMIT))
        return web.json_response(wire.understanding_to_json(await self.engine.parse(text)))

    async def resume(self, request: web.Request) -> web.Response:
        await self.engine.resume(_conversation(request))
        return web.json_response({"resumed": True})

    async def slots(self, request: web.Request) -> web.Response:
        return web.json_response({"slots": await self.engine.slots(_conversation(request))})

    async def model(self, _: web.Request) -> web.Response:
        return web.json_response({"model": await self.engine.model_version()})

    async def swap(self, request: web.Request) -> web.Response:
        name = wire.model_name((await read_json_object(request)).get("model"))
        try:
            await self.use_model(name)
        except ModelNotHere as error:
            raise HttpProblem(404, str(error)) from None
        return web.json_response({"model": name})

    async def use_model(self, name: str) -> None:
        """Answer with model file ``name`` from now on (a request, or a promotion followed)."""
        path = await asyncio.to_thread(self.models.named, name)
        if path is None:
            raise ModelNotHere(f"no model {name} in the engine's model folder or the object store")
        async with self._swapping:
            if await self.engine.model_version() != name:
                await self.engine.swap(path)

    async def train(self, request: web.Request) -> web.Response:
        run, promote = wire.training_request(await read_json_object(request))
        await self.launcher.launch(run, promote)
        return web.json_response({"run": run}, status=202)

    async def health(self, _: web.Request) -> web.Response:
        ready = await self.engine.ready()
        return web.json_response({"ready": ready, "model": await self.engine.model_version(), "api": wire.VERSION})


def _conversation(request: web.Request) -> str:
    return wire.conversation_id(request.match_info["conversation"])


def service_routes(service: EngineService) -> list[web.RouteDef]:
    conversation = f"{wire.PREFIX}/conversations/{{conversation}}"
    return [
        web.post(f"{conversation}/turns", service.turn),
        web.post(f"{conversation}/resume", service.resume),
        web.get(f"{conversation}/slots", service.slots),
        web.post(wire.PARSE_PATH, service.parse),
        web.get(wire.MODEL_PATH, service.model),
        web.put(wire.MODEL_PATH, service.swap),
        web.post(wire.TRAINING_PATH, service.train),
        web.get(wire.HEALTH_PATH, service.health),
        web.get("/healthz", alive),
    ]


async def alive(_: web.Request) -> web.Response:
    return web.json_response({"alive": True})


def token_required(token: str) -> Middleware:
    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path != "/healthz":
            require_bearer_token(request, token)
        try:
            return await handler(request)
        except wire.WireError as error:
            raise HttpProblem(400, str(error)) from None
        except EngineError as error:
            logger.error("the engine failed: %s", error)
            raise HttpProblem(503, "the engine could not answer") from None

    return authenticate


async def _model_to_load(settings: Settings, runs: TrainingRuns, models: ModelFiles) -> Path:
    """The model an admin promoted last when it is here or in the store, else the one for the current data."""
    promoted = await runs.active_model()
    model = await asyncio.to_thread(
        lambda: (models.named(promoted) if promoted else None) or current_model(settings.root, models)
    )
    if model is None:
        raise SystemExit(f"no trained model in {settings.model_dir}: run 'dorpspomp train' first")
    return model


async def build_service(settings: Settings) -> web.Application:
    municipality = load_municipality(settings)
    database = Database(settings.database_url)
    await asyncio.to_thread(database.migrate)
    runs = TrainingRuns(database)
    models = ModelFiles.from_settings(settings)
    model = await _model_to_load(settings, runs, models)
    engine = await RasaAgentEngine.load(model, settings, municipality.admin.retention_days)
    service = EngineService(engine, models, TrainingLauncher(settings, runs))
    app = web.Application(middlewares=[json_errors, token_required(settings.engine_token)], client_max_size=BODY_LIMIT)
    app.add_routes(service_routes(service))
    follower = PromotionFollower(runs, current=engine.model_version, use=service.use_model)

    async def resources(_: web.Application) -> AsyncIterator[None]:
        yield
        await database.close()

    app.cleanup_ctx.append(resources)
    app.cleanup_ctx.append(repeating(follower.follow, FOLLOW_SECONDS, "following the promoted model"))
    return app


def check_exposure(settings: Settings) -> None:
    """Beyond loopback the service is reachable from a network: only with a secret set on purpose."""
    if not is_loopback(settings.engine_host) and not settings.engine_token_set:
        raise SystemExit(
            f"ENGINE_HOST={settings.engine_host} is reachable from the network: set ENGINE_TOKEN "
            "(the same value for the gateway) or keep the engine on loopback"
        )


def serve(settings: Settings, port: Optional[int] = None) -> None:
    import uvloop

    check_exposure(settings)
    uvloop.install()
    host, port = settings.engine_host, port or settings.engine_port
    logger.info("engine service on http://%s:%d (token required)", host, port)
    web.run_app(build_service(settings), host=host, port=port, print=None, access_log=None)
