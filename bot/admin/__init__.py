"""Admin pages: the review queue, training and promotion, KPIs, the audit log."""
