"""Durable state in SQL: conversations and their messages."""
from bot.store.database import Database
from bot.store.conversations import ConversationStore, StoredMessage

__all__ = ["Database", "ConversationStore", "StoredMessage"]
