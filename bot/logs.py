"""Logging for every dorpspomp command: stdlib logging on stderr, Rasa's structlog included."""
from __future__ import annotations

import logging
import sys


def configure_logging(level_name: str) -> None:
    level = logging.getLevelName(level_name.upper())
    if not isinstance(level, int):
        level = logging.INFO
    # Rasa's own configuration prints to stdout, where `dorpspomp parse` writes
    # its JSON lines; our handler is installed first, so basicConfig keeps it.
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(level)
