"""Facebook: Messenger conversations and comments under the page's posts, on
one webhook (Meta sends both for the page)."""

from channels.messenger.channel import MessengerChannel

__all__ = ["MessengerChannel"]
