"""Content as data: the topic files, the content check, and the feeds answers come from."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from bot.content.agenda import events_between, parse_calendar, pick, topic_words
from bot.content.check import check_content, topic_intents
from bot.content.feed import Feed, FeedUnavailable
from bot.content.roadworks import TOPIC as ROADWORKS, describe, parse_roadworks, works_named
from bot.content.topics import TopicLibrary
from bot.content.waste import find_postcode, parse_waste_calendar
from bot.profile import load_profile
from channels.x.render import TWEET_LIMIT, weighted_length
from tests.fake_backends import FakeServer
from tests.support import ROOT

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def repo_library() -> TopicLibrary:
    profile = load_profile(ROOT / "municipality.yml")
    return TopicLibrary.load(profile.content_dir, profile.facts, profile.english_facts)


def test_every_answered_intent_has_a_topic_with_facts_filled_in() -> None:
    library = repo_library()
    assert topic_intents(ROOT / "nlu_data") <= set(library.topics)
    answer = library.answer("passport_renewal")
    assert "€ 84,45" in answer.text and "{" not in answer.text
    assert answer.short.endswith("https://www.voorbeeldstad.nl/paspoort")
    assert weighted_length(answer.short) <= TWEET_LIMIT


def test_the_repository_content_passes_the_check() -> None:
    assert [str(p) for p in check_content(ROOT, ROOT / "municipality.yml")] == []


@pytest.fixture
def editable(tmp_path: Path) -> Path:
    """A copy of the profile and its content that a test may break."""
    for name in ("municipality.yml", "places.yml", "domain.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "nlu_data", tmp_path / "nlu_data")
    return tmp_path


def problems(root: Path) -> list[str]:
    return [str(p) for p in check_content(root, root / "municipality.yml")]


def test_the_check_reports_a_missing_topic(editable: Path) -> None:
    (editable / "content" / "topics" / "marriage.yml").unlink()
    assert problems(editable) == ["content/topics/marriage.yml: is missing: the dialogue answers this intent from it"]


def test_the_check_reports_a_tweet_over_280_weighted_characters(editable: Path) -> None:
    path = editable / "content" / "topics" / "bulky_waste.yml"
    # An emoji weighs 2: forty of them push the short version past 280.
    path.write_text(
        path.read_text(encoding="utf-8").replace("Grofvuil halen", "🗑️" * 40 + " Grofvuil halen"), encoding="utf-8"
    )
    [problem] = problems(editable)
    assert problem.startswith("content/topics/bulky_waste.yml: short is ") and "a tweet takes 280" in problem


def test_the_check_reports_placeholders_nothing_fills(editable: Path) -> None:
    path = editable / "content" / "topics" / "passport_renewal.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("{passport_fee_child}", "{pasport_fee_child}"), encoding="utf-8"
    )
    assert problems(editable) == [
        "content/topics/passport_renewal.yml: full[0] has the placeholder {pasport_fee_child} that nothing fills",
        "content/topics/passport_renewal.yml: en.full[0] has the placeholder {pasport_fee_child} that nothing fills",
    ]


def test_the_check_reports_u_in_a_je_profile_but_not_in_links(editable: Path) -> None:
    path = editable / "content" / "topics" / "opening_hours.yml"
    text = path.read_text(encoding="utf-8").replace("maak je eerst een afspraak", "maakt u eerst een afspraak")
    path.write_text(text, encoding="utf-8")
    [problem] = problems(editable)
    assert problem.startswith("content/topics/opening_hours.yml full[0]: says 'u'")


def test_the_check_reports_je_in_a_u_profile(editable: Path) -> None:
    profile = editable / "municipality.yml"
    profile.write_text(
        profile.read_text(encoding="utf-8").replace("address_form: je", "address_form: u"), encoding="utf-8"
    )
    found = problems(editable)
    assert any("domain.yml: utter_greet" in p and "'je'" in p for p in found)
    assert any(p.startswith("content/topics/passport_renewal.yml") for p in found)


# --- Feeds ------------------------------------------------------------------


@dataclass
class FeedServer(FakeServer):
    body: bytes = b""
    served: int = field(default=0)

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/roadworks.geojson", self.roadworks)]

    async def roadworks(self, request: web.Request) -> web.Response:
        self.served += 1
        return web.Response(body=self.body, content_type="application/geo+json")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_feed_over_http_is_refreshed_and_a_failure_keeps_the_last_good_copy() -> None:
    server = FeedServer(body=(ROOT / "tests" / "data" / "roadworks.geojson").read_bytes())
    await server.start()
    clock = Clock()
    feed = Feed(server.url + "/roadworks.geojson", parse_roadworks, refresh_seconds=900, clock=clock)
    try:
        assert [w.street for w in await feed.get()] == ["Westerstraat", "Singel"]
        await feed.get()
        assert server.served == 1  # still fresh
        clock.now = 901
        server.fail_next(1, status=502)
        assert [w.street for w in await feed.get()] == ["Westerstraat", "Singel"]
        clock.now = 901 + 61  # a failure is tried again after a minute
        server.body = b'{"type": "FeatureCollection", "features": []}'
        assert await feed.get() == ()
    finally:
        await server.stop()


async def test_a_feed_that_never_loaded_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(FeedUnavailable):
        await Feed(str(tmp_path / "missing.geojson"), parse_roadworks, 900).get()
    with pytest.raises(FeedUnavailable):
        await Feed("", parse_roadworks, 900).get()


def test_road_works_are_found_by_street_while_they_last() -> None:
    works = parse_roadworks((ROOT / "tests" / "data" / "roadworks.geojson").read_bytes())
    assert [w.street for w in works_named(works, "waarom is de westerstraat dicht?", date(2026, 2, 1))] == [
        "Westerstraat"
    ]
    assert [w.street for w in works_named(works, "Singel dicht?", date(2026, 2, 1))] == ["Singel"]
    assert works_named(works, "Singel dicht?", date(2026, 3, 1)) == []  # finished
    assert works_named(works, "de Singelstraat", date(2026, 2, 1)) == []  # another street


ODD_FEED = b"""{"type": "FeatureCollection", "features": [
  {"properties": {"street": "Kerkstraat", "what": "De gasleiding wordt vernieuwd.", "detour": "Volg de borden"}},
  {"properties": {"street": "Markt", "what": "  nieuwe bestrating ", "until": "2026-12-20"}},
  {"properties": {"street": "Dijkweg", "what": "Enexis legt nieuwe kabels;"}}
]}"""


def test_every_road_works_wording_reads_well_for_every_feed_entry() -> None:
    library = repo_library()
    today = date(2026, 12, 3)
    works = parse_roadworks((ROOT / "content" / "roadworks.geojson").read_bytes()) + parse_roadworks(ODD_FEED)
    first, second = library.get(ROADWORKS).texts["found"]
    said = {work.street: [describe(work, today, library, wording) for wording in (first, second)] for work in works}
    assert said["Westerstraat"] == [
        "Aan de Westerstraat wordt gewerkt: de riolering wordt vervangen. De weg is dicht tot en met"
        " donderdag 30 september 2027. Met de auto rij je om via de Parkweg en de Oranjestraat; volg de gele"
        " borden. Fietsers en voetgangers kunnen er langs.",
        "Vervelend als je er niet door kunt! Aan de Westerstraat wordt gewerkt: de riolering wordt vervangen."
        " Dat duurt tot en met donderdag 30 september 2027. Met de auto rij je om via de Parkweg en de"
        " Oranjestraat; volg de gele borden. Fietsers en voetgangers kunnen er langs.",
    ]
    assert said["Singel"][0].startswith(
        "Aan de Singel wordt gewerkt: er komt nieuw asfalt en een vrijliggend fietspad. De weg is dicht tot en"
        " met zaterdag 18 december 2027. "
    )
    assert said["Havenkade"][1].startswith(
        "Vervelend als je er niet door kunt! Aan de Havenkade wordt gewerkt: de kademuur wordt hersteld."
        " Dat duurt tot nader bericht. De Havenkade is dicht"
    )
    assert said["Kerkstraat"][0] == (
        "Aan de Kerkstraat wordt gewerkt: de gasleiding wordt vernieuwd. De weg is dicht tot nader bericht."
        " Volg de borden."
    )
    assert said["Markt"][1] == (
        "Vervelend als je er niet door kunt! Aan de Markt wordt gewerkt: nieuwe bestrating."
        " Dat duurt tot en met zondag 20 december."
    )
    assert said["Dijkweg"][0] == (
        "Aan de Dijkweg wordt gewerkt: Enexis legt nieuwe kabels. De weg is dicht tot nader bericht."
    )


def test_a_broken_road_works_feed_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_roadworks(b'{"type": "FeatureCollection", "features": [{"properties": {"street": "X"}}]}')
    with pytest.raises(ValueError):
        parse_roadworks(b"[]")
    with pytest.raises(ValueError):
        parse_roadworks(b'{"type": "FeatureCollection", "features": [{"properties": {"street": "X", "what": " . "}}]}')


def test_recurring_events_come_once_each_and_by_name() -> None:
    calendar = parse_calendar((ROOT / "content" / "events.ics").read_bytes())
    december = events_between(calendar, date(2026, 12, 1), date(2026, 12, 31), AMSTERDAM)
    chosen, named = pick(december, topic_words("wat is er te doen in december"), 4)
    assert [e.title for e in chosen] == ["Weekmarkt", "Kerstmarkt"] and not named
    chosen, named = pick(december, topic_words("wanneer is de kerstmarkt?"), 4)
    assert named and [(e.title, e.start.day, e.start.hour) for e in chosen] == [("Kerstmarkt", 12, 11)]
    kings_day = events_between(calendar, date(2031, 4, 27), date(2031, 4, 27), AMSTERDAM)
    assert [e.title for e in kings_day] == ["Koningsdag: vrijmarkt en kindermarkt"]


def test_the_waste_calendar_by_postcode_with_holiday_moves() -> None:
    calendar = parse_waste_calendar((ROOT / "content" / "waste.yml").read_bytes())
    assert find_postcode("ik woon op 7315ck") == "7315 CK"
    assert find_postcode("huisnummer 12") is None
    north = calendar.area_for("7315 CK")
    assert north is not None and north.name == "Centrum en Noord"
    assert calendar.area_for("1012 AB") is None
    assert [s.code for s in calendar.streams_named("wanneer komt de groene bak?")] == ["gft"]
    assert calendar.next_collection(north, "gft", date(2026, 11, 28)) == date(2026, 12, 7)
    east = calendar.area_for("7322 AA")
    # Friday 25 December is Christmas: plastic moves to Monday 28 December.
    assert calendar.next_collection(east, "pmd", date(2026, 12, 24)) == date(2026, 12, 28)
