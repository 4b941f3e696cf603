"""Webcare: hand-off of conversations to human colleagues, and their inbox."""
