"""Instagram direct messages on Meta's Messenger Platform."""

from channels.instagram.channel import InstagramChannel

__all__ = ["InstagramChannel"]
