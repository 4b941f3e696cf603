"""`dorpspomp users`: staff accounts from the command line, as an admin sets them up."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support import BIN, ROOT


def users(database_url: str, *args: str, password: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "dorpspomp"), "users", *args],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "DATABASE_URL": database_url},
    )


def test_add_list_reset_and_disable_an_account(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'staff.sqlite3'}"
    added = users(
        url,
        "add",
        "anna",
        "--name",
        "Anna de Kok",
        "--role",
        "admin",
        "--password-stdin",
        password="correct horse battery",
    )
    assert added.returncode == 0, added.stderr[-2000:]
    assert added.stdout.strip() == "anna: admin, signs as ^AK"
    again = users(url, "add", "anna", "--password-stdin", password="correct horse battery")
    assert again.returncode != 0 and "already an account" in again.stderr
    short = users(url, "add", "bram", "--password-stdin", password="kort")
    assert short.returncode != 0 and "at least 10 characters" in short.stderr
    assert "Anna de Kok" in users(url, "list").stdout
    assert users(url, "password", "anna", "--password-stdin", password="another long one").returncode == 0
    assert users(url, "disable", "anna").stdout.strip() == "anna: disabled"
    assert "anna" not in users(url, "list").stdout
    assert "no account 'nobody'" in users(url, "unlock", "nobody").stderr
