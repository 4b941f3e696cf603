"""`dorpspomp config check`: what an IT department runs before it starts the gateway."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

SECRETS = {
    "DORPSPOMP_REST_TOKEN": "rest-token-value-1234",
    "DORPSPOMP_SECRET": "session-secret-value-5678",
    "ACTION_SERVER_TOKEN": "action-token-value-9012",
    "ENGINE_TOKEN": "engine-token-value-2468",
    "REPORTS_API_KEY": "signalen-key-3456",
    "X_CONSUMER_SECRET": "x-consumer-secret-7890",
}


def config_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DORPSPOMP_", "ACTION_SERVER_", "ENGINE_", "REPORTS_", "X_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "config", "check"],
        cwd=ROOT,
        env={**base, "MUNICIPALITY_PROFILE": str(ROOT / "municipality.yml"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_effective_configuration_is_shown_with_every_secret_masked(tmp_path: Path) -> None:
    result = config_check(
        tmp_path,
        **SECRETS,
        DATABASE_URL="postgresql://dorpspomp:db-password-1111@127.0.0.1:5432/test",
        MODEL_DIR=str(ROOT / "models"),
    )
    shown = result.stdout
    assert "postgresql://dorpspomp:********@127.0.0.1:5432/test" in shown
    assert "Gemeente Voorbeeldstad" in shown
    for secret in [*SECRETS.values(), "db-password-1111"]:
        assert secret not in shown + result.stderr


def test_production_without_its_own_secrets_or_https_is_refused_with_every_problem(tmp_path: Path) -> None:
    result = config_check(tmp_path, DORPSPOMP_ENV="production", MODEL_DIR=str(tmp_path / "no-models"))
    problems = [line for line in result.stdout.splitlines() if line.startswith("problem: ")]
    assert result.returncode == 1
    assert problems == [
        "problem: DORPSPOMP_REST_TOKEN is not set: production needs its own",
        "problem: DORPSPOMP_SECRET is not set: production needs its own",
        "problem: ACTION_SERVER_TOKEN is not set: production needs its own",
        "problem: ENGINE_TOKEN is not set: production needs its own",
        "problem: PUBLIC_URL http://localhost:8080 is not https: staff cookies would travel in the clear",
        f"problem: no trained model for the current data in {tmp_path / 'no-models'}: run 'dorpspomp train'",
    ]


def test_a_broken_profile_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    profile = tmp_path / "municipality.yml"
    profile.write_text("name: Ergens\nwebsite: https://ergens.nl\nfacts: {}\n", encoding="utf-8")
    result = config_check(tmp_path, MUNICIPALITY_PROFILE=str(profile), MODEL_DIR=str(ROOT / "models"))
    assert result.returncode == 1
    assert f"problem: {profile}: municipality profile lacks 'texts'" in result.stdout
    assert "Traceback" not in result.stderr
