from __future__ import annotations

from datetime import timedelta

from channels.webchat.session import SessionSigner


def test_signed_token_verifies_and_forgeries_do_not() -> None:
    signer = SessionSigner("secret")
    token = signer.sign("abc123")
    assert signer.verify(token) == "abc123"
    conversation, issued, mac = token.split(".")
    assert signer.verify(f"other.{issued}.{mac}") is None
    assert signer.verify(f"{conversation}.{int(issued) + 1}.{mac}") is None, "the issue time is signed too"
    tampered = mac[:-1] + ("B" if mac.endswith("A") else "A")
    assert signer.verify(f"{conversation}.{issued}.{tampered}") is None
    assert signer.verify(f"{conversation}.{mac}") is None
    assert SessionSigner("another secret").verify(token) is None
    for junk in (None, 42, "", "nodot", "a.b", "a.b.c", {"x": 1}):
        assert signer.verify(junk) is None


def test_a_token_expires_after_its_lifetime_and_a_fresh_one_lives_on() -> None:
    now = [1_800_000_000.0]
    signer = SessionSigner("secret", timedelta(days=7), clock=lambda: now[0])
    token = signer.sign("abc123")
    now[0] += timedelta(days=6).total_seconds()
    assert signer.verify(token) == "abc123"
    renewed = signer.sign("abc123")
    now[0] += timedelta(days=2).total_seconds()
    assert signer.verify(token) is None, "eight days old"
    assert signer.verify(renewed) == "abc123", "renewed two days ago"
