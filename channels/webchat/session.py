"""Signed session tokens: a conversation id the browser keeps, and cannot forge.

Knowing or guessing a conversation id is not enough to read the conversation;
the token carries an HMAC of the id under the server's secret.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Optional


class SessionSigner:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"dorpspomp-webchat-session\0" + secret.encode()).digest()

    def _mac(self, conversation_id: str) -> str:
        digest = hmac.new(self._key, conversation_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, conversation_id: str) -> str:
        return f"{conversation_id}.{self._mac(conversation_id)}"

    def verify(self, token: object) -> Optional[str]:
        """The conversation id in ``token``, or None when it is not one we signed."""
        if not isinstance(token, str) or token.count(".") != 1:
            return None
        conversation_id, mac = token.split(".")
        if hmac.compare_digest(mac.encode(), self._mac(conversation_id).encode()):
            return conversation_id
        return None
