"""Our NLU components' code is part of a model's name (bot/engine/component_code.py)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.engine.component_code import COMPONENT_MODULES, ENGINE_PACKAGE, code_fingerprint

ROOT = Path(__file__).resolve().parents[2]


def _engine_imports(module: Path) -> set[str]:
    return {f"{name}.py" for name in re.findall(r"^from bot\.engine\.(\w+) import", module.read_text(), re.MULTILINE)}


def test_every_component_of_the_pipeline_and_what_it_imports_is_fingerprinted() -> None:
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    ours = {f"{entry['name'].split('.')[2]}.py" for entry in pipeline if entry["name"].startswith("bot.engine.")}
    assert ours, "config.yml names no component of ours"
    needed, todo = set(), list(ours)
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo.extend(_engine_imports(ENGINE_PACKAGE / name) - {"component_code.py"})
    assert needed == set(COMPONENT_MODULES)


def test_a_change_to_a_components_source_changes_the_fingerprint(tmp_path: Path) -> None:
    module = tmp_path / "intent_blend.py"
    module.write_text("DIET_WEIGHT = 0.3\n")
    before = code_fingerprint((module,))
    module.write_text("DIET_WEIGHT = 0.1\n")
    assert code_fingerprint((module,)) != before
    assert code_fingerprint() == code_fingerprint()
