"""Every engine service serves the promoted model.

Each engine service looks up the newest promotion every few seconds and loads
it when it answers with another model. The database is the one place all
processes share with or without Redis, so any number of engine replicas
follow one promotion, and one that was down during it catches up the moment
it starts. Gateways take no part: they talk to whichever engine answers.
"""

from __future__ import annotations

import logging
from typing import Awaitable, Callable, Optional

from bot.engine import EngineError
from bot.learning.runs import TrainingRuns

logger = logging.getLogger(__name__)


class PromotionFollower:
    def __init__(
        self,
        runs: TrainingRuns,
        *,
        current: Callable[[], Awaitable[Optional[str]]],
        use: Callable[[str], Awaitable[None]],
    ) -> None:
        self.runs = runs
        self.current = current
        self.use = use
        self._reported_missing: Optional[str] = None

    async def follow(self) -> Optional[str]:
        """Load the promoted model if it is not the one answering; returns its name."""
        promoted = await self.runs.active_model()
        if not promoted or promoted == await self.current():
            return None
        try:
            await self.use(promoted)
        except EngineError as error:
            if self._reported_missing != promoted:  # once, not every few seconds
                logger.error("the engine cannot load the promoted model %s (%s); it keeps its model", promoted, error)
                self._reported_missing = promoted
            return None
        return promoted
