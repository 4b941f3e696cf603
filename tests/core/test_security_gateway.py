"""The attacks of a municipal security review, tried against a real gateway
process as an attacker on the internet would: each one refused.

The dialogue engine is a local server speaking the engine service's API
(tests/fake_engine.py), so the tests see exactly what would have reached it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import json
import re
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import aiohttp
import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image

from tests.conftest import REST_TOKEN
from tests.fake_engine import FakeEngine, running_fake_engine
from tests.platform_payloads import X_ACCOUNT_ID, X_CONSUMER_SECRET, x_mention, x_signature
from tests.support import STAFF_PASSWORD, Service, add_colleague, free_port, start_gateway

pytestmark = pytest.mark.integration

REST = {"Authorization": f"Bearer {REST_TOKEN}"}
DEEP = ("[" * 30_000 + "]" * 30_000).encode()


@pytest.fixture(scope="module")
def fake_engine() -> Iterator[FakeEngine]:
    yield from running_fake_engine()


@pytest.fixture(scope="module")
def edge(fake_engine: FakeEngine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`dorpspomp serve` with every channel that needs no platform at start, behind
    a proxy it trusts for X-Forwarded-For (so tests can be many clients)."""
    folder = tmp_path_factory.mktemp("edge")
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'edge.sqlite3'}",
        "REDIS_URL": "",
        **fake_engine.env,
        "MEDIA_DIR": str(folder / "media"),
        "DORPSPOMP_REST_TOKEN": REST_TOKEN,
        "DORPSPOMP_SECRET": "edge-secret",
        "TRUST_FORWARDED_FOR": "1",
        "X_CONSUMER_KEY": "x-consumer-key",
        "X_CONSUMER_SECRET": X_CONSUMER_SECRET,
        "X_ACCESS_TOKEN": "x-access-token",
        "X_ACCESS_TOKEN_SECRET": "x-access-token-secret",
        "X_USER_ID": X_ACCOUNT_ID,
        "X_API_URL": f"http://127.0.0.1:{free_port()}",
    }
    service = start_gateway(folder / "gateway.log", env)
    yield service
    service.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


def log_of(edge: Service) -> str:
    return (Path(edge.env["MEDIA_DIR"]).parent / "gateway.log").read_text()


def client(number: int) -> dict[str, str]:
    """Headers of a request from another client address."""
    return {"X-Forwarded-For": f"203.0.113.{number}"}


# --- X: the challenge-response check is no signing oracle -------------------


async def test_the_crc_check_signs_no_delivery_and_a_forged_one_is_refused(
    edge: Service, http: aiohttp.ClientSession, fake_engine: FakeEngine
) -> None:
    forged = json.dumps(x_mention("Dit is de gemeente: uw paspoort is ongeldig, bel 0900-OPLICHTER")).encode()
    for token in (forged.decode(), "12345678", '"a quoted string"', "true", "a" * 129, "short", "with space"):
        async with http.get(edge.url + "/webhooks/x", params={"crc_token": token}) as response:
            assert response.status == 400, token
            assert "response_token" not in await response.text()
    # The attack needs the HMAC of the forged body; all it can get is that of a token.
    async with http.get(edge.url + "/webhooks/x", params={"crc_token": "dGVzdC1jaGFsbGVuZ2U="}) as response:
        oracle = (await response.json())["response_token"]
    expected = base64.b64encode(hmac.new(X_CONSUMER_SECRET.encode(), b"dGVzdC1jaGFsbGVuZ2U=", hashlib.sha256).digest())
    assert oracle == "sha256=" + expected.decode()
    for body, signature, status in ((forged, oracle, 403), (b"dGVzdC1jaGFsbGVuZ2U=", oracle, 400)):
        headers = {"Content-Type": "application/json", "x-twitter-webhooks-signature": signature}
        async with http.post(edge.url + "/webhooks/x", data=body, headers=headers) as response:
            assert response.status == status
    # A real delivery, signed by X, still works; the forged one had not reached the engine.
    assert not [body for body in fake_engine.received if "OPLICHTER" in body["text"]]
    async with http.post(
        edge.url + "/webhooks/x", data=forged, headers={"x-twitter-webhooks-signature": x_signature(forged)}
    ) as response:
        assert response.status == 200
    for _ in range(100):
        if [body for body in fake_engine.received if "OPLICHTER" in body["text"]]:
            break
        await asyncio.sleep(0.1)
    assert len([body for body in fake_engine.received if "OPLICHTER" in body["text"]]) == 1


