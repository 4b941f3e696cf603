"""The waste collection calendar: which container goes out when, by postcode.

``content/waste.yml``::

    streams:
      gft:
        name: GFT (groene container)
        words: [gft, groene, tuinafval]      # how citizens name it
    areas:
      - name: Noord
        postcodes: ["7311-7319"]             # ranges of the four digits
        collections:
          gft: {rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", from: 2026-01-05}
    moved:                                    # collections moved for a holiday
      2026-12-25: 2026-12-28

Rules are iCalendar RRULEs (RFC 5545), read with python-dateutil.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Mapping, Optional

from dateutil.rrule import rrule, rrulestr

from bot.yaml_files import parse_yaml

POSTCODE = re.compile(r"\b([1-9][0-9]{3})\s?([A-Za-z]{2})\b")
# How far ahead a collection is looked for.
HORIZON_DAYS = 120


def find_postcode(text: str) -> Optional[str]:
    """ "7311 AB" from any way of writing it ("7311ab", "7311 ab")."""
    match = POSTCODE.search(text)
    return f"{match.group(1)} {match.group(2).upper()}" if match else None


@dataclass(frozen=True)
class Stream:
    code: str
    name: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Area:
    name: str
    ranges: tuple[tuple[int, int], ...]
    collections: Mapping[str, rrule]

    def covers(self, postcode: str) -> bool:
        digits = int(postcode[:4])
        return any(low <= digits <= high for low, high in self.ranges)


@dataclass(frozen=True)
class WasteCalendar:
    streams: Mapping[str, Stream]
    areas: tuple[Area, ...]
    moved: Mapping[date, date]

    def area_for(self, postcode: str) -> Optional[Area]:
        return next((area for area in self.areas if area.covers(postcode)), None)

    def streams_named(self, text: str) -> list[Stream]:
        lowered = text.lower()
        return [s for s in self.streams.values() if any(re.search(rf"\b{re.escape(w)}", lowered) for w in s.words)]

    def next_collection(self, area: Area, stream: str, today: date) -> Optional[date]:
        rule = area.collections.get(stream)
        if rule is None:
            return None
        start = datetime.combine(today - timedelta(days=7), datetime.min.time())
        end = start + timedelta(days=HORIZON_DAYS)
        days = sorted(self.moved.get(moment.date(), moment.date()) for moment in rule.between(start, end, inc=True))
        return next((day for day in days if day >= today), None)


def _range(value: str) -> tuple[int, int]:
    low, _, high = str(value).partition("-")
    return int(low), int(high or low)


def _rule(value: Mapping[str, Any], where: str) -> rrule:
    if not isinstance(value, Mapping) or "rule" not in value or "from" not in value:
        raise ValueError(f"{where} needs 'rule' and 'from'")
    start = datetime.combine(date.fromisoformat(str(value["from"])), datetime.min.time())
    rule = rrulestr(str(value["rule"]), dtstart=start)
    if not isinstance(rule, rrule):
        raise ValueError(f"{where}: one RRULE per collection")
    return rule


def parse_waste_calendar(raw: bytes) -> WasteCalendar:
    data = parse_yaml(raw) or {}
    streams = {
        str(code): Stream(str(code), str(spec["name"]), tuple(str(w).lower() for w in spec.get("words") or (code,)))
        for code, spec in (data.get("streams") or {}).items()
    }
    areas = []
    for area in data.get("areas") or ():
        name = str(area["name"])
        collections = {}
        for stream, spec in (area.get("collections") or {}).items():
            if stream not in streams:
                raise ValueError(f"area {name}: unknown stream {stream!r}")
            collections[str(stream)] = _rule(spec, f"area {name}, {stream}")
        areas.append(Area(name, tuple(_range(r) for r in area.get("postcodes") or ()), collections))
    moved = {date.fromisoformat(str(day)): date.fromisoformat(str(to)) for day, to in (data.get("moved") or {}).items()}
    return WasteCalendar(streams, tuple(areas), moved)
