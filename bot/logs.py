"""Logging for every dorpspomp command: stdlib logging on stderr, Rasa's structlog
included where Rasa is (the engine's environment)."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import sys
import warnings
from datetime import datetime, timezone
from typing import Iterator

from bot.privacy.redact import redact


class RedactingFilter(logging.Filter):
    """Log lines quote citizens' messages now and then; personal data stays out.

    The traceback counts as part of the line: a database error carries the
    statement's parameters (a citizen's text) in its message.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line, for log collectors (``LOG_FORMAT=json``)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FORMATS = ("text", "json")
# Libraries that say at INFO what we say in one line of our own (the
# migrations run, the actions registered, the server's banner).
TALKATIVE_LOGGERS = ("alembic", "rasa_sdk", "sanic.root", "sanic.server", "absl", "matplotlib")


def quiet_libraries() -> None:
    """A start that shows one readable line per component: TensorFlow's C++
    notes and the frozen stack's deprecation warnings (things for their
    maintainers, not for an operator) are left out; errors still show."""
    # Read by TensorFlow's C++ side when it is first imported (the engine's commands import it later).
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"(rasa|tensorflow|keras|twitter_text)\b")
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
    for name in TALKATIVE_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


@contextlib.contextmanager
def importing_quietly() -> Iterator[None]:
    """Around importing the frozen stack (TensorFlow, Rasa): its import warns a
    lot, and some of its packages put filters of their own in front of ours
    while it imports (Sanic: DeprecationWarning "once"), so nothing it warns
    is shown; ours go back in front afterwards."""
    with warnings.catch_warnings():
        warnings.showwarning = _not_shown
        yield
    quiet_libraries()


def _not_shown(*_: object, **__: object) -> None:
    return None


def configure_logging(level_name: str, log_format: str = "text") -> None:
    level = logging.getLevelName(level_name.upper())
    if not isinstance(level, int):
        level = logging.INFO
    # Rasa's own configuration prints to stdout, where `dorpspomp parse` writes
    # its JSON lines; our handler is installed first, so basicConfig keeps it.
    logging.basicConfig(level=level, format=TEXT_FORMAT, stream=sys.stderr)
    quiet_libraries()
    formatter = JsonLines() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    if importlib.util.find_spec("rasa") is not None:
        with importing_quietly():
            from rasa.utils.log_utils import configure_structlog

        configure_structlog(level)
