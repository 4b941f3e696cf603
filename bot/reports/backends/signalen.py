"""Signalen (signalen.org), the open-source reports system of Dutch municipalities,
through its public API: create, add a photo, read the status."""

from __future__ import annotations

import re
from typing import Any, Optional

import aiohttp

from bot.reports.backends.base import BackendError, BackendStatus, HttpBackend, Photo
from bot.reports.store import Report

MAX_TEXT = 3000  # Signalen refuses longer texts
# Signalen's state codes (signals.apps.signals.workflow) in our five words.
STATES = {
    "m": "ontvangen",
    "i": "ontvangen",
    "b": "in_behandeling",
    "h": "in_behandeling",
    "reopened": "in_behandeling",
    "ingepland": "ingepland",
    "o": "afgehandeld",
    "a": "geannuleerd",
}
STREET_AND_NUMBER = re.compile(r"^(?P<street>.*?)\s+(?P<number>\d+)(?P<letter>[a-zA-Z]?)$")


def _text(report: Report) -> str:
    suffix = f"\n\n(Melding via Dorpspomp, {report.reference})"
    description = report.description
    if len(description) + len(suffix) > MAX_TEXT:
        description = description[: MAX_TEXT - len(suffix) - 1] + "…"
    return description + suffix


def _address(report: Report, municipality: str) -> dict[str, Any]:
    address: dict[str, Any] = {"woonplaats": municipality}
    match = STREET_AND_NUMBER.match(report.address or "")
    if match:
        address.update(openbare_ruimte=match["street"], huisnummer=int(match["number"]))
        if match["letter"]:
            address["huisletter"] = match["letter"].upper()
    elif report.address:
        address["openbare_ruimte"] = report.address
    return address


class SignalenBackend(HttpBackend):
    def __init__(self, base_url: str, municipality: str) -> None:
        super().__init__(base_url)
        self.municipality = municipality.removeprefix("Gemeente ").strip()

    def payload(self, report: Report) -> dict[str, Any]:
        main, sub = report.service_code.split("/", 1)
        reporter: dict[str, Any] = {"sharing_allowed": False}
        if report.contact_email:
            reporter["email"] = report.contact_email
        if report.contact_phone:
            reporter["phone"] = report.contact_phone
        assert report.created_at is not None
        return {
            "text": _text(report),
            "location": {
                # GeoJSON order: longitude first.
                "geometrie": {"type": "Point", "coordinates": [report.longitude, report.latitude]},
                "address": _address(report, self.municipality),
            },
            "category": {
                "sub_category": f"{self.base_url}/signals/v1/public/terms/categories/{main}/sub_categories/{sub}"
            },
            "reporter": reporter,
            "incident_date_start": report.created_at.isoformat(),
        }

    async def create(self, report: Report) -> str:
        answer = await self.request("POST", "/signals/v1/public/signals/", json=self.payload(report))
        signal_id = (answer or {}).get("signal_id")
        if not signal_id:
            raise BackendError("Signalen created the report but sent no signal_id", retryable=False)
        return str(signal_id)

    async def attach(self, external_id: str, photo: Photo) -> None:
        form = aiohttp.FormData()
        form.add_field("file", photo.data, filename=photo.name, content_type=photo.mime_type)
        await self.request("POST", f"/signals/v1/public/signals/{external_id}/attachments/", data=form)

    async def status(self, external_id: str) -> BackendStatus:
        answer = await self.request("GET", f"/signals/v1/public/signals/{external_id}/") or {}
        status: dict[str, Any] = answer.get("status") or {}
        notes: Optional[str] = status.get("text") or None
        return BackendStatus(STATES.get(str(status.get("state")), "in_behandeling"), notes)
