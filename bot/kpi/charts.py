"""The KPI figures as charts: bars a template draws as SVG, no script needed.

Each chart also goes out as a table beside it, for screen readers and for
people who want the exact numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

from bot.kpi.figures import KpiFigures

# For a channel that no longer exists but still has figures.
OTHER_COLOUR = "#E69F00"


@dataclass(frozen=True)
class ChannelLooks:
    """How each channel is named and coloured in the charts (each channel class says)."""

    titles: Mapping[str, str]
    colours: Mapping[str, str]
    # SVG path data on a 24 by 24 grid, for the inbox.
    icons: Mapping[str, str] = field(default_factory=dict)

    def badges(self) -> dict[str, dict[str, str]]:
        """Every channel's title and glyph, as the inbox's script reads them."""
        return {name: {"title": title, "icon": self.icons.get(name, "")} for name, title in self.titles.items()}

    def title(self, channel: str) -> str:
        return self.titles.get(channel, channel)

    def colour(self, channel: str) -> str:
        return self.colours.get(channel, OTHER_COLOUR)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    share: float  # of the longest bar, 0..1


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Segment:
    channel: str
    value: int
    bottom: float  # share of the chart's height, 0..1
    height: float


@dataclass(frozen=True)
class DayColumn:
    label: str
    total: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class DayChart:
    title: str
    columns: tuple[DayColumn, ...]
    channels: tuple[str, ...]
    highest: int


def bar_chart(
    title: str,
    counts: Mapping[str, float],
    label: Callable[[str], str] = str,
    text: Callable[[float], str] = lambda v: f"{v:g}",
    limit: int = 12,
) -> BarChart:
    items = sorted(counts.items(), key=lambda item: -item[1])[:limit]
    longest = max((value for _, value in items), default=0) or 1
    return BarChart(title, tuple(Bar(label(key), value, text(value), value / longest) for key, value in items))


def messages_per_day(figures: KpiFigures) -> DayChart:
    channels = tuple(sorted(figures.messages_per_channel_day))
    totals = {day: sum(figures.messages_per_channel_day[c][day] for c in channels) for day in figures.days}
    highest = max(totals.values(), default=0) or 1
    columns = []
    for day in figures.days:
        bottom, segments = 0.0, []
        for channel in channels:
            value = figures.messages_per_channel_day[channel][day]
            if value:
                segments.append(Segment(channel, value, bottom, value / highest))
                bottom += value / highest
        columns.append(DayColumn(day.strftime("%d-%m"), totals[day], tuple(segments)))
    return DayChart("Berichten van inwoners per dag", tuple(columns), channels, highest)


def minutes(seconds: Optional[float]) -> str:
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} uur"
