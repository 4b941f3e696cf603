"""Channel adapters: one module per platform, all behind :class:`channels.base.Channel`."""
