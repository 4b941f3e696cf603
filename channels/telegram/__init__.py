"""Telegram: webhook with a secret token, python-telegram-bot for the Bot API."""

from channels.telegram.channel import TelegramChannel, TelegramConfig

__all__ = ["TelegramChannel", "TelegramConfig"]
