"""The action server answers Rasa only: on loopback unless told otherwise,
and never without the shared secret."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.support import ACTION_TOKEN, BIN, ENGINE_BIN, ROOT, start_action_server

pytestmark = pytest.mark.integration


def status(url: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on ``port`` (from /proc/net/tcp)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":
                found.add(address)
    return found


def test_the_action_server_listens_on_loopback_and_wants_the_secret(tmp_path: Path) -> None:
    service = start_action_server(tmp_path / "actions.log")
    try:
        port = int(service.url.rsplit(":", 1)[1])
        assert listening_addresses(port) == {"0100007F"}, "127.0.0.1 only"
        assert status(service.url + "/health") == 200, "probes need no secret"
        assert status(service.url + "/actions") == 401
        assert status(service.url + "/actions", "a guess") == 401
        assert status(service.url + "/actions", ACTION_TOKEN) == 200
        forged = urllib.request.Request(
            service.url + "/webhook",
            method="POST",
            data=b'{"next_action": "action_submit_report", "tracker": {}}',
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=10)
        assert refused.value.code == 401
    finally:
        service.stop()


def post(url: str, body: bytes) -> int:
    request = urllib.request.Request(
        url,
        method="POST",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {ACTION_TOKEN}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_every_action_of_the_domain_is_served_and_a_wrong_call_is_refused_clearly(tmp_path: Path) -> None:
    service = start_action_server(tmp_path / "actions.log")
    try:
        listing = urllib.request.Request(service.url + "/actions", headers={"Authorization": f"Bearer {ACTION_TOKEN}"})
        with urllib.request.urlopen(listing, timeout=10) as response:
            served = {entry["name"] for entry in json.load(response)}
        domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
        custom = {name for name in domain["actions"] if name.startswith(("action_", "validate_"))}
        assert served == custom, "every action the domain names, and no other"
        assert post(service.url + "/webhook", b"{not json") == 400
        assert post(service.url + "/webhook", b"[" * 100_000 + b"]" * 100_000) == 400, "nested too deep"
        unknown = json.dumps({"next_action": "action_that_is_not", "sender_id": "x", "tracker": {}, "domain": {}})
        assert post(service.url + "/webhook", unknown.encode()) == 404
    finally:
        service.stop()


def test_listening_beyond_loopback_needs_a_secret_set_on_purpose(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ACTION_SERVER_TOKEN"}
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    result = subprocess.run(
        [str(ENGINE_BIN / "python"), "-m", "actions.server", "--port", str(port)],
        cwd=ROOT,
        env={**env, "ACTION_SERVER_HOST": "0.0.0.0", "DORPSPOMP_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "set ACTION_SERVER_TOKEN" in result.stderr


def test_production_never_starts_without_staff_set_up(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DORPSPOMP_ENV": "production",
        "DORPSPOMP_HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "MODEL_DIR": str(tmp_path / "models"),
        "MUNICIPALITY_PROFILE": str(ROOT / "municipality.yml"),
        "PORT": "1",
    }
    for command in ("serve", "run"):
        result = subprocess.run(
            [str(BIN / "dorpspomp"), command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode != 0 and "no staff accounts" in result.stderr, result.stderr[-2000:]
        assert "password" not in result.stdout
