"""Durable state in SQL: conversations and their messages."""

from bot.store.conversations import ConversationStore, StoredMessage, written_in_public
from bot.store.database import Database

__all__ = ["ConversationStore", "Database", "StoredMessage", "written_in_public"]
