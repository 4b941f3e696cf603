"""``dorpspomp config check``: the configuration this process would run with
(secrets masked), and every problem found in it, before anything starts."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.cli.command import Command
from bot.logs import LOG_FORMATS
from bot.municipality import Municipality, load_municipality
from bot.profile import ProfileError
from bot.settings import Settings, is_loopback
from bot.storage import bucket_and_prefix
from bot.training import ModelFiles, current_model

SECRET_FIELDS = frozenset(
    {"rest_token", "session_secret", "action_token", "engine_token", "reports_api_key", "s3_secret_access_key"}
)
SECRET_WORDS = ("SECRET", "TOKEN", "KEY", "PASSWORD")
MASK = "********"


def masked_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}:{MASK}@" if parts.username else f":{MASK}@"
    return urlunsplit(parts._replace(netloc=user + host + (f":{parts.port}" if parts.port else "")))


def shown(name: str, value: Any) -> Any:
    if value and name in SECRET_FIELDS:
        return MASK
    if isinstance(value, str) and "://" in value:
        return masked_url(value)
    if isinstance(value, dict) or name in ("platforms", "feeds"):
        return {k: MASK if any(word in k.upper() for word in SECRET_WORDS) else shown(k, v) for k, v in value.items()}
    return value


def problems_of(settings: Settings, municipality: Municipality | None) -> list[str]:
    found = []
    if settings.production:
        found += [f"{name} is not set: production needs its own" for name in settings.generated_secrets]
        if not settings.https:
            found.append(f"PUBLIC_URL {settings.public_url} is not https: staff cookies would travel in the clear")
    if not is_loopback(settings.action_host) and not settings.action_token_set:
        found.append(f"ACTION_SERVER_HOST={settings.action_host} needs ACTION_SERVER_TOKEN set")
    if settings.log_format not in LOG_FORMATS:
        found.append(f"LOG_FORMAT={settings.log_format} is not one of {', '.join(LOG_FORMATS)}")
    if settings.object_store_url:
        try:
            bucket_and_prefix(settings.object_store_url)
        except ValueError as error:
            found.append(str(error))
    if settings.engine_timeout <= 0:
        found.append("ENGINE_TIMEOUT must be more than 0 seconds")
    if not is_loopback(settings.engine_host) and not settings.engine_token_set:
        found.append(f"ENGINE_HOST={settings.engine_host} needs ENGINE_TOKEN set")
    if is_loopback(urlsplit(settings.engine_url).hostname or ""):  # the engine runs here: its models too
        found += _model_problems(settings)
    backend = municipality.reports.backend if municipality is not None else None
    if (
        settings.production
        and backend is not None
        and backend.kind != "none"
        and not backend.url.startswith("https://")
    ):
        found.append("the reports back end is not reached over https")
    return found


def _model_problems(settings: Settings) -> list[str]:
    try:
        model = current_model(settings.root, ModelFiles.from_settings(settings))
    except OSError as error:
        return [f"the training data cannot be read: {error}"]
    if model is None:
        return [f"no trained model for the current data in {settings.model_dir}: run 'dorpspomp train'"]
    return []


def config(settings: Settings, args: argparse.Namespace) -> None:
    for field in dataclasses.fields(settings):
        print(f"{field.name:<28} {shown(field.name, getattr(settings, field.name))}")
    problems: list[str] = []
    municipality = None
    try:
        municipality = load_municipality(settings)
    except (ProfileError, OSError, KeyError, ValueError) as error:
        problems.append(f"{settings.profile_path}: {error}")
    if municipality is not None:
        backend = municipality.reports.backend
        print(f"{'municipality':<28} {municipality.profile.name} ({municipality.profile.website})")
        print(f"{'reports back end':<28} {backend.kind} {masked_url(backend.url)}".rstrip())
        print(f"{'webcare timezone':<28} {municipality.webcare.timezone}")
        print(f"{'retention days':<28} {municipality.admin.retention_days}")
    problems += problems_of(settings, municipality)
    for problem in problems:
        print(f"problem: {problem}")
    if problems:
        raise SystemExit(f"{len(problems)} problem(s) in the configuration")
    print("configuration is in order")


def config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("check",))


COMMANDS = (
    Command("config", "print the effective configuration (secrets masked) and every problem", config, config_arguments),
)
