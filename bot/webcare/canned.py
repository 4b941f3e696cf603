"""Canned responses: ready answers admins keep, with placeholders filled per citizen."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.clock import utcnow
from bot.store.database import Database
from bot.store.tables import canned_responses

PLACEHOLDERS = ("first_name", "agent_name", "municipality", "phone", "website")


class CannedError(ValueError):
    """A canned response that cannot be saved as given; the text says why."""


@dataclass(frozen=True)
class CannedResponse:
    id: int
    title: str
    text: str

    def fill(self, values: Mapping[str, str]) -> str:
        """The text with ``{first_name}`` and friends filled; an unknown name stays as written."""
        return string.Formatter().vformat(self.text, (), _Lenient(values))


class _Lenient(dict):
    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def check(title: str, text: str) -> None:
    if not title.strip() or not text.strip():
        raise CannedError("Geef een titel en een tekst.")
    if len(title) > 80:
        raise CannedError("De titel mag hoogstens 80 tekens hebben.")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        raise CannedError("Een { of } staat los: schrijf {first_name} of laat de haakjes weg.") from None
    unknown = names - set(PLACEHOLDERS)
    if unknown:
        raise CannedError(f"Onbekende plaatshouder {', '.join(sorted(unknown))}; gebruik {', '.join(PLACEHOLDERS)}.")


class CannedStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def all(self) -> list[CannedResponse]:
        async with self._database.engine.connect() as connection:
            rows = (await connection.execute(sa.select(canned_responses).order_by(canned_responses.c.title))).all()
        return [CannedResponse(r.id, r.title, r.text) for r in rows]

    async def save(self, title: str, text: str, canned_id: Optional[int] = None) -> None:
        check(title, text)
        values = {"title": title.strip(), "text": text.strip(), "updated_at": utcnow()}
        try:
            async with self._database.transaction() as connection:
                if canned_id is None:
                    await connection.execute(canned_responses.insert().values(**values))
                else:
                    await connection.execute(
                        canned_responses.update().where(canned_responses.c.id == canned_id).values(**values)
                    )
        except IntegrityError:
            raise CannedError(f"Er is al een standaardantwoord met de titel {title!r}.") from None

    async def delete(self, canned_id: int) -> None:
        async with self._database.transaction() as connection:
            await connection.execute(canned_responses.delete().where(canned_responses.c.id == canned_id))
