"""Random and mutated deliveries, correctly signed, thrown at every platform
webhook: always a clear 2xx/4xx, never a 500, never an exception while
answering in the background."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.gateway import CHANNELS, build_app
from tests.conftest import make_settings
from tests.platform_payloads import (
    TELEGRAM_SECRET,
    facebook_comment,
    instagram_message,
    instagram_signature,
    messenger_batch,
    messenger_image,
    messenger_postback,
    messenger_signature,
    messenger_text,
    telegram_button,
    telegram_location,
    telegram_photo,
    telegram_text,
    whatsapp_button,
    whatsapp_delivery,
    whatsapp_image,
    whatsapp_list_reply,
    whatsapp_location,
    whatsapp_message,
    whatsapp_signature,
    whatsapp_status,
    whatsapp_text,
    x_direct_message,
    x_mention,
    x_signature,
)
from tests.platforms import Fakes, fake_platforms
from tests.support import ScriptedEngine, free_port

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3),
    max_leaves=10,
)
VALID = {
    "x": [x_mention("hoi"), x_direct_message("hoi")],
    "messenger": [
        messenger_batch(
            [messenger_text("f1", "hoi", quick_reply="/affirm"), messenger_postback("f2", "Start", "/greet")]
        ),
        messenger_batch([messenger_image("f3", "http://127.0.0.1:9/none.jpg")]),
        facebook_comment("f4", "Wanneer wordt hier geveegd?", photo="http://127.0.0.1:9/none.jpg"),
        facebook_comment("f5", "", verb="remove"),
    ],
    "instagram": [
        instagram_message("i1", text="hoi", quick_reply={"payload": "/affirm"}),
        instagram_message("i2", text="mooi!", reply_to={"story": {"url": "https://x.invalid/s", "id": "1"}}),
        instagram_message("i3", attachments=[{"type": "story_mention", "payload": {"url": "https://x.invalid/m"}}]),
    ],
    "whatsapp": [
        whatsapp_delivery(
            [
                whatsapp_text("31600000001", "hoi"),
                whatsapp_button("31600000002", "/affirm"),
                whatsapp_list_reply("31600000003", "/inform", "Lamp"),
            ]
        ),
        whatsapp_delivery([whatsapp_location("31600000004", 52.1, 5.1), whatsapp_image("31600000005")]),
        whatsapp_delivery([whatsapp_message("31600000006", "audio", {"id": "1", "voice": True})]),
        whatsapp_delivery(statuses=[whatsapp_status("wamid.x", "failed", "31600000006", error_code=131047)]),
    ],
    "telegram": [
        telegram_text(7001, "hoi"),
        telegram_location(7002, 52.1, 5.1),
        telegram_photo(7003),
        telegram_button(7004, "/affirm"),
    ],
}
PATHS = {platform: f"/webhooks/{platform}" for platform in VALID}


def signed(platform: str, raw: bytes) -> dict[str, str]:
    if platform == "x":
        return {"x-twitter-webhooks-signature": x_signature(raw)}
    if platform == "messenger":
        return {"X-Hub-Signature-256": messenger_signature(raw)}
    if platform == "instagram":
        return {"X-Hub-Signature-256": instagram_signature(raw)}
    if platform == "whatsapp":
        return {"X-Hub-Signature-256": whatsapp_signature(raw)}
    return {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}


@st.composite
def mutated(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with one part replaced by random JSON, or removed."""
    if draw(st.integers(0, 5)) == 0:
        return draw(JSON)
    if isinstance(value, dict) and value:
        key = draw(st.sampled_from(sorted(value)))
        changed = dict(value)
        if draw(st.booleans()):
            del changed[key]
        else:
            changed[key] = draw(mutated(value[key]))
        return changed
    if isinstance(value, list) and value:
        index = draw(st.integers(0, len(value) - 1))
        return [draw(mutated(v)) if i == index else v for i, v in enumerate(value)]
    return draw(JSON)


