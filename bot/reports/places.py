"""Where a report is: the municipality's area and the places the bot knows by name.

Without network access to a geocoder, typed locations are matched against
the municipality's own list of streets and landmarks (``places.yml``); a
municipality with the national address register can export that list from it.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

# Within this distance of a shared point we name the nearest known place.
NEAREST_PLACE_METRES = 400.0
HOUSE_NUMBER = r"(?:\s+(\d{1,5}\s?[a-zA-Z]?)\b)?"


@dataclass(frozen=True)
class Place:
    """A point on the map with the words a citizen would use for it."""

    address: str
    latitude: float
    longitude: float

    def as_slot(self, source: str) -> dict[str, Any]:
        return {
            "address": self.address,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "source": source,
        }


class Area:
    """A polygon of (latitude, longitude) corners."""

    def __init__(self, corners: Sequence[Sequence[float]]) -> None:
        if len(corners) < 3:
            raise ValueError("the municipality's area needs at least three corners")
        self.corners = [(float(lat), float(lon)) for lat, lon in corners]

    def contains(self, latitude: float, longitude: float) -> bool:
        # Ray casting; at municipal scale the earth is flat enough.
        inside = False
        previous = self.corners[-1]
        for corner in self.corners:
            (lat1, lon1), (lat2, lon2) = previous, corner
            if (lon1 > longitude) != (lon2 > longitude):
                crossing = lat1 + (longitude - lon1) * (lat2 - lat1) / (lon2 - lon1)
                if latitude < crossing:
                    inside = not inside
            previous = corner
        return inside


def distance_metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    x = (lon2 - lon1) * math.cos((lat1 + lat2) / 2)
    return 6_371_000 * math.hypot(x, lat2 - lat1)


def valid_coordinates(latitude: Any, longitude: Any) -> Optional[tuple[float, float]]:
    """The pair as floats, or None for anything that is not a point on earth."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return None
    return lat, lon


class Gazetteer:
    """The streets and landmarks of one municipality."""

    def __init__(self, streets: Mapping[str, Sequence[float]], landmarks: Mapping[str, Sequence[float]]) -> None:
        self._streets = {name: (float(p[0]), float(p[1])) for name, p in streets.items()}
        self._landmarks = {name: (float(p[0]), float(p[1])) for name, p in landmarks.items()}
        self._by_lower = {name.lower(): name for name in (*self._streets, *self._landmarks)}
        names = sorted(self._by_lower, key=len, reverse=True)
        self._mention = re.compile(
            r"\b(" + "|".join(re.escape(n) for n in names) + r")\b" + HOUSE_NUMBER, re.IGNORECASE
        )

    def _place(self, name: str, number: Optional[str]) -> Place:
        point = self._streets.get(name) or self._landmarks[name]
        address = f"{name} {number.replace(' ', '')}" if number and name in self._streets else name
        return Place(address, *point)

    def find_in(self, text: str) -> Optional[Place]:
        """The first known street or landmark named in a sentence, with its house number."""
        match = self._mention.search(text)
        if not match:
            return None
        return self._place(self._by_lower[match.group(1).lower()], match.group(2))

    def resolve(self, text: str) -> Optional[Place]:
        """A typed location: an exact mention first, else the closest spelling."""
        found = self.find_in(text)
        if found:
            return found
        words = re.match(r"\s*(?:de |het |bij |in |op |aan )*([^\d,]+?)" + HOUSE_NUMBER + r"\s*$", text, re.IGNORECASE)
        if not words:
            return None
        close = difflib.get_close_matches(words.group(1).strip().lower(), self._by_lower, n=1, cutoff=0.8)
        return self._place(self._by_lower[close[0]], words.group(2)) if close else None

    def nearest(self, latitude: float, longitude: float) -> Optional[str]:
        """The name of the known place nearest to a point, when one is close by."""
        points = {**self._streets, **self._landmarks}
        name = min(points, key=lambda n: distance_metres(points[n], (latitude, longitude)), default=None)
        if name is None or distance_metres(points[name], (latitude, longitude)) > NEAREST_PLACE_METRES:
            return None
        return name
