"""What every Meta channel is configured with: ``<PREFIX>_APP_SECRET``, the
access token, ``<PREFIX>_VERIFY_TOKEN``, and for tests or a proxy
``<PREFIX>_GRAPH_URL`` and ``<PREFIX>_MEDIA_HOSTS``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

from channels.credentials import required
from channels.meta.graph import MEDIA_HOSTS, GraphApi
from channels.meta.webhook import MetaWebhook

GRAPH_URL = "https://graph.facebook.com"


@dataclass(frozen=True)
class MetaConfig:
    app_secret: str
    token: str
    verify_token: str
    graph_url: str = GRAPH_URL
    media_hosts: tuple[str, ...] = MEDIA_HOSTS
    # Anything else the channel needs (WhatsApp's phone number id), by variable name.
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str], channel: str, prefix: str, token: str, extra: tuple[str, ...] = ()
    ) -> Optional["MetaConfig"]:
        """The channel's configuration; None (logged) when a required variable is unset.
        ``token``: the access token's variable suffix (``PAGE_TOKEN``, ``ACCESS_TOKEN``)."""
        names = (f"{prefix}_APP_SECRET", f"{prefix}_{token}", f"{prefix}_VERIFY_TOKEN", *extra)
        values = required(env, channel, names)
        if values is None:
            return None
        hosts = env.get(f"{prefix}_MEDIA_HOSTS", ",".join(MEDIA_HOSTS))
        return cls(
            app_secret=values[names[0]],
            token=values[names[1]],
            verify_token=values[names[2]],
            graph_url=env.get(f"{prefix}_GRAPH_URL", GRAPH_URL).rstrip("/"),
            media_hosts=tuple(host.strip().lower() for host in hosts.split(",") if host.strip()),
            extra={name: values[name] for name in extra},
        )

    def webhook(self) -> MetaWebhook:
        return MetaWebhook(self.app_secret, self.verify_token)

    def graph(self) -> GraphApi:
        return GraphApi(self.graph_url, self.token, self.media_hosts)
