from __future__ import annotations

from channels.webchat.session import SessionSigner


def test_signed_token_verifies_and_forgeries_do_not() -> None:
    signer = SessionSigner("secret")
    token = signer.sign("abc123")
    assert signer.verify(token) == "abc123"
    conversation, mac = token.split(".")
    assert signer.verify(f"other.{mac}") is None
    assert signer.verify(f"{conversation}.{mac[:-1]}A") is None
    assert SessionSigner("another secret").verify(token) is None
    for junk in (None, 42, "", "nodot", "a.b.c", {"x": 1}):
        assert signer.verify(junk) is None
