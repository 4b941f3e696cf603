"""The web chat: an embeddable widget and the websocket it talks over."""

from channels.webchat.channel import WebchatChannel

__all__ = ["WebchatChannel"]
