"""The review queue page: questions the bot did not handle well, grouped, each
to be assigned to an intent, made a new one, called out of scope or dismissed."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.admin.desk import AdminDesk, render
from bot.learning.annotate import Annotation, NewIntent, annotate
from bot.learning.examples import ExampleError
from bot.webcare.staff import StaffSession

REASONS = {
    "fallback": "niet begrepen",
    "low_confidence": "twijfel",
    "handoff": "naar collega",
    "flagged": "door collega gemeld",
}


class ReviewPages:
    def __init__(self, desk: AdminDesk) -> None:
        self._desk = desk

    async def _page(
        self, request: web.Request, session: StaffSession, error: str = "", status: int = 200
    ) -> web.Response:
        try:
            number = int(request.query.get("page", "1"))
        except ValueError:
            number = 1
        review = await self._desk.review.page(number)
        return render(
            "review",
            request,
            session,
            status,
            groups=review.groups,
            page_number=review.number,
            pages=review.pages,
            first=review.first,
            intents=await asyncio.to_thread(self._desk.data.intents),
            reasons=REASONS,
            threshold=self._desk.settings.review_below_confidence,
            done=request.query.get("done", ""),
            error=error,
        )

    async def show(self, request: web.Request, session: StaffSession) -> web.Response:
        return await self._page(request, session)

    async def decide(self, request: web.Request, session: StaffSession) -> web.Response:
        form = await request.post()
        desk = self._desk
        group = await desk.review.group(str(form.get("key", "")))
        if group is None:
            return await self._page(request, session, "Deze vraag staat niet (meer) in de rij.", 404)
        decision = str(form.get("decision", ""))
        new_intent = (
            NewIntent(
                str(form.get("new_name", "")).strip(),
                str(form.get("new_title", "")),
                str(form.get("new_answer", "")),
                str(form.get("new_short", "")),
            )
            if decision == "new_intent"
            else None
        )
        try:
            intent = await annotate(
                desk.review,
                desk.data,
                desk.audit,
                group,
                Annotation(decision, str(form.get("intent", "")) or None, new_intent),
                session.member.username,
                session.member.id,
            )
        except ExampleError as error:
            return await self._page(request, session, str(error), 400)
        raise web.HTTPSeeOther(f"/admin/review?done={intent or 'genegeerd'}")
