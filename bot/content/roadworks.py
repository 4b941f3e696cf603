"""Current road works, from a GeoJSON feed (a FeatureCollection).

Each feature's properties::

    street: Westerstraat        # the street as citizens name it
    what: de riolering wordt vervangen   # a clause or a noun phrase ("nieuw asfalt")
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

from bot.content.topics import TopicLibrary
from bot.contract import Language
from bot.dates import day_label

TOPIC = "road_diversion"
# Words that open a clause and take a small letter after the colon the
# answers put before ``what`` ("… wordt gewerkt: de riolering wordt vervangen").
LOWER_AFTER_COLON = frozenset({"de", "het", "een", "er", "hier", "we", "wij", "daar", "nu"})


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


def _after_colon(what: str) -> str:
    """``what`` as it reads after a colon, whether the feed wrote a sentence
    ("De riolering wordt vervangen.") or a phrase ("nieuw asfalt")."""
    what = " ".join(what.split()).rstrip(" .;:")
    first = what.split(" ", 1)[0]
    return what[0].lower() + what[1:] if first.lower() in LOWER_AFTER_COLON else what


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?" else text + "."


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
        if not str(properties.get("street") or "").strip() or not str(properties.get("what") or "").strip(" .;:"):
            raise ValueError(f"{where} needs the properties 'street' and 'what'")
        works.append(
            RoadWork(
                street=str(properties["street"]),
                what=_after_colon(str(properties["what"])),
                detour=_sentence(str(properties.get("detour") or "")),
                start=_date(properties.get("from"), where),
                until=_date(properties.get("until"), where),
                url=str(properties.get("url") or ""),
            )
        )
    return tuple(works)


def works_named(works: Iterable[RoadWork], text: str, today: date) -> list[RoadWork]:
    """The current works on a street that ``text`` names."""
    return [work for work in works if work.current(today) and work.on(text)]


def describe(
    work: RoadWork,
    today: date,
    topics: TopicLibrary,
    wording: Optional[str] = None,
    language: str = Language.DUTCH,
) -> str:
    """The answer about one work; ``wording`` picks one of the topic's
    ``found`` texts (a random one when None). Every wording puts ``what``
    after a colon and ``until`` after "tot", so any feed entry reads well."""
    until = (
        topics.text(TOPIC, "until_date", language, day=day_label(work.until, today, language))
        if work.until
        else topics.text(TOPIC, "until_unknown", language)
    )
    values = {"street": work.street, "what": work.what, "until": until, "detour": work.detour}
    if wording is None:
        return " ".join(topics.text(TOPIC, "found", language, **values).split())
    text = topics.fill(topics.get(TOPIC), wording, language, **values)
    return " ".join(text.split())
