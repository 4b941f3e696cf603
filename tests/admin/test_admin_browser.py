"""The admin pages in headless Chromium against the real gateway: the review
queue, the KPI charts with data, and agents kept out."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from playwright.async_api import Browser, expect

from bot.store import Database
from tests.history import PastConversation, Turn, write_history
from tests.support import Service
from tests.channels.test_browser import assert_accessible
from tests.webcare.test_webcare_browser import log_in, new_colleague

pytestmark = [pytest.mark.integration, pytest.mark.browser]


async def logged(gateway: Service, text: str, **conversation) -> None:
    database = Database(gateway.env["DATABASE_URL"])
    try:
        await write_history(
            database,
            PastConversation(
                "telegram",
                datetime.now(timezone.utc) - timedelta(minutes=5),
                [Turn(text, "nlu_fallback", 0.18), Turn("paspoort verlengen", "passport_renewal", 0.97)],
                **conversation,
            ),
        )
    finally:
        await database.close()


async def test_an_admin_works_through_the_review_queue(browser: Browser, gateway: Service) -> None:
    question = f"Mag mijn kangoeroe mee naar de kermis, bel 0612345678 ({uuid.uuid4().hex[:6]})"
    await logged(gateway, question)
    page = await (await browser.new_context()).new_page()
    await log_in(page, gateway, await new_colleague(gateway, "admin"))
    await page.get_by_role("link", name="Vragen om te leren").click()
    shown = question.replace("0612345678", "[TELEFOON]")
    group = page.locator(".review-group").filter(has_text=shown)
    await expect(group).to_contain_text("de bot dacht: nlu_fallback")
    await expect(page.get_by_text("0612345678")).to_have_count(0)
    await assert_accessible(page)
    await group.get_by_label("Negeren").check()
    await group.get_by_role("button", name="Opslaan").click()
    await expect(page.get_by_role("status")).to_contain_text("Opgeslagen")
    await expect(page.locator(".review-group").filter(has_text=shown)).to_have_count(0)


async def test_the_kpi_page_draws_its_charts_from_the_conversations(browser: Browser, gateway: Service) -> None:
    await logged(
        gateway,
        "wat is dit voor iets",
        handoff={
            "reason": "complaint",
            "first_reply_after": timedelta(minutes=3),
            "resolved_after": timedelta(minutes=9),
            "rating": 4,
        },
    )
    page = await (await browser.new_context()).new_page()
    await log_in(page, gateway, await new_colleague(gateway, "admin"))
    await page.get_by_role("link", name="Cijfers").click()
    await expect(page.get_by_role("heading", name="Wat de bot en het team bereiken")).to_be_visible()
    assert await page.locator("svg.columns rect").count() > 0
    topics = page.locator("figure").filter(has=page.locator("figcaption", has_text="Onderwerpen"))
    assert await topics.locator("svg rect").count() > 0
    await expect(topics.locator("svg")).to_contain_text("Paspoort")
    await expect(page.locator(".tiles")).to_contain_text("Berichten zonder antwoord")
    await assert_accessible(page)
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Download als CSV").click()
    assert (await download.value).suggested_filename.startswith("dorpspomp-kpi-")


async def test_an_agent_sees_no_admin_pages_and_cannot_open_them(browser: Browser, gateway: Service) -> None:
    page = await (await browser.new_context()).new_page()
    await log_in(page, gateway, await new_colleague(gateway))
    for link in ("Vragen om te leren", "Trainen", "Cijfers", "Auditlog"):
        await expect(page.get_by_role("link", name=link)).to_have_count(0)
    for path in ("/admin/review", "/admin/training", "/admin/kpi", "/admin/audit"):
        response = await page.goto(gateway.url + path)
        assert response is not None and response.status == 403, path
