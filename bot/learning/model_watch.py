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


async def follow_promotion(engine: DialogueEngine, runs: TrainingRuns, model_dir: Path) -> Optional[str]:
    """Swap to the promoted model if it is not the one answering; returns its name."""
    promoted = await runs.active_model()
    if not promoted or promoted == await engine.model_version():
        return None
    path = model_dir / promoted
    if not path.exists():
        logger.error("promoted model %s is not in %s; keeping the current model", promoted, model_dir)
        return None
    await engine.swap(path)
    return promoted
