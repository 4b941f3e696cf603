"""Reading a platform channel's credentials from the environment."""

from __future__ import annotations

import logging
from typing import Mapping, Optional

logger = logging.getLogger(__name__)


def required(env: Mapping[str, str], channel: str, names: tuple[str, ...]) -> Optional[dict[str, str]]:
    """The values of ``names``, or None (logged once) when any is missing: the
    channel stays off and the others run."""
    missing = [name for name in names if not env.get(name)]
    if missing:
        logger.info("channel %s disabled: set %s to enable it", channel, ", ".join(missing))
        return None
    return {name: env[name] for name in names}
