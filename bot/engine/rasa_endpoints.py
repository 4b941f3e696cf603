"""Rasa endpoint configuration derived from our settings instead of endpoints.yml.

``endpoints.yml`` serves ``rasa shell`` and ``rasa run``; the gateway derives the
same endpoints from the environment so that ``REDIS_URL`` alone switches the
tracker and lock store to Redis.
"""

from __future__ import annotations

from typing import Any

from rasa.core.utils import AvailableEndpoints
from rasa.utils.endpoints import EndpointConfig
from redis.connection import parse_url

from bot.engine.nlg import ENGLISH_RESPONSES
from bot.engine.redis_keys import KEY_PREFIX
from bot.settings import Settings

NLG_CLASS = "bot.engine.nlg.ProfileResponseGenerator"
LIVE_TRACKER_STORE = "bot.engine.live_tracker_store.LiveTrackerStore"


def _redis_store(redis_url: str, **extra: Any) -> EndpointConfig:
    options: dict[str, Any] = parse_url(redis_url)
    return EndpointConfig(
        url=options.get("host", "localhost"),
        type="redis",
        port=int(options.get("port", 6379)),
        db=int(options.get("db", 0)),
        password=options.get("password"),
        key_prefix=KEY_PREFIX,
        **extra,
    )


def _action_server(settings: Settings) -> EndpointConfig | None:
    if not settings.action_endpoint:
        return None
    headers = {"Authorization": f"Bearer {settings.action_token}"} if settings.action_token else {}
    return EndpointConfig(url=settings.action_endpoint, headers=headers)


def rasa_endpoints(settings: Settings, retention_days: int) -> AvailableEndpoints:
    redis_url = settings.redis_url
    # Rasa's copy of a conversation leaves Redis when the retention period ends.
    retention = {"record_exp": retention_days * 86400}
    return AvailableEndpoints(
        nlg=EndpointConfig(
            type=NLG_CLASS, profile=str(settings.profile_path), english=str(settings.root / ENGLISH_RESPONSES)
        ),
        action=_action_server(settings),
        tracker_store=_redis_store(redis_url, **retention) if redis_url else EndpointConfig(type=LIVE_TRACKER_STORE),
        lock_store=_redis_store(redis_url) if redis_url else None,
    )