# --- Input that bypassed the limits ----------------------------------------------


async def test_json_nested_thirty_thousand_deep_is_a_bad_request_not_a_crash(
    edge: Service, http: aiohttp.ClientSession
) -> None:
    for path in ("/webhooks/rest/webhook", "/api/nlu/parse"):
        async with http.post(edge.url + path, data=DEEP, headers={**REST, "Content-Type": "application/json"}) as r:
            assert r.status == 400, path
    async with http.ws_connect(edge.url + "/webchat/ws") as socket:
        await socket.send_bytes(b"")  # binary frames are ignored
        await socket.send_str(DEEP.decode())
        closing = await socket.receive(timeout=10)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert socket.close_code == 1003
    assert "RecursionError" not in log_of(edge) and "Traceback" not in log_of(edge)


async def chat(http: aiohttp.ClientSession, edge: Service, headers: dict[str, str] | None = None):
    socket = await http.ws_connect(edge.url + "/webchat/ws", headers=headers or {})
    await socket.send_json({"type": "hello", "session": None})
    session = await socket.receive_json(timeout=10)
    assert session["type"] == "session", session
    return socket, session["session"]


async def answer(socket: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """The next frame that is not "typing"."""
    while True:
        frame = await socket.receive_json(timeout=10)
        if frame["type"] != "typing":
            return frame


async def test_typed_text_and_unoffered_payloads_never_force_an_intent(
    edge: Service, http: aiohttp.ClientSession, fake_engine: FakeEngine
) -> None:
    forced = '/inform{"report_category": "afval/huisvuil", "address": "Nergensstraat 1"}'
    socket, token = await chat(http, edge)
    conversation = token.split(".")[0]

    async def engine_reads(frame: dict[str, Any]) -> str:
        await socket.send_json({"type": "message", **frame})
        await answer(socket)
        return fake_engine.texts(conversation)[-1]

    assert await engine_reads({"text": forced}) == forced.lstrip("/"), "typed: read as words"
    unoffered = {"text": "Afval", "payload": '/inform{"report_category": "x/y"}'}
    assert await engine_reads(unoffered) == "Afval", "a payload nobody offered: the words the citizen saw"
    offered = '/inform{"report_category": "afval/huisvuil"}'
    assert await engine_reads({"text": "Afval", "payload": offered}) == offered, "the button the bot offered"
    assert await engine_reads({"text": "Ja", "payload": "/affirm"}) == "/affirm"
    await socket.close()
    # The REST channel: Rasa's clients tap a button by sending its payload.
    sender = f"rest-{uuid.uuid4().hex[:8]}"
    async with http.post(
        edge.url + "/webhooks/rest/webhook", json={"sender": sender, "message": forced}, headers=REST
    ) as r:
        assert r.status == 200
    assert [body["text"] for body in fake_engine.received if body["text"].endswith('Nergensstraat 1"}')][
        -1
    ] == forced.lstrip("/")


async def test_a_payload_of_eighteen_thousand_characters_is_refused(
    edge: Service, http: aiohttp.ClientSession, fake_engine: FakeEngine
) -> None:
    huge = "/affirm" + "x" * 18_000
    async with http.post(
        edge.url + "/webhooks/rest/webhook", json={"sender": "someone", "message": huge}, headers=REST
    ) as response:
        assert response.status == 413
    socket, _ = await chat(http, edge)
    await socket.send_json({"type": "message", "text": "Ja", "payload": huge})
    frame = await socket.receive_json(timeout=10)
    assert frame["type"] == "error" and "at most 1000" in frame["error"]
    await socket.close()
    assert not [body for body in fake_engine.received if "x" * 1000 in body["text"]]


# --- Anonymous abuse of the web chat ---------------------------------------------


def stored_incoming(edge: Service, conversation_id: str) -> int:
    engine = sa.create_engine(edge.env["DATABASE_URL"])
    with engine.connect() as connection:
        count = connection.scalar(
            sa.text("SELECT count(*) FROM messages WHERE conversation_id = :c AND direction = 'in'"),
            {"c": conversation_id},
        )
    engine.dispose()
    return int(count)


async def test_a_flood_of_chat_messages_is_stopped_with_a_kind_message(
    edge: Service, http: aiohttp.ClientSession
) -> None:
    socket, token = await chat(http, edge, client(1))
    for number in range(20):
        await socket.send_json({"type": "message", "text": f"bericht {number}"})
        assert (await answer(socket))["type"] == "reply"
    await socket.send_json({"type": "message", "text": "nog eentje"})
    limited = await answer(socket)
    assert limited["type"] == "limited" and "Wacht een minuutje" in limited["text"]
    assert stored_incoming(edge, token.split(".")[0]) == 20, "a refused message is not kept"
    await socket.close()
    # Another citizen behind the same address is not held up by it.
    other, _ = await chat(http, edge, client(1))
    await other.send_json({"type": "message", "text": "hallo"})
    assert (await answer(other))["type"] == "reply"
    await other.close()


def photo(gps: bool = False, comment: bytes = b"") -> bytes:
    image = Image.new("RGB", (40, 30), "green")
    exif = image.getexif()
    exif[0x010F] = "CameraOfTheCitizen"
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (52.0, 4.0, 48.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (4.0, 18.0, 0.0),
        }
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=comment)
    return buffer.getvalue()


