"""Staff accounts, their passwords (Argon2) and their login sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.clock import utcnow
from bot.store.database import Database, inserted_id
from bot.store.tables import staff, staff_sessions
from bot.webcare.passwords import Passwords

ROLES = ("agent", "admin")
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=10)  # a working day, then log in again
MIN_PASSWORD_LENGTH = 10


class StaffError(ValueError):
    """An account that cannot be made as asked; the text says why."""


@dataclass(frozen=True)
class StaffMember:
    id: int
    username: str
    display_name: str
    initials: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class StaffSession:
    member: StaffMember
    csrf_token: str


@dataclass(frozen=True)
class LoginResult:
    token: Optional[str] = None
    locked: bool = False
    # Whether the username names an account that may log in (for the audit
    # log only: the person at the login page is told the same either way).
    known: bool = False


def _member(row: sa.engine.Row) -> StaffMember:
    m = row._mapping
    return StaffMember(m["id"], m["username"], m["display_name"], m["initials"], m["role"])


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def initials_of(display_name: str) -> str:
    """ "Anna de Kok" → "AK": first letters of the words that start with a capital."""
    words = [w for w in display_name.split() if w[:1].isupper()] or display_name.split()
    return "".join(w[0] for w in words[:3]).upper()


class StaffStore:
    def __init__(self, database: Database, passwords: Optional[Passwords] = None) -> None:
        self._database = database
        self._passwords = passwords or Passwords()

    async def add(
        self, username: str, display_name: str, role: str, password: str, initials: Optional[str] = None
    ) -> StaffMember:
        if role not in ROLES:
            raise StaffError(f"role must be one of {', '.join(ROLES)}")
        _check_password(password)
        if not username.strip() or not display_name.strip():
            raise StaffError("username and name must not be empty")
        try:
            async with self._database.transaction() as connection:
                result = await connection.execute(
                    staff.insert().values(
                        username=username.strip().lower(),
                        display_name=display_name.strip(),
                        initials=(initials or initials_of(display_name))[:8],
                        role=role,
                        password_hash=await self._passwords.hash(password),
                        failed_logins=0,
                        created_at=utcnow(),
                    )
                )
        except IntegrityError:
            raise StaffError(f"there is already an account {username!r}") from None
        member = await self.get(inserted_id(result))
        assert member is not None
        return member

    async def get(self, staff_id: int) -> Optional[StaffMember]:
        async with self._database.engine.connect() as connection:
            row = (await connection.execute(sa.select(staff).where(staff.c.id == staff_id))).first()
        return _member(row) if row else None

    async def can_log_in(self, staff_id: int) -> bool:
        """Whether ``staff_id`` is a colleague who has not been disabled."""
        query = sa.select(staff.c.id).where(staff.c.id == staff_id, staff.c.disabled_at.is_(None))
        async with self._database.engine.connect() as connection:
            return await connection.scalar(query) is not None

    async def all(self) -> list[StaffMember]:
        """Colleagues who can log in (not those disabled)."""
        query = sa.select(staff).where(staff.c.disabled_at.is_(None)).order_by(staff.c.display_name)
        async with self._database.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [_member(row) for row in rows]

    async def initials(self) -> dict[int, str]:
        """Everyone's initials, those who left included, to sign old replies."""
        async with self._database.engine.connect() as connection:
            rows = (await connection.execute(sa.select(staff.c.id, staff.c.initials))).all()
        return {row.id: row.initials for row in rows}

    async def count(self) -> int:
        async with self._database.engine.connect() as connection:
            return int(await connection.scalar(sa.select(sa.func.count()).select_from(staff)) or 0)

    async def login(self, username: str, password: str, now: Optional[datetime] = None) -> LoginResult:
        """A new session token for the right password; repeated failures lock the account.

        Each attempt is counted before the password is checked, in one UPDATE,
        so guesses sent side by side cannot slip past the limit.
        """
        now = now or utcnow()
        async with self._database.engine.connect() as connection:
            row = (
                await connection.execute(sa.select(staff).where(staff.c.username == username.strip().lower()))
            ).first()
        if row is None or row._mapping["disabled_at"] is not None:
            await self._passwords.verify(None, password)
            return LoginResult()
        staff_id = row._mapping["id"]
        attempts = await self._count_attempt(staff_id, now)
        if attempts is None:
            return LoginResult(locked=True, known=True)
        if not await self._passwords.verify(row._mapping["password_hash"], password):
            return LoginResult(locked=await self._lock_after(staff_id, attempts, now), known=True)
        token = secrets.token_urlsafe(32)
        async with self._database.transaction() as connection:
            await connection.execute(
                staff.update().where(staff.c.id == staff_id).values(failed_logins=0, locked_until=None)
            )
            await connection.execute(
                staff_sessions.insert().values(
                    token_hash=_token_hash(token),
                    staff_id=staff_id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                )
            )
        return LoginResult(token=token, known=True)

    async def _count_attempt(self, staff_id: int, now: datetime) -> Optional[int]:
        """This attempt's number since the last success, or None while the account is locked."""
        open_account = sa.or_(staff.c.locked_until.is_(None), staff.c.locked_until <= now)
        async with self._database.transaction() as connection:
            counted = await connection.execute(
                staff.update()
                .where(staff.c.id == staff_id, open_account)
                .values(failed_logins=staff.c.failed_logins + 1, locked_until=None)
            )
            if counted.rowcount != 1:
                return None
            attempts = int(await connection.scalar(sa.select(staff.c.failed_logins).where(staff.c.id == staff_id)) or 0)
        # Attempts beyond the limit that were sent together: refused unchecked.
        return None if attempts > MAX_FAILED_LOGINS else attempts

    async def _lock_after(self, staff_id: int, attempts: int, now: datetime) -> bool:
        if attempts < MAX_FAILED_LOGINS:
            return False
        async with self._database.transaction() as connection:
            await connection.execute(
                staff.update().where(staff.c.id == staff_id).values(failed_logins=0, locked_until=now + LOCKOUT)
            )
        return True

    async def session(self, token: Optional[str]) -> Optional[StaffSession]:
        if not token:
            return None
        query = (
            sa.select(staff, staff_sessions.c.csrf_token)
            .select_from(staff_sessions.join(staff, staff.c.id == staff_sessions.c.staff_id))
            .where(
                staff_sessions.c.token_hash == _token_hash(token),
                staff_sessions.c.expires_at > utcnow(),
                staff.c.disabled_at.is_(None),
            )
        )
        async with self._database.engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return StaffSession(_member(row), row._mapping["csrf_token"]) if row else None

    async def logout(self, token: str) -> None:
        async with self._database.transaction() as connection:
            await connection.execute(staff_sessions.delete().where(staff_sessions.c.token_hash == _token_hash(token)))

    async def set_password(self, username: str, password: str) -> bool:
        """A new password; every open session of the account ends."""
        _check_password(password)
        password_hash = await self._passwords.hash(password)
        return await self._change(username, password_hash=password_hash, failed_logins=0, locked_until=None)

    async def disable(self, username: str) -> bool:
        """A colleague who left: no login, no sessions, not in the transfer list."""
        return await self._change(username, disabled_at=utcnow())

    async def _change(self, username: str, **values: object) -> bool:
        async with self._database.transaction() as connection:
            staff_id = await connection.scalar(
                sa.select(staff.c.id).where(staff.c.username == username.strip().lower())
            )
            if staff_id is None:
                return False
            await connection.execute(staff.update().where(staff.c.id == staff_id).values(**values))
            await connection.execute(staff_sessions.delete().where(staff_sessions.c.staff_id == staff_id))
        return True

    async def unlock(self, username: str) -> bool:
        async with self._database.transaction() as connection:
            result = await connection.execute(
                staff.update()
                .where(staff.c.username == username.strip().lower())
                .values(failed_logins=0, locked_until=None)
            )
        return result.rowcount == 1


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
