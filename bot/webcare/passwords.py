"""Argon2 password hashing off the event loop, a bounded number at a time
(half the machine's cores).

One Argon2 check takes tens of milliseconds of CPU. On the event loop, eight
logins at once stall every chat and webhook; in threads without a bound, a
flood of logins takes every core.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's default parameters over a random password nobody kept.
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$8rOQLw01kpUtyeYsvnjRfQ$m1nKKM97BQ1dkVrGkj+swdSoEsEIiXHdbU4LqTmoRCY"


def half_the_cores() -> int:
    """Hashes at once: the rest of the machine keeps answering chats and webhooks."""
    return max(1, (os.cpu_count() or 2) // 2)


class Passwords:
    def __init__(self, parallel: Optional[int] = None, hasher: Optional[PasswordHasher] = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._slots = asyncio.Semaphore(parallel or half_the_cores())
        # Checking against this when a username is unknown takes as long as a
        # real check, so response times do not tell which usernames exist. It
        # must cost what the hasher's own hashes cost: made anew if it would not.
        self._dummy = DUMMY_HASH
        if self._hasher.check_needs_rehash(DUMMY_HASH):
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: Optional[str], password: str) -> bool:
        """Whether ``password`` matches; with no hash (no such account) as slow as a real check."""
        async with self._slots:
            return await asyncio.to_thread(self._check, password_hash or self._dummy, password) and bool(password_hash)

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
