"""Messages on their way out to a platform: stored, then sent by the outbox worker."""
