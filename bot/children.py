"""Child processes that cannot outlive the process that started them.

A supervisor that kills ``dorpspomp run`` with SIGKILL (compose and Kubernetes
after their grace period, a test harness) gives it no chance to stop its
children; without this, every such kill left an engine service and an action
server running, holding their ports. Linux tells the child itself (prctl
PR_SET_PDEATHSIG); elsewhere the children are stopped on a clean exit only.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import Callable, Optional

PR_SET_PDEATHSIG = 1


def ending_with_this_process() -> Optional[Callable[[], None]]:
    """A ``preexec_fn`` for Popen: the child gets SIGTERM when this process dies.

    Call it from the thread that lives as long as the process (the kernel
    watches the thread that forked), as Popen from the main thread or the
    event loop's does."""
    if not sys.platform.startswith("linux"):
        return None
    parent = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)

    def in_child() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        # The parent may have died between fork and prctl: then nobody will signal.
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)

    return in_child
