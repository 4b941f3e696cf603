"""Rasa endpoint configuration derived from our settings instead of endpoints.yml.

``endpoints.yml`` serves ``rasa shell`` and ``rasa run``; the gateway derives the
same endpoints from the environment so that ``REDIS_URL`` alone switches the
tracker and lock store to Redis.
"""
from __future__ import annotations

from typing import Any, Optional

from rasa.core.utils import AvailableEndpoints
from rasa.utils.endpoints import EndpointConfig
from redis.connection import parse_url

from bot.settings import Settings

NLG_CLASS = "bot.engine.nlg.ProfileResponseGenerator"


def _redis_store(redis_url: str, key_prefix: str) -> EndpointConfig:
    options: dict[str, Any] = parse_url(redis_url)
    return EndpointConfig(
        url=options.get("host", "localhost"),
        type="redis",
        port=int(options.get("port", 6379)),
        db=int(options.get("db", 0)),
        password=options.get("password"),
        key_prefix=key_prefix,
    )


def rasa_endpoints(settings: Settings, key_prefix: Optional[str] = None) -> AvailableEndpoints:
    prefix = key_prefix or "dorpspomp"
    redis_url = settings.redis_url
    return AvailableEndpoints(
        nlg=EndpointConfig(type=NLG_CLASS, profile=str(settings.profile_path)),
        action=EndpointConfig(url=settings.action_endpoint) if settings.action_endpoint else None,
        tracker_store=_redis_store(redis_url, prefix) if redis_url else None,
        lock_store=_redis_store(redis_url, prefix) if redis_url else None,
    )
