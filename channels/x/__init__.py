"""Twitter/X: the Account Activity webhook (CRC and signature), mention polling,
and tweepy's AsyncClient for replies and direct messages."""

from channels.x.channel import XChannel, XConfig

__all__ = ["XChannel", "XConfig"]
