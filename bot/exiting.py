"""A process that has stopped serving exits, whatever a library left running.

Interpreter shutdown waits for every non-daemon thread. A database driver's
worker thread whose connection was cut off mid-query (a task cancelled as the
process stops) never ends, and the process would outlive its SIGTERM until a
supervisor's SIGKILL. Once serving is over, a few seconds is all it gets.
"""

from __future__ import annotations

import logging
import os
import threading

logger = logging.getLogger(__name__)
EXIT_WITHIN_SECONDS = 5.0


def exit_soon(code: int = 0, seconds: float = EXIT_WITHIN_SECONDS) -> None:
    """Call when the work is done: after ``seconds`` the process exits even if a thread still runs."""

    def force() -> None:
        stuck = [t.name for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()]
        logger.warning("exiting although threads still run: %s", ", ".join(stuck))
        logging.shutdown()
        os._exit(code)

    timer = threading.Timer(seconds, force)
    timer.daemon = True
    timer.start()
