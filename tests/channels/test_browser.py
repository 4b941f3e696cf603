"""The widget on the demo page, in a real headless Chromium driven by Playwright."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from axe_playwright_python.async_playwright import Axe
from PIL import Image
from playwright.async_api import Browser, Page, expect

from tests.support import Service, free_port

pytestmark = [pytest.mark.integration, pytest.mark.browser]

LAUNCHER = "Chat met Voorbeeldstad"


async def assert_accessible(page: Page) -> None:
    results = await Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


async def open_chat(page: Page, gateway: Service) -> None:
    await page.goto(gateway.url + "/")
    await page.get_by_role("button", name=LAUNCHER).click()


async def ask(page: Page, text: str) -> None:
    await page.get_by_label("Je bericht").fill(text)
    await page.keyboard.press("Enter")


async def test_citizen_asks_about_an_urgent_passport_and_keeps_the_conversation(
    browser: Browser, gateway: Service
) -> None:
    page = await browser.new_page()
    await page.goto(gateway.url + "/")
    await assert_accessible(page)

    await page.get_by_role("button", name=LAUNCHER).click()
    await expect(page.get_by_role("dialog", name=LAUNCHER)).to_be_visible()
    await ask(page, "mijn paspoort is verlopen en ik vlieg overmorgen")
    answer = page.locator(".dp-bot").filter(has_text="spoed")
    await expect(answer.first).to_be_visible(timeout=30_000)
    # In time for a spoedaanvraag (an appointment) or not (the Marechaussee's
    # emergency document): that depends on today's date; either answer links on.
    await expect(answer.first.locator("a").first).to_have_attribute(
        "href", re.compile(r"^https://www\.(voorbeeldstad\.nl/afspraak|marechaussee\.nl/nooddocument)$")
    )
    await assert_accessible(page)

    await page.reload()
    await page.get_by_role("button", name=LAUNCHER).click()
    await expect(page.locator(".dp-citizen").filter(has_text="ik vlieg overmorgen")).to_be_visible()
    await expect(page.locator(".dp-bot").filter(has_text="spoed").first).to_be_visible()

    await page.keyboard.press("Escape")
    await expect(page.get_by_role("dialog", name=LAUNCHER)).to_be_hidden()
    assert await page.evaluate("document.activeElement.textContent") == LAUNCHER


WELCOME_TOPICS = [
    "Paspoort of ID-kaart",
    "Verhuizing doorgeven",
    "Afvalkalender",
    "Iets melden op straat",
    "Wegwerkzaamheden",
    "Openingstijden en contact",
]


async def test_the_chat_opens_with_a_welcome_read_out_once(browser: Browser, gateway: Service) -> None:
    # The welcome follows the browser's language; CI's Chromium says en-US unless told.
    page = await browser.new_page(locale="nl-NL")
    await open_chat(page, gateway)
    welcome = page.locator(".dp-bot").filter(has_text="Je praat met een digitale assistent")
    await expect(welcome).to_have_count(1)
    await expect(welcome).to_contain_text("Hoi, welkom bij de chat van de gemeente Voorbeeldstad!")
    await expect(welcome.get_by_role("link")).to_have_attribute("href", "https://www.voorbeeldstad.nl/privacy-chat")
    await expect(welcome.get_by_role("button")).to_have_text(WELCOME_TOPICS)
    announced = page.locator(".dp-announcer p")
    await expect(announced).to_have_count(1)
    await expect(announced).to_contain_text("Gemeente: Hoi, welkom bij de chat")
    await assert_accessible(page)

    await welcome.get_by_role("button", name="Openingstijden en contact").click()
    answer = page.locator(".dp-bot").filter(has_text="14 0123")
    await expect(answer).to_be_visible(timeout=30_000)
    await expect(announced).to_have_count(2)

    # Back on the page: the same conversation, drawn again, nothing read out again.
    await page.reload()
    await page.get_by_role("button", name=LAUNCHER).click()
    await expect(answer).to_be_visible()
    await expect(welcome).to_have_count(1)
    await expect(page.locator(".dp-announcer p")).to_have_count(0)


async def test_an_english_browser_is_welcomed_in_english(browser: Browser, gateway: Service) -> None:
    page = await browser.new_page(locale="en-GB")
    await open_chat(page, gateway)
    welcome = page.locator(".dp-bot").filter(has_text="You're talking to a digital assistant")
    await expect(welcome).to_have_count(1)
    await expect(welcome.get_by_role("link")).to_have_attribute("href", "https://www.voorbeeldstad.nl/privacy-chat")
    await expect(welcome.get_by_role("button", name="Report a problem in the street")).to_be_visible()
    await expect(page.locator(".dp-bot").filter(has_text="Je praat met")).to_have_count(0)


async def test_on_a_phone_the_chat_fills_the_screen_with_icons_that_need_no_emoji_font(
    browser: Browser, gateway: Service
) -> None:
    phone = await browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = await phone.new_page()
    await open_chat(page, gateway)
    panel = page.get_by_role("dialog", name=LAUNCHER)
    await expect(panel).to_be_visible()
    assert await panel.bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 844}
    field = await page.get_by_label("Je bericht").bounding_box()
    assert field is not None and field["width"] >= 360, field  # a row of its own
    for name in ("Foto toevoegen", "Mijn locatie delen"):
        tool = page.get_by_role("button", name=name)
        await expect(tool.locator("svg")).to_have_count(1)
        assert not re.search("[\U0001f300-\U0001faff]", await tool.text_content() or "")
    await assert_accessible(page)


async def test_markup_from_the_citizen_is_shown_as_text(browser: Browser, gateway: Service) -> None:
    page = await browser.new_page()
    await open_chat(page, gateway)
    payload = '<img src=x onerror="window.__owned=1"><script>window.__owned=2</script>'
    await ask(page, payload)
    await expect(page.locator(".dp-citizen").filter(has_text=payload)).to_be_visible()
    await expect(page.locator(".dp-bot").last).to_be_visible(timeout=30_000)
    assert await page.evaluate("window.__owned") is None
    assert await page.locator(".dp-log img").count() == 0


# The server's first frame (the session) arrives late, as on a slow connection.
SLOW_SESSION = """
const Native = window.WebSocket;
window.WebSocket = function (url) {
  const socket = new Native(url);
  const add = socket.addEventListener.bind(socket);
  let first = true;
  socket.addEventListener = (type, listener) => add(type, type !== "message" ? listener : (event) => {
    if (first) { first = false; setTimeout(() => listener(event), 1500); } else { listener(event); }
  });
  return socket;
};
window.WebSocket.OPEN = Native.OPEN;
"""


async def test_a_message_typed_while_connecting_stays_in_the_log(browser: Browser, gateway: Service) -> None:
    page = await browser.new_page()
    await page.add_init_script(SLOW_SESSION)
    await open_chat(page, gateway)
    await ask(page, "hallo, ben ik te snel?")
    await expect(page.locator(".dp-bot").last).to_be_visible(timeout=30_000)
    await expect(page.locator(".dp-citizen").filter(has_text="hallo, ben ik te snel?")).to_have_count(1)


async def test_buttons_answer_with_a_tap(browser: Browser, gateway: Service) -> None:
    page = await browser.new_page()
    await open_chat(page, gateway)
    await ask(page, "hallo")
    # Answered: a bot message after the welcome the chat opened with.
    await expect(page.locator(".dp-bot").nth(1)).to_be_visible(timeout=30_000)
    await ask(page, "qwrtpz xlkj vbnm")
    fallback = page.locator(".dp-bot").filter(has_text=re.compile("begrijp|snap"))
    await expect(fallback).to_be_visible(timeout=30_000)
    # Only the newest answer keeps its buttons; tap the one the fallback offers.
    button = fallback.get_by_role("button", name="Wegwerkzaamheden")
    await button.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator(".dp-citizen").filter(has_text="Wegwerkzaamheden")).to_be_visible()
    await expect(page.locator(".dp-bot").filter(has_text="omrijdt").first).to_be_visible(timeout=30_000)


async def test_a_report_with_a_photo_and_a_shared_location(browser: Browser, gateway: Service, tmp_path: Path) -> None:
    context = await browser.new_context(
        geolocation={"latitude": 52.2004, "longitude": 5.8993}, permissions=["geolocation"]
    )
    page = await context.new_page()
    await open_chat(page, gateway)
    await ask(page, "er ligt een losse stoeptegel op de stoep")
    await expect(page.locator(".dp-bot").filter(has_text=re.compile("Waar|welke plek")).last).to_be_visible(
        timeout=30_000
    )
    await assert_accessible(page)

    await page.get_by_role("button", name="Mijn locatie delen").click()
    await expect(page.locator(".dp-citizen").filter(has_text="Locatie gedeeld")).to_be_visible()
    await expect(page.locator(".dp-bot").filter(has_text="foto").last).to_be_visible(timeout=30_000)

    photo = tmp_path / "tegel.png"
    Image.new("RGB", (32, 32), "gray").save(photo)
    async with page.expect_file_chooser() as chooser:
        await page.get_by_role("button", name="Foto toevoegen").click()
    await (await chooser.value).set_files(photo)
    await expect(page.locator(".dp-citizen").filter(has_text="Foto verstuurd")).to_be_visible()
    await expect(page.locator(".dp-bot").filter(has_text="e-mail").last).to_be_visible(timeout=30_000)
    await page.locator(".dp-bot").last.get_by_role("button", name="Anoniem melden").click()
    summary = page.locator(".dp-bot").filter(has_text="Klopt dit?").last
    await expect(summary).to_contain_text("in de buurt van")
    await expect(summary).to_contain_text("1 foto")
    await summary.get_by_role("button", name="Ja, versturen").click()
    await expect(page.locator(".dp-bot").filter(has_text=re.compile(r"M-\d{4}-\d{6}")).first).to_be_visible(
        timeout=30_000
    )
    await assert_accessible(page)

    await page.reload()
    await page.get_by_role("button", name=LAUNCHER).click()
    await expect(page.locator(".dp-citizen").filter(has_text="Foto verstuurd")).to_be_visible()
    await expect(page.locator(".dp-citizen").filter(has_text="Locatie gedeeld")).to_be_visible()
    await context.close()


async def test_a_fake_photo_is_refused_with_a_clear_message(browser: Browser, gateway: Service, tmp_path: Path) -> None:
    page = await browser.new_page()
    await open_chat(page, gateway)
    await ask(page, "hallo")
    # Answered: a bot message after the welcome the chat opened with.
    await expect(page.locator(".dp-bot").nth(1)).to_be_visible(timeout=30_000)
    fake = tmp_path / "foto.jpg"
    fake.write_bytes(b"\xff\xd8\xff\xe0 dit is geen foto" * 20)
    async with page.expect_file_chooser() as chooser:
        await page.get_by_role("button", name="Foto toevoegen").click()
    await (await chooser.value).set_files(fake)
    await expect(page.get_by_role("status")).to_contain_text("geen foto", timeout=10_000)
    await expect(page.locator(".dp-citizen").filter(has_text="Foto verstuurd")).to_have_count(0)


async def test_the_widget_works_on_a_host_page_whose_policy_allows_only_our_origin(
    browser: Browser, gateway: Service
) -> None:
    """The directives the README tells a municipality to add, and nothing else:
    our origin for the script and the connections, no style-src at all, no
    'unsafe-inline'. The widget loads, is styled, chats."""
    origin = gateway.url
    policy = f"default-src 'none'; script-src {origin}; connect-src {origin} {origin.replace('http://', 'ws://')}"
    host_page = f"""<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Gemeente</title></head>
