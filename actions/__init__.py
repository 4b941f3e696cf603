"""Rasa custom actions, run by the action server (``python -m rasa_sdk --actions actions``)."""
