"""No process outlives the one that started it, however that one ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import BIN, ENGINE_TOKEN, ROOT, free_port, trained_model_for, wait_for_http

PARENT = """
import subprocess, sys, time
from bot.children import ending_with_this_process
child = subprocess.Popen(["sleep", "300"], preexec_fn=ending_with_this_process())
print(child.pid, flush=True)
time.sleep(300)
"""


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for a reaper (in a container PID 1 may not reap)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def gone_within(pids: list[int], seconds: float) -> list[int]:
    """The pids still running after waiting up to ``seconds`` for all to end."""
    deadline = time.monotonic() + seconds
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [pid for pid in pids if alive(pid)]


def test_a_child_gets_sigterm_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert alive(child)
    parent.kill()
    parent.wait()
    assert gone_within([child], 30) == []


@pytest.fixture
def run_env(tmp_path: Path) -> dict[str, str]:
    model = trained_model_for()
    return {
        **os.environ,
        "DORPSPOMP_HOME": str(ROOT),
        "MODEL_DIR": str(model.parent),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "REDIS_URL": "",
        "PORT": str(free_port()),
        "ENGINE_PORT": str(free_port()),
        "ENGINE_TOKEN": ENGINE_TOKEN,
        "ACTION_ENDPOINT": f"http://127.0.0.1:{free_port()}/webhook",
        "ACTION_SERVER_TOKEN": "test-action-token",
    }


def started_run(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], list[int]]:
    """A real ``dorpspomp run`` serving, and its children (the action server and the engine service)."""
    with log.open("wb") as out:
        process = subprocess.Popen([str(BIN / "dorpspomp"), "run"], cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        wait_for_http(f"http://127.0.0.1:{env['PORT']}/readyz", process, timeout=300)
    except (RuntimeError, TimeoutError) as error:
        process.kill()
        raise AssertionError(f"{error}\n{log.read_text()[-3000:]}") from error
    children = children_of(process.pid)
    assert len(children) == 2
    return process, children


@pytest.mark.integration
def test_a_killed_run_takes_its_engine_and_action_server_with_it(run_env: dict[str, str], tmp_path: Path) -> None:
    process, children = started_run(run_env, tmp_path / "run.log")
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert gone_within(children, 30) == [], (tmp_path / "run.log").read_text()[-3000:]


@pytest.mark.integration
def test_a_stopped_run_exits_in_time_with_nothing_left(run_env: dict[str, str], tmp_path: Path) -> None:
    process, children = started_run(run_env, tmp_path / "run.log")
    process.send_signal(signal.SIGTERM)
    # The gateway's SHUTDOWN_SECONDS (10) and the children's own stop, with room for a busy machine.
    assert process.wait(timeout=30) == 0
    assert [pid for pid in children if alive(pid)] == []
