"""The widget on the demo page, in a real headless Chromium driven by Playwright."""
from __future__ import annotations

import re
from typing import AsyncIterator

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.support import Service

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LAUNCHER = "Chat met Voorbeeldstad"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        await browser.close()


async def assert_accessible(page: Page) -> None:
    results = await Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


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
    await expect(page.locator(".dp-bot a").first).to_have_attribute("href", "https://www.voorbeeldstad.nl/afspraak")
    await assert_accessible(page)

    await page.reload()
    await page.get_by_role("button", name=LAUNCHER).click()
    await expect(page.locator(".dp-citizen").filter(has_text="ik vlieg overmorgen")).to_be_visible()
    await expect(page.locator(".dp-bot").filter(has_text="spoed").first).to_be_visible()

    await page.keyboard.press("Escape")
    await expect(page.get_by_role("dialog", name=LAUNCHER)).to_be_hidden()
    assert await page.evaluate("document.activeElement.textContent") == LAUNCHER


async def test_markup_from_the_citizen_is_shown_as_text(browser: Browser, gateway: Service) -> None:
    page = await browser.new_page()
    await page.goto(gateway.url + "/")
    await page.get_by_role("button", name=LAUNCHER).click()
    payload = '<img src=x onerror="window.__owned=1"><script>window.__owned=2</script>'
    await ask(page, payload)
    await expect(page.locator(".dp-citizen").filter(has_text=payload)).to_be_visible()
    await expect(page.locator(".dp-bot").last).to_be_visible(timeout=30_000)
    assert await page.evaluate("window.__owned") is None
    assert await page.locator(".dp-log img").count() == 0


async def test_buttons_answer_with_a_tap(browser: Browser, gateway: Service) -> None:
    page = await browser.new_page()
    await page.goto(gateway.url + "/")
    await page.get_by_role("button", name=LAUNCHER).click()
    await ask(page, "hallo")
    await expect(page.locator(".dp-bot")).not_to_have_count(0, timeout=30_000)
    await ask(page, "qwrtpz xlkj vbnm")
    fallback = page.locator(".dp-bot").filter(has_text=re.compile("begrijp|snap"))
    await expect(fallback).to_be_visible(timeout=30_000)
    # Only the newest answer keeps its buttons; tap the one the fallback offers.
    button = fallback.get_by_role("button", name="Wegwerkzaamheden")
    await button.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator(".dp-citizen").filter(has_text="Wegwerkzaamheden")).to_be_visible()
    await expect(page.locator(".dp-bot").filter(has_text="omrijdt").first).to_be_visible(timeout=30_000)
