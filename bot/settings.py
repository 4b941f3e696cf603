"""Settings from the environment, with development defaults under ``var/``.

This is the only module that reads the environment; everything else is given
a Settings (``dorpspomp config check`` prints the effective values)."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Environment variables of the platform channels: each channel reads its own.
PLATFORM_PREFIXES = ("X_", "MESSENGER_", "FACEBOOK_", "INSTAGRAM_", "WHATSAPP_", "TELEGRAM_")
# ROADWORKS_FEED, EVENTS_FEED, WASTE_FEED replace the profile's feeds.
FEED_NAMES = ("roadworks", "events", "waste")
# Secrets made up under var/ when their variable is unset (development only).
SECRET_FILES = {
    "DORPSPOMP_REST_TOKEN": "rest_token",
    "DORPSPOMP_SECRET": "session_secret",
    "ACTION_SERVER_TOKEN": "action_token",
    "ENGINE_TOKEN": "engine_token",
}
ENGINE_PORT = 5006


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_or_create_secret(path: Path) -> str:
    """Read a development secret from ``path``, creating it on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


@dataclass(frozen=True)
class Settings:
    root: Path
    host: str
    port: int
    database_url: str
    redis_url: Optional[str]
    action_endpoint: Optional[str]
    model_dir: Path
    profile_path: Path
    rest_token: str
    session_secret: str
    engine_timeout: float
    public_url: str
    media_dir: Path = PROJECT_ROOT / "var" / "media"
    # The engine service (Rasa on its frozen Python, private): where the gateway
    # reaches it, the secret both hold, and where it listens.
    engine_url: str = f"http://127.0.0.1:{ENGINE_PORT}"
    engine_token: str = ""
    engine_host: str = "127.0.0.1"
    engine_port: int = ENGINE_PORT
    # The engine environment's interpreter (beside the code, not under
    # DORPSPOMP_HOME), for what 'dorpspomp run' starts.
    engine_python: Path = PROJECT_ROOT / ".venv-engine" / "bin" / "python"
    platforms: Mapping[str, str] = field(default_factory=dict)
    # Rasa sends it to the action server, which refuses requests without it.
    action_token: str = ""
    # The secrets made up for development under var/ because their variable was unset.
    generated_secrets: tuple[str, ...] = ()
    # Where the action server listens: loopback unless it runs elsewhere.
    action_host: str = "127.0.0.1"
    # "production" refuses development shortcuts (a generated admin account).
    environment: str = "development"
    # Behind a reverse proxy, the client's address is the last X-Forwarded-For hop.
    trust_forwarded_for: bool = False
    log_level: str = "INFO"
    # "json" for log collectors: one object per line (bot/logs.py).
    log_format: str = "text"
    # Who runs a command on the command line, for the audit log.
    operator: str = "beheer"
    # Feeds and the reports back end set here win over municipality.yml.
    feeds: Mapping[str, str] = field(default_factory=dict)
    reports_backend: Optional[str] = None
    reports_backend_url: Optional[str] = None
    reports_api_key: Optional[str] = None
    reports_status_poll_seconds: Optional[float] = None
    # How long a process holds a platform message it is answering before
    # another may take it as lost (bot/store/inbox.py).
    inbox_lease_seconds: float = 60.0
    # How long a process holds an outbox job (a delivery, a report to forward)
    # without renewing it before another may take it as lost (bot/store/outbox.py).
    outbox_lease_seconds: float = 30.0
    # How long a stopping gateway gives requests in flight (SIGTERM, SIGINT).
    shutdown_seconds: float = 10.0
    # Photos and models in an S3-compatible bucket (s3://bucket/prefix) instead
    # of MEDIA_DIR and MODEL_DIR alone (bot/storage/).
    object_store_url: Optional[str] = None
    s3_endpoint_url: Optional[str] = None
    s3_region: Optional[str] = None
    s3_access_key_id: Optional[str] = None
    s3_secret_access_key: Optional[str] = None

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def action_token_set(self) -> bool:
        """ACTION_SERVER_TOKEN was set on purpose, not made up for development."""
        return "ACTION_SERVER_TOKEN" not in self.generated_secrets

    @property
    def engine_token_set(self) -> bool:
        """ENGINE_TOKEN was set on purpose, not made up for development."""
        return "ENGINE_TOKEN" not in self.generated_secrets

    @property
    def https(self) -> bool:
        return self.public_url.startswith("https:")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        root = Path(env.get("DORPSPOMP_HOME", PROJECT_ROOT))
        var = root / "var"
        port = int(env.get("PORT", "8080"))
        engine_port = int(env.get("ENGINE_PORT") or ENGINE_PORT)
        return cls(
            root=root,
            host=env.get("HOST", "127.0.0.1"),
            port=port,
            database_url=env.get("DATABASE_URL") or f"sqlite:///{var / 'dorpspomp.sqlite3'}",
            redis_url=env.get("REDIS_URL") or None,
            action_endpoint=env.get("ACTION_ENDPOINT", "http://127.0.0.1:5055/webhook") or None,
            model_dir=Path(env.get("MODEL_DIR", root / "models")),
            profile_path=Path(env.get("MUNICIPALITY_PROFILE", root / "municipality.yml")),
            rest_token=_secret(env, var, "DORPSPOMP_REST_TOKEN"),
            session_secret=_secret(env, var, "DORPSPOMP_SECRET"),
            engine_timeout=float(env.get("ENGINE_TIMEOUT", "10")),
            public_url=env.get("PUBLIC_URL", f"http://localhost:{port}"),
            media_dir=Path(env.get("MEDIA_DIR", var / "media")),
            engine_url=(env.get("ENGINE_URL") or f"http://127.0.0.1:{engine_port}").rstrip("/"),
            engine_token=_secret(env, var, "ENGINE_TOKEN"),
            engine_host=env.get("ENGINE_HOST") or "127.0.0.1",
            engine_port=engine_port,
            engine_python=Path(env.get("ENGINE_PYTHON") or PROJECT_ROOT / ".venv-engine" / "bin" / "python"),
            platforms={k: v for k, v in env.items() if k.startswith(PLATFORM_PREFIXES) and v},
            action_token=_secret(env, var, "ACTION_SERVER_TOKEN"),
            action_host=env.get("ACTION_SERVER_HOST") or "127.0.0.1",
            environment=env.get("DORPSPOMP_ENV") or "development",
            trust_forwarded_for=env.get("TRUST_FORWARDED_FOR", "").lower() in ("1", "true", "yes"),
            generated_secrets=tuple(name for name in SECRET_FILES if not env.get(name)),
            log_level=env.get("LOG_LEVEL") or "INFO",
            log_format=env.get("LOG_FORMAT") or "text",
            operator=env.get("USER") or "beheer",
            feeds={name: env[f"{name.upper()}_FEED"] for name in FEED_NAMES if env.get(f"{name.upper()}_FEED")},
            reports_backend=env.get("REPORTS_BACKEND") or None,
            reports_backend_url=env.get("REPORTS_BACKEND_URL") or None,
            reports_api_key=env.get("REPORTS_API_KEY") or None,
            reports_status_poll_seconds=_number(env.get("REPORTS_STATUS_POLL_SECONDS")),
            inbox_lease_seconds=_number(env.get("INBOX_LEASE_SECONDS")) or 60.0,
            outbox_lease_seconds=_number(env.get("OUTBOX_LEASE_SECONDS")) or 30.0,
            shutdown_seconds=_number(env.get("SHUTDOWN_SECONDS")) or 10.0,
            object_store_url=env.get("OBJECT_STORE_URL") or None,
            s3_endpoint_url=env.get("S3_ENDPOINT_URL") or None,
            s3_region=env.get("S3_REGION") or None,
            s3_access_key_id=env.get("S3_ACCESS_KEY_ID") or None,
            s3_secret_access_key=env.get("S3_SECRET_ACCESS_KEY") or None,
        )


def _secret(env: Mapping[str, str], var: Path, name: str) -> str:
    return env.get(name) or load_or_create_secret(var / SECRET_FILES[name])


def _number(value: Optional[str]) -> Optional[float]:
    return float(value) if value else None
