"""Current road works, from a GeoJSON feed (a FeatureCollection).

Each feature's properties::

    street: Westerstraat        # the street as citizens name it
    what: vervanging van de riolering
    from: 2026-11-02            # optional
    until: 2026-12-18           # optional: "until further notice" when absent
    detour: Volg de gele borden via de Parkweg en de Singel.
    url: https://…              # optional, more about this work
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Optional


@dataclass(frozen=True)
class RoadWork:
    street: str
    what: str
    detour: str
    start: Optional[date] = None
    until: Optional[date] = None
    url: str = ""

    def current(self, today: date) -> bool:
        return (self.start is None or self.start <= today) and (self.until is None or today <= self.until)

    def on(self, text: str) -> bool:
        """Whether ``text`` names this work's street (whole words, any case)."""
        return re.search(rf"\b{re.escape(self.street)}\b", text, re.IGNORECASE) is not None


def _date(value: Any, where: str) -> Optional[date]:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not a date like 2026-12-18") from None


def parse_roadworks(raw: bytes) -> tuple[RoadWork, ...]:
    data = json.loads(raw)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValueError("road works feed is no GeoJSON FeatureCollection")
    works = []
    for number, feature in enumerate(data.get("features") or ()):
        properties = (feature or {}).get("properties") or {}
        where = f"feature {number}"
        if not properties.get("street") or not properties.get("what"):
            raise ValueError(f"{where} needs the properties 'street' and 'what'")
        works.append(
            RoadWork(
                street=str(properties["street"]),
                what=str(properties["what"]),
                detour=str(properties.get("detour") or ""),
                start=_date(properties.get("from"), where),
                until=_date(properties.get("until"), where),
                url=str(properties.get("url") or ""),
            )
        )
    return tuple(works)


def works_named(works: Iterable[RoadWork], text: str, today: date) -> list[RoadWork]:
    """The current works on a street that ``text`` names."""
    return [work for work in works if work.current(today) and work.on(text)]
