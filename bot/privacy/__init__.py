"""Citizens' personal data: redaction, retention, export and erasure (AVG/GDPR)."""
