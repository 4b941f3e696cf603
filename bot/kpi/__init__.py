"""What the bot and the team achieve: the KPI dashboard and the Prometheus metrics."""
