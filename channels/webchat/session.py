"""Signed session tokens: a conversation id the browser keeps, and cannot forge.

Knowing or guessing a conversation id is not enough to read the conversation;
the token carries an HMAC of the id and the time it was issued under the
server's secret. A token lives ``lifetime`` after it was last issued: the
widget gets a fresh one each time it connects, so a citizen who comes back
within that time continues, and a token copied from a shared computer does
not open the conversation for ever.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import timedelta
from typing import Callable, Optional

DEFAULT_LIFETIME = timedelta(days=7)


class SessionSigner:
    def __init__(
        self,
        secret: str,
        lifetime: timedelta = DEFAULT_LIFETIME,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = hashlib.sha256(b"dorpspomp-webchat-session\0" + secret.encode()).digest()
        self._lifetime = lifetime.total_seconds()
        self._clock = clock

    def _mac(self, conversation_id: str, issued: str) -> str:
        digest = hmac.new(self._key, f"{conversation_id}.{issued}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, conversation_id: str) -> str:
        issued = str(int(self._clock()))
        return f"{conversation_id}.{issued}.{self._mac(conversation_id, issued)}"

    def verify(self, token: object) -> Optional[str]:
        """The conversation id in ``token``, or None when we did not sign it or it expired."""
        if not isinstance(token, str) or token.count(".") != 2 or len(token) > 256:
            return None
        conversation_id, issued, mac = token.split(".")
        if not hmac.compare_digest(mac.encode(), self._mac(conversation_id, issued).encode()):
            return None
        if not issued.isdigit() or not 0 <= self._clock() - int(issued) <= self._lifetime:
            return None
        return conversation_id