<body><h1>Gemeente</h1><script src="{origin}/widget.js" data-title="{LAUNCHER}" async></script></body></html>"""

    async def page_handler(request: web.Request) -> web.Response:
        return web.Response(text=host_page, content_type="text/html", headers={"Content-Security-Policy": policy})

    app = web.Application()
    app.add_routes([web.get("/", page_handler)])
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        page = await browser.new_page()
        violations: list[str] = []
        page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        await page.goto(f"http://127.0.0.1:{port}/")
        launcher = page.get_by_role("button", name=LAUNCHER)
        await expect(launcher).to_be_visible()
        await expect(launcher).to_have_css("background-color", "rgb(11, 83, 148)")
        await launcher.click()
        await ask(page, "hoe laat is het gemeentehuis open?")
        await expect(page.locator(".dp-bot").last).to_be_visible(timeout=30_000)
        assert violations == []
    finally:
        await runner.cleanup()


async def test_a_message_the_server_never_confirmed_is_sent_again_and_shown_once(
    browser: Browser, gateway: Service
) -> None:
    """What the widget sent when the connection dropped (or the page closed)
    before the server's ack is sent again on the next visit, and answered."""
    page = await browser.new_page()
    await page.goto(gateway.url + "/")
    key = f"dorpspomp:{urlsplit(gateway.url).netloc}:unconfirmed"
    unconfirmed = [{"type": "message", "id": "0123456789abcdef0123456789abcdef", "text": "wat kost een paspoort?"}]
    await page.evaluate("([key, value]) => localStorage.setItem(key, value)", [key, json.dumps(unconfirmed)])
    await page.reload()
    await page.get_by_role("button", name=LAUNCHER).click()
    question = page.locator(".dp-citizen").filter(has_text="wat kost een paspoort?")
    await expect(question).to_have_count(1)
    await expect(page.locator(".dp-bot").filter(has_text="84,45").first).to_be_visible(timeout=30_000)
    await page.wait_for_function("(key) => localStorage.getItem(key) === '[]'", arg=key)

    await page.reload()
    await page.get_by_role("button", name=LAUNCHER).click()
    await expect(page.locator(".dp-bot").filter(has_text="84,45").first).to_be_visible()
    await expect(question).to_have_count(1)
