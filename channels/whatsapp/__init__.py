"""WhatsApp Business Platform (Cloud API): Meta's webhook, the Graph API, the 24-hour window and templates."""

from channels.whatsapp.channel import WhatsAppChannel

__all__ = ["WhatsAppChannel"]
