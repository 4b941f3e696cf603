"""The held-out report texts of bench/data/ with the category each one has."""

from __future__ import annotations

from pathlib import Path

import yaml


def report_texts(path: Path) -> list[tuple[str, str]]:
    """(text, category code) for every example of a held-out report file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        (line.lstrip("- ").strip(), block["metadata"]["category"])
        for block in data["nlu"]
        for line in block["examples"].strip().splitlines()
    ]
