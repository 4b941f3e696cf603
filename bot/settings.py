"""Settings from the environment, with development defaults under ``var/``."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Environment variables of the platform channels: each channel reads its own.
PLATFORM_PREFIXES = ("X_", "MESSENGER_", "TELEGRAM_")


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
    rasa_url: Optional[str]
    rasa_token: Optional[str]
    action_endpoint: Optional[str]
    model_dir: Path
    profile_path: Path
    rest_token: str
    session_secret: str
    engine_timeout: float
    public_url: str
    media_dir: Path = PROJECT_ROOT / "var" / "media"
    platforms: Mapping[str, str] = field(default_factory=dict)
    # Rasa sends it to the action server, which refuses requests without it.
    action_token: str = ""
    # Whether it came from ACTION_SERVER_TOKEN rather than the development file.
    action_token_set: bool = False
    # Where the action server listens: loopback unless it runs elsewhere.
    action_host: str = "127.0.0.1"
    # "production" refuses development shortcuts (a generated admin account).
    environment: str = "development"
    # Behind a reverse proxy, the client's address is the last X-Forwarded-For hop.
    trust_forwarded_for: bool = False

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def https(self) -> bool:
        return self.public_url.startswith("https:")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        root = Path(env.get("DORPSPOMP_HOME", PROJECT_ROOT))
        var = root / "var"
        port = int(env.get("PORT", "8080"))
        return cls(
            root=root,
            host=env.get("HOST", "127.0.0.1"),
            port=port,
            database_url=env.get("DATABASE_URL") or f"sqlite:///{var / 'dorpspomp.sqlite3'}",
            redis_url=env.get("REDIS_URL") or None,
            rasa_url=env.get("RASA_URL") or None,
            rasa_token=env.get("RASA_TOKEN") or None,
            action_endpoint=env.get("ACTION_ENDPOINT", "http://127.0.0.1:5055/webhook") or None,
            model_dir=Path(env.get("MODEL_DIR", root / "models")),
            profile_path=Path(env.get("MUNICIPALITY_PROFILE", root / "municipality.yml")),
            rest_token=env.get("DORPSPOMP_REST_TOKEN") or load_or_create_secret(var / "rest_token"),
            session_secret=env.get("DORPSPOMP_SECRET") or load_or_create_secret(var / "session_secret"),
            engine_timeout=float(env.get("ENGINE_TIMEOUT", "10")),
            public_url=env.get("PUBLIC_URL", f"http://localhost:{port}"),
            media_dir=Path(env.get("MEDIA_DIR", var / "media")),
            platforms={k: v for k, v in env.items() if k.startswith(PLATFORM_PREFIXES) and v},
            action_token=env.get("ACTION_SERVER_TOKEN") or load_or_create_secret(var / "action_token"),
            action_token_set=bool(env.get("ACTION_SERVER_TOKEN")),
            action_host=env.get("ACTION_SERVER_HOST") or "127.0.0.1",
            environment=env.get("DORPSPOMP_ENV") or "development",
            trust_forwarded_for=env.get("TRUST_FORWARDED_FOR", "").lower() in ("1", "true", "yes"),
        )
