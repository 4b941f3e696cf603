"""Log lines as an operator's collector reads them (LOG_FORMAT=json), redacted as always."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support import ROOT

SCRIPT = """
import logging
from bot.logs import configure_logging
configure_logging("INFO", {log_format!r})
logging.getLogger("bot.router").warning("citizen %s wrote: bel me op 0612345678", "jan@example.nl")
try:
    raise ValueError("secret text from jan@example.nl")
except ValueError:
    logging.getLogger("bot.sender").exception("sending failed")
"""


def logged(log_format: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(log_format=log_format)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr.splitlines()


def test_json_logs_are_one_object_per_line_with_personal_data_redacted() -> None:
    lines = logged("json")
    entries = [json.loads(line) for line in lines]
    assert len(entries) == 2
    first, second = entries
    assert first["level"] == "WARNING" and first["logger"] == "bot.router"
    assert first["time"].endswith("+00:00")
    assert "0612345678" not in first["message"] and "jan@example.nl" not in first["message"]
    assert "wrote: bel me op" in first["message"]
    assert second["message"] == "sending failed"
    assert "ValueError" in second["exception"] and "jan@example.nl" not in second["exception"]


def test_text_logs_stay_the_default_readable_lines() -> None:
    lines = logged("text")
    assert "WARNING bot.router: citizen" in lines[0]
    assert not lines[0].startswith("{")
    assert all("jan@example.nl" not in line and "0612345678" not in line for line in lines)
