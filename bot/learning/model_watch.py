"""Every gateway process serves the promoted model.

Each process looks up the newest promotion every few seconds and asks the
engine service to swap when it answers with another model. The database is the one place all processes share
with or without Redis, and a process that was down during a promotion
catches up the moment it starts.
"""

from __future__ import annotations

import logging
from typing import Optional

from bot.engine import DialogueEngine, EngineError
from bot.learning.runs import TrainingRuns

logger = logging.getLogger(__name__)


class PromotionFollower:
    def __init__(self, engine: DialogueEngine, runs: TrainingRuns) -> None:
        self.engine = engine
        self.runs = runs
        self._reported_missing: Optional[str] = None

    async def follow(self) -> Optional[str]:
        """Swap to the promoted model if it is not the one answering; returns its name."""
        promoted = await self.runs.active_model()
        if not promoted or promoted == await self.engine.model_version():
            return None
        try:
            await self.engine.swap(promoted)
        except EngineError as error:
            if self._reported_missing != promoted:  # once, not every few seconds
                logger.error("the engine cannot load the promoted model %s (%s); it keeps its model", promoted, error)
                self._reported_missing = promoted
            return None
        return promoted
