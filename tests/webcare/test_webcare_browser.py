"""The hand-off seen by both people, each in their own headless Chromium: a citizen
in the widget and a colleague in the webcare inbox."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from tests.channels.test_browser import LAUNCHER, ask, assert_accessible
from tests.support import STAFF_PASSWORD, Service, add_colleague

pytestmark = [pytest.mark.integration, pytest.mark.browser]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MARKUP = '<img src=x onerror="window.__owned=1"><script>window.__owned=2</script>'


async def new_colleague(gateway: Service, role: str = "agent") -> str:
    return await add_colleague(gateway.env["DATABASE_URL"], role)


async def log_in(page: Page, gateway: Service, username: str) -> None:
    await page.goto(gateway.url + "/webcare")
    await expect(page.get_by_role("heading", name="Inloggen voor webcare")).to_be_visible()
    await assert_accessible(page)
    await page.get_by_label("Gebruikersnaam").fill(username)
    await page.get_by_label("Wachtwoord").fill(STAFF_PASSWORD)
    await page.get_by_role("button", name="Inloggen").click()
    await expect(page.get_by_role("status")).to_have_text("Live bijgewerkt")


async def test_a_colleague_takes_over_from_the_bot_and_hands_back(browser: Browser, gateway: Service) -> None:
    # The colleague's computer keeps UTC; the inbox still shows the municipality's time.
    agent = await (await browser.new_context(timezone_id="UTC")).new_page()
    await log_in(agent, gateway, await new_colleague(gateway))
    await assert_accessible(agent)

    citizen = await (await browser.new_context()).new_page()
    await citizen.goto(gateway.url + "/")
    await citizen.get_by_role("button", name=LAUNCHER).click()
    await ask(citizen, "ik wil graag een medewerker spreken")
    await expect(citizen.locator(".dp-bot").filter(has_text="collega").first).to_be_visible(timeout=30_000)
    session = await citizen.evaluate(
        "(host) => localStorage.getItem('dorpspomp:' + host)", urlsplit(gateway.url).netloc
    )
    conversation = session.split(".")[0]

    # It appears in the colleague's queue without a reload.
    waiting = agent.locator("#waiting").get_by_role("link").and_(agent.locator(f'[href="#c={conversation}"]'))
    await expect(waiting).to_be_visible(timeout=10_000)
    await waiting.click()
    await expect(agent.locator("#history")).to_contain_text("ik wil graag een medewerker spreken")
    await expect(agent.locator("#history")).to_contain_text("bot begreep: human_handoff")
    view = await agent.evaluate(f"fetch('/webcare/api/conversations/{conversation}').then(r => r.json())")
    sent = datetime.fromisoformat(view["messages"][0]["created_at"])
    said = await agent.locator("#history .from-citizen .meta").first.inner_text()
    assert f"{sent.astimezone(AMSTERDAM):%H:%M}" in said and f"{sent.astimezone(timezone.utc):%H:%M}" not in said
    await agent.get_by_role("button", name="Overnemen").click()
    await expect(agent.get_by_role("button", name="Terug naar de bot")).to_be_visible()
    await assert_accessible(agent)

    await agent.get_by_label("Antwoord aan de inwoner").fill("Hoi, ik ben Anna. Waarmee kan ik je helpen?")
    await agent.get_by_role("button", name="Versturen").click()
    await expect(citizen.locator(".dp-bot").filter(has_text="Waarmee kan ik je helpen? ^AK")).to_be_visible(
        timeout=10_000
    )

    # Markup a citizen types is text in the inbox; nothing runs.
    await ask(citizen, MARKUP)
    await expect(citizen.get_by_text("Je bericht is doorgegeven aan onze collega.")).to_be_visible()
    await expect(agent.locator("#history .from-citizen").filter(has_text=MARKUP)).to_be_visible(timeout=10_000)
    assert await agent.evaluate("window.__owned") is None
    assert await agent.locator("#history img").count() == 0

    await agent.get_by_role("button", name="Terug naar de bot").click()
    await expect(citizen.locator(".dp-bot").filter(has_text="digitale assistent").last).to_be_visible(timeout=10_000)
    rating = citizen.locator(".dp-bot").filter(has_text="Hoe tevreden").last
    await rating.get_by_role("button", name="5").click()
    await expect(citizen.locator(".dp-bot").filter(has_text=re.compile("cijfer|moeite")).last).to_be_visible(
        timeout=30_000
    )
    await ask(citizen, "wat kost een paspoort?")
    await expect(citizen.locator(".dp-bot").filter(has_text="84,45").last).to_be_visible(timeout=30_000)

    resolved = agent.locator("#resolved").locator(f'[href="#c={conversation}"]')
    await expect(resolved).to_be_visible(timeout=10_000)


async def test_an_agent_cannot_open_the_admin_pages(browser: Browser, gateway: Service) -> None:
    page = await browser.new_page()
    await log_in(page, gateway, await new_colleague(gateway))
    await expect(page.get_by_role("link", name="Standaardantwoorden")).to_have_count(0)
    response = await page.goto(gateway.url + "/webcare/canned")
    assert response.status == 403
    admin = await (await browser.new_context()).new_page()
    await log_in(admin, gateway, await new_colleague(gateway, "admin"))
    await admin.get_by_role("link", name="Standaardantwoorden").click()
    await admin.get_by_label("Titel").last.fill("Groet")
    await admin.get_by_label("Tekst").last.fill("Hoi {first_name}, je spreekt met {agent_name}.")
    await admin.get_by_role("button", name="Toevoegen").click()
    await expect(admin.get_by_label("Titel").first).to_have_value("Groet")
    await assert_accessible(admin)
