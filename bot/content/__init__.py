"""What the bot tells citizens about the municipality's services.

Answers live in per-topic files under the profile's ``content`` folder
(``content/topics/<intent>.yml``), next to the feeds some answers are made
from: road works, the events calendar and the waste calendar. A municipality
edits these files; no answer text lives in Python.
"""
