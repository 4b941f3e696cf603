"""Random and malformed bodies thrown at the inbox API of a real gateway: clear
4xx errors, never a 500, never a hang."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import REST_TOKEN
from tests.support import STAFF_PASSWORD, Service, add_colleague

pytestmark = pytest.mark.integration

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
BODIES = JSON.map(lambda value: json.dumps(value).encode()) | st.binary(max_size=200)
ACTIONS = st.sampled_from(["claim", "transfer", "reply", "notes", "close"])


@dataclass
class LoggedIn:
    opener: urllib.request.OpenerDirector
    csrf: str
    base: str


def _status(opener: urllib.request.OpenerDirector, request: urllib.request.Request) -> tuple[int, bytes]:
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def colleague(gateway: Service) -> LoggedIn:
    username = asyncio.run(add_colleague(gateway.env["DATABASE_URL"]))
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(gateway.url + "/webcare/login").read().decode()
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf": token, "username": username, "password": STAFF_PASSWORD}).encode()
    inbox = opener.open(gateway.url + "/webcare/login", data=form).read().decode()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', inbox).group(1)
    sender = f"fuzz-{uuid.uuid4().hex[:8]}"
    request = urllib.request.Request(
        gateway.url + "/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": "ik wil een medewerker spreken"}).encode(),
        headers={"Authorization": f"Bearer {REST_TOKEN}"},
    )
    opener.open(request).read()
    queue = json.loads(opener.open(gateway.url + "/webcare/api/queue").read())
    conversation = queue["waiting"][-1]["conversation_id"]
    return LoggedIn(opener, csrf, f"{gateway.url}/webcare/api/conversations/{conversation}")


@settings(deadline=None)
@given(action=ACTIONS, body=BODIES)
def test_random_bodies_get_a_clear_answer(colleague: LoggedIn, action: str, body: bytes) -> None:
    request = urllib.request.Request(
        f"{colleague.base}/{action}",
        data=body,
        headers={"X-CSRF-Token": colleague.csrf, "Content-Type": "application/json"},
        method="POST",
    )
    status, answer = _status(colleague.opener, request)
    assert status < 500, answer
    assert status == 200 or "error" in json.loads(answer)