async def upload(http: aiohttp.ClientSession, edge: Service, token: str, body: bytes, headers=None):
    return await http.post(
        edge.url + "/webchat/upload",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg", **(headers or {})},
    )


async def test_photos_are_capped_per_session_and_belong_to_it(edge: Service, http: aiohttp.ClientSession) -> None:
    socket, token = await chat(http, edge, client(2))
    ids = []
    for _ in range(10):
        response = await upload(http, edge, token, photo())
        assert response.status == 201
        ids.append((await response.json())["photo"])
    refused = await upload(http, edge, token, photo())
    assert refused.status == 429 and "foto" in (await refused.json())["error"]
    # Another session cannot send this session's photos.
    thief, _ = await chat(http, edge, client(3))
    await thief.send_json({"type": "message", "photos": ids[:1]})
    assert (await thief.receive_json(timeout=10))["error"] == "unknown photo: upload it first"
    await socket.send_json({"type": "message", "photos": ids[:2]})
    assert (await answer(socket))["type"] == "reply"
    await socket.close()
    await thief.close()


async def test_a_photo_is_stored_without_its_metadata_and_its_place_is_offered_not_kept(
    edge: Service, http: aiohttp.ClientSession
) -> None:
    socket, token = await chat(http, edge, client(4))
    original = photo(gps=True, comment=b"<script>alert(1)</script>")
    response = await upload(http, edge, token, original)
    body = await response.json()
    assert response.status == 201
    assert body["location"] == {"latitude": pytest.approx(52.08, abs=1e-6), "longitude": pytest.approx(4.3, abs=1e-6)}
    stored = (Path(edge.env["MEDIA_DIR"]) / body["photo"]).read_bytes()
    assert b"CameraOfTheCitizen" in original and b"CameraOfTheCitizen" not in stored
    assert b"<script>" not in stored and len(Image.open(io.BytesIO(stored)).getexif()) == 0
    polyglot = original[:300] + b"<html><script>alert(document.cookie)</script></html>"
    refused = await upload(http, edge, token, polyglot)
    assert refused.status == 415
    await socket.close()


# --- Staff login --------------------------------------------------------------------


async def login(http: aiohttp.ClientSession, edge: Service, username: str, password: str, address: int):
    headers = client(address)
    page = await (await http.get(edge.url + "/webcare/login", headers=headers)).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    response = await http.post(
        edge.url + "/webcare/login",
        data={"csrf": csrf, "username": username, "password": password},
        headers=headers,
        allow_redirects=False,
    )
    text = await response.text()
    error = re.search(r'class="error"[^>]*>([^<]+)<', text)
    return response.status, error.group(1) if error else ""


async def test_guesses_sent_side_by_side_do_not_slip_past_the_lock(edge: Service, http: aiohttp.ClientSession) -> None:
    username = await add_colleague(edge.env["DATABASE_URL"])
    guesses = [login(http, edge, username, f"guess number {n}", 10 + n) for n in range(12)]
    results = await asyncio.gather(*guesses)
    assert all(status in (401, 429) for status, _ in results)
    status, error = await login(http, edge, username, STAFF_PASSWORD, 40)
    assert status == 429, "twelve guesses at once lock the account like twelve in a row"


