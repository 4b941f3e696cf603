"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): POST requests.json,
GET requests/{id}.json."""

from __future__ import annotations

from typing import Any, Optional

from bot.reports.backends.base import BackendError, BackendStatus, HttpBackend, Photo
from bot.reports.store import Report

TOKEN_PREFIX = "token:"


def _first(answer: Any) -> dict[str, Any]:
    # GeoReport answers are lists, even for one request.
    if isinstance(answer, list) and answer and isinstance(answer[0], dict):
        return answer[0]
    raise BackendError(f"unexpected Open311 answer: {str(answer)[:200]}", retryable=False)


class Open311Backend(HttpBackend):
    def __init__(self, base_url: str, api_key: Optional[str]) -> None:
        super().__init__(base_url)
        self.api_key = api_key

    def form(self, report: Report) -> dict[str, str]:
        fields = {
            "service_code": report.service_code,
            "description": report.description,
            "lat": str(report.latitude),
            "long": str(report.longitude),
            "address_string": report.address or "",
            "attribute[reference]": report.reference,
        }
        if self.api_key:
            fields["api_key"] = self.api_key
        if report.contact_email:
            fields["email"] = report.contact_email
        if report.contact_phone:
            fields["phone"] = report.contact_phone
        return fields

    async def create(self, report: Report) -> str:
        created = _first(await self.request("POST", "/requests.json", data=self.form(report)))
        if created.get("service_request_id"):
            return str(created["service_request_id"])
        if created.get("token"):
            # The server makes the request later; the token leads to its id.
            return TOKEN_PREFIX + str(created["token"])
        raise BackendError("Open311 answered without service_request_id or token", retryable=False)

    async def attach(self, external_id: str, photo: Photo) -> None:
        # GeoReport v2 takes photos only as a public media_url; Dorpspomp does not
        # publish citizens' photos, so they stay with the report in Dorpspomp.
        return None

    async def status(self, external_id: str) -> BackendStatus:
        request_id = external_id
        if external_id.startswith(TOKEN_PREFIX):
            token = _first(await self.request("GET", f"/tokens/{external_id[len(TOKEN_PREFIX) :]}.json"))
            if not token.get("service_request_id"):
                return BackendStatus("ontvangen", None)
            request_id = str(token["service_request_id"])
        request = _first(await self.request("GET", f"/requests/{request_id}.json"))
        status = (
            "afgehandeld"
            if request.get("status") == "closed"
            else ("in_behandeling" if request.get("status_notes") else "ontvangen")
        )
        return BackendStatus(status, request.get("status_notes") or None)
