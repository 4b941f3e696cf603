"""The gateway, which faces the internet, runs on supported software: a
current Python and aiohttp, and none of Rasa's frozen stack in its environment."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys

import pytest


@pytest.mark.parametrize("package", ["rasa", "rasa_sdk", "tensorflow", "sanic"])
def test_the_gateway_environment_has_no_part_of_the_engines_stack(package: str) -> None:
    assert importlib.util.find_spec(package) is None, f"{package} is installed next to the gateway"


def test_the_gateway_runs_on_a_supported_python_and_aiohttp() -> None:
    assert sys.version_info >= (3, 12)
    version = tuple(int(part) for part in importlib.metadata.version("aiohttp").split(".")[:3])
    # 3.12.14 fixed CVE-2025-53643, 3.10.11 CVE-2024-52304 (request smuggling in the parser).
    assert version >= (3, 12, 14)