class Failures(logging.Handler):
    """Errors logged anywhere while the fuzzing runs (background answering included)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass(frozen=True)
class FuzzGateway:
    url: str
    # Returns once every message taken so far has been answered in the background.
    settle: Callable[[], None]


@pytest.fixture(scope="module")
def fuzz_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzGateway]:
    """The gateway in a thread of its own, so Hypothesis can drive it synchronously."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    platforms = fake_platforms()
    state: dict[str, Any] = {}

    async def start() -> str:
        fakes: Fakes = await platforms.__aenter__()
        settings = make_settings(
            f"sqlite:///{folder / 'fuzz.sqlite3'}", media_dir=folder / "media", platforms=fakes.env()
        )
        app = await build_app(settings, ScriptedEngine())
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        state["runner"] = runner
        return f"http://127.0.0.1:{port}"

    async def stop() -> None:
        await state["runner"].cleanup()
        await platforms.__aexit__(None, None, None)

    async def settle() -> None:
        for channel in state["runner"].app[CHANNELS].platforms.values():
            await channel.finish_answering()

    url = asyncio.run_coroutine_threadsafe(start(), loop).result(60)
    yield FuzzGateway(url, lambda: asyncio.run_coroutine_threadsafe(settle(), loop).result(60))
    asyncio.run_coroutine_threadsafe(stop(), loop).result(60)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture(scope="module")
def gateway_url(fuzz_gateway: FuzzGateway) -> str:
    return fuzz_gateway.url


@pytest.fixture(scope="module")
def failures() -> Iterator[Failures]:
    handler = Failures()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def post(url: str, raw: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=raw, headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


PLATFORM = st.sampled_from(sorted(PATHS))
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(platform=PLATFORM, data=st.data())
def test_mutated_deliveries_get_a_clear_answer(
    gateway_url: str, failures: Failures, platform: str, data: st.DataObject
) -> None:
    payload = data.draw(mutated(data.draw(st.sampled_from(VALID[platform]))))
    raw = json.dumps(payload).encode()
    assert post(gateway_url + PATHS[platform], raw, signed(platform, raw)) in (200, 400, 403)


@FUZZ
@given(platform=PLATFORM, raw=JSON.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=300))
def test_random_bodies_get_a_clear_answer(gateway_url: str, failures: Failures, platform: str, raw: bytes) -> None:
    assert post(gateway_url + PATHS[platform], raw, signed(platform, raw)) in (200, 400, 403)


# What a platform may put where a field belongs, besides the right value.
WRONG_VALUES = (None, 0, -1, 1e308, "", "x", [], {}, True)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document: keys of objects, items of lists."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield path + (key,)
            yield from _paths(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield path + (index,)
            yield from _paths(child, path + (index,))


def _with(value: Any, path: tuple[Any, ...], replacement: Any, remove: bool = False) -> Any:
    if not path:
        return replacement
    copy = json.loads(json.dumps(value))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if remove:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return copy


def test_every_field_of_every_event_null_missing_or_of_another_type_is_answered_clearly(
    gateway_url: str, failures: Failures
) -> None:
    """Not one field at random: each field of each documented payload, in turn,
    made null, left out or given each wrong type ("date": null was a 500 once)."""
    tried = 0
    for platform, payloads in VALID.items():
        for payload in payloads:
            for path in _paths(payload):
                variants = [_with(payload, path, None, remove=True)] + [_with(payload, path, v) for v in WRONG_VALUES]
                for variant in variants:
                    raw = json.dumps(variant).encode()
                    status = post(gateway_url + PATHS[platform], raw, signed(platform, raw))
                    assert status in (200, 400, 403), (platform, path, variant)
                    tried += 1
    assert tried > 1000


def test_nothing_failed_while_answering_in_the_background(fuzz_gateway: FuzzGateway, failures: Failures) -> None:
    # After the fuzzing above (same module), and valid deliveries of every kind so
    # that there is background work to check when this test runs alone.
    for platform, payloads in VALID.items():
        for payload in payloads:
            raw = json.dumps(payload).encode()
            assert post(fuzz_gateway.url + PATHS[platform], raw, signed(platform, raw)) == 200
    fuzz_gateway.settle()
    problems = [
        f"{r.name}: {r.getMessage()} {logging.Formatter().formatException(r.exc_info) if r.exc_info else ''}"
        for r in failures.records
        if r.name.startswith(("channels", "bot"))
    ]
    assert problems == []
