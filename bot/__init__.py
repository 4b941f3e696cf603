"""Dorpspomp: the application that routes citizens' messages to the dialogue engine."""
