"""Durable state in SQL: conversations and their messages."""
from bot.store.database import Database
from bot.store.conversations import ConversationStore, StoredMessage, written_in_public

__all__ = ["Database", "ConversationStore", "StoredMessage", "written_in_public"]