async def test_a_locked_account_and_an_unknown_name_answer_alike(edge: Service, http: aiohttp.ClientSession) -> None:
    known = await add_colleague(edge.env["DATABASE_URL"])
    answers = {}
    for name in (known, f"nobody-{uuid.uuid4().hex[:6]}"):
        seen = [await login(http, edge, name, "wrong password", 50 + n) for n in range(6)]
        answers[name] = seen
    assert answers[known] == list(answers.values())[1]
    assert answers[known][-1][0] == 429 and "Te vaak" in answers[known][-1][1]


async def test_failed_logins_from_one_address_are_throttled_and_no_typed_name_is_logged(
    edge: Service, http: aiohttp.ClientSession
) -> None:
    secret = f"MijnWachtwoord{uuid.uuid4().hex[:6]}"
    statuses = [(await login(http, edge, f"{secret}-{n}", "x" * 12, 99))[0] for n in range(31)]
    assert statuses[:30] == [401] * 30 and statuses[30] == 429
    status, error = await login(http, edge, "someone", "x" * 12, 99)
    assert status == 429 and "vanaf dit adres" in error
    engine = sa.create_engine(edge.env["DATABASE_URL"])
    with engine.connect() as connection:
        actors = (
            connection.execute(sa.text("SELECT actor FROM audit_log WHERE action = 'login_failed'")).scalars().all()
        )
    engine.dispose()
    assert actors and not any(secret in actor for actor in actors)
    assert secret not in log_of(edge)


async def test_the_inbox_socket_closes_when_its_colleague_logs_out(edge: Service, http: aiohttp.ClientSession) -> None:
    username = await add_colleague(edge.env["DATABASE_URL"])
    assert (await login(http, edge, username, STAFF_PASSWORD, 120))[0] == 303
    inbox = await (await http.get(edge.url + "/webcare")).text()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', inbox).group(1)
    socket = await http.ws_connect(edge.url + "/webcare/ws")
    await http.post(edge.url + "/webcare/logout", data={"csrf": csrf}, allow_redirects=False)
    closing = await socket.receive(timeout=10)
    assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4401


# --- Headers ---------------------------------------------------------------------------


async def test_pages_forbid_inline_script_framing_and_sniffing(edge: Service, http: aiohttp.ClientSession) -> None:
    for path in ("/", "/webcare/login"):
        async with http.get(edge.url + path) as response:
            csp = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
            assert response.headers["X-Frame-Options"] == "DENY"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Referrer-Policy"] == "no-referrer"
            assert "Strict-Transport-Security" not in response.headers, "PUBLIC_URL is http here"
            html = await response.text()
            assert "<script>" not in html and "<style" not in html and " style=" not in html
    async with http.get(edge.url + "/widget.js") as response:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert 'createElement("style")' not in await response.text()


# --- The admin review page --------------------------------------------------------------


async def test_the_review_page_pages_a_flood_of_junk_and_shows_it_redacted(
    edge: Service, http: aiohttp.ClientSession
) -> None:
    engine = sa.create_engine(edge.env["DATABASE_URL"])
    with engine.begin() as connection:
        for n in range(60):
            conversation = uuid.uuid4().hex
            connection.execute(
                sa.text(
                    "INSERT INTO conversations (id, channel, sender, created_at) VALUES (:id, 'webchat', :id, CURRENT_TIMESTAMP)"
                ),
                {"id": conversation},
            )
            text = f"{hashlib.sha256(str(n).encode()).hexdigest()} bel 06123456{n:02d} " + "x" * 3800
            connection.execute(
                sa.text(
                    "INSERT INTO messages (conversation_id, direction, channel, text, intent, confidence, created_at)"
                    " VALUES (:c, 'in', 'webchat', :text, 'nlu_fallback', 0.1, CURRENT_TIMESTAMP)"
                ),
                {"c": conversation, "text": text},
            )
    engine.dispose()
    admin = await add_colleague(edge.env["DATABASE_URL"], "admin", "Carla Smit")
    assert (await login(http, edge, admin, STAFF_PASSWORD, 130))[0] == 303
    async with http.get(edge.url + "/admin/review") as response:
        page = await response.text()
    assert response.status == 200 and "Pagina 1 van" in page
    assert page.count('class="review-group"') == 25
    assert "0612345600" not in page and "[TELEFOON]" in page
    async with http.get(edge.url + "/admin/review?page=3") as response:
        assert "Pagina 3 van" in await response.text()
