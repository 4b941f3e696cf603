"""Every gateway process serves the promoted model.

Each process looks up the newest promotion every few seconds and swaps its
engine when it differs. The database is the one place all processes share
with or without Redis, and a process that was down during a promotion
catches up the moment it starts.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from bot.engine import DialogueEngine
from bot.learning.runs import TrainingRuns

logger = logging.getLogger(__name__)


class PromotionFollower:
    def __init__(self, engine: DialogueEngine, runs: TrainingRuns, model_dir: Path) -> None:
        self.engine = engine
        self.runs = runs
        self.model_dir = model_dir
        self._reported_missing: Optional[str] = None

    async def follow(self) -> Optional[str]:
        """Swap to the promoted model if it is not the one answering; returns its name."""
        promoted = await self.runs.active_model()
        if not promoted or promoted == await self.engine.model_version():
            return None
        path = self.model_dir / promoted
        if not path.exists():
            if self._reported_missing != promoted:  # once, not every few seconds
                logger.error("promoted model %s is not in %s; keeping the current model", promoted, self.model_dir)
                self._reported_missing = promoted
            return None
        await self.engine.swap(path)
        return promoted
