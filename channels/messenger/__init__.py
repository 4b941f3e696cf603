"""Facebook Messenger: Meta's webhook (X-Hub-Signature-256) and the Graph Send API."""

from channels.messenger.channel import MessengerChannel, MessengerConfig

__all__ = ["MessengerChannel", "MessengerConfig"]
