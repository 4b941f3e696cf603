"""Webhook signatures: how a platform proves a delivery is its own."""

from __future__ import annotations

import hashlib
import hmac

from bot.web.http import HttpProblem


def hmac_sha256(secret: str, data: bytes) -> bytes:
    """The HMAC-SHA256 digest platforms sign their webhook bodies with."""
    return hmac.new(secret.encode(), data, hashlib.sha256).digest()


def require_signature(given: str, expected: str) -> None:
    """401 without a signature, 403 with a wrong one (compared in constant time)."""
    if not given:
        raise HttpProblem(401, "missing signature")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HttpProblem(403, "signature does not match the body")
