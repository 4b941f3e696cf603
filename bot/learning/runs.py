"""Candidate models: trained, compared with the model in use, promoted.

A run trains on the current training data, evaluates the candidate and the
model in use on the held-out messages, and compares them per intent. It is
promoted when the admin says so, or by itself when no intent's F1 dropped by
more than the allowed amount. The newest promoted run names the model every
engine service serves (:mod:`bot.learning.model_watch`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional

import sqlalchemy as sa

from bot.clock import utcnow
from bot.store.database import Database, inserted_id
from bot.store.tables import training_runs

if TYPE_CHECKING:
    from bot.training import ModelFiles

logger = logging.getLogger(__name__)

RUNNING, READY, PROMOTED, REJECTED, FAILED = "running", "ready", "promoted", "rejected", "failed"
PROMOTE_CHOICES = ("auto", "yes", "no")
# A run that has not reported for this long died with its process.
STALE_AFTER = timedelta(minutes=30)


class RunError(RuntimeError):
    """The run cannot start or be promoted; says why."""


@dataclass(frozen=True)
class TrainingRun:
    id: int
    state: str
    stage: str
    model: Optional[str]
    baseline: Optional[str]
    comparison: Optional[dict[str, Any]]
    error: Optional[str]
    requested_by: str
    created_at: datetime
    updated_at: datetime
    promoted_at: Optional[datetime]


def compare(
    baseline: Optional[Mapping[str, float]],
    candidate: Mapping[str, float],
    baseline_scores: Optional[Mapping[str, float]],
    candidate_scores: Mapping[str, float],
    allowed_drop: float,
) -> dict[str, Any]:
    """Per-intent F1 of both models; ``worse`` lists intents that dropped too far."""
    intents = sorted(set(candidate) | set(baseline or {}))
    rows = [
        {
            "intent": intent,
            "baseline": (baseline or {}).get(intent),
            "candidate": candidate.get(intent),
        }
        for intent in intents
    ]
    worse = [
        intent
        for intent in intents
        if (before := (baseline or {}).get(intent)) is not None and candidate.get(intent, 0.0) < before - allowed_drop
    ]
    return {
        "intents": rows,
        "worse": worse,
        "allowed_drop": allowed_drop,
        "baseline": dict(baseline_scores) if baseline_scores else None,
        "candidate": dict(candidate_scores),
    }


def _run(row: sa.engine.Row) -> TrainingRun:
    return TrainingRun(**{column: row._mapping[column] for column in TrainingRun.__dataclass_fields__})


class TrainingRuns:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def start(self, requested_by: str, now: Optional[datetime] = None) -> TrainingRun:
        """A new run; refused while another is running (one training at a time)."""
        now = now or utcnow()
        async with self._database.transaction() as connection:
            busy = await connection.scalar(
                sa.select(training_runs.c.id).where(
                    training_runs.c.state == RUNNING, training_runs.c.updated_at > now - STALE_AFTER
                )
            )
            if busy is not None:
                raise RunError(f"training {busy} loopt nog; wacht tot die klaar is")
            run_id = inserted_id(
                await connection.execute(
                    sa.insert(training_runs).values(
                        state=RUNNING, stage="wacht", requested_by=requested_by, created_at=now, updated_at=now
                    )
                )
            )
        run = await self.get(run_id)
        assert run is not None
        return run

    async def update(self, run_id: int, **values: Any) -> None:
        async with self._database.transaction() as connection:
            await connection.execute(
                training_runs.update().where(training_runs.c.id == run_id).values(updated_at=utcnow(), **values)
            )

    async def get(self, run_id: int) -> Optional[TrainingRun]:
        async with self._database.engine.connect() as connection:
            row = (await connection.execute(sa.select(training_runs).where(training_runs.c.id == run_id))).first()
        return _run(row) if row else None

    async def latest(self, limit: int = 10) -> list[TrainingRun]:
        async with self._database.engine.connect() as connection:
            rows = await connection.execute(sa.select(training_runs).order_by(training_runs.c.id.desc()).limit(limit))
            return [_run(row) for row in rows]

    async def active_model(self) -> Optional[str]:
        """The model of the newest promoted run; None before the first promotion."""
        async with self._database.engine.connect() as connection:
            return await connection.scalar(
                sa.select(training_runs.c.model)
                .where(training_runs.c.promoted_at.is_not(None))
                .order_by(training_runs.c.promoted_at.desc(), training_runs.c.id.desc())
                .limit(1)
            )

    async def promote(self, run_id: int) -> TrainingRun:
        run = await self.get(run_id)
        if run is None or run.state not in (READY, REJECTED, PROMOTED) or not run.model:
            raise RunError("alleen een klaar getraind model kan live")
        await self.update(run_id, state=PROMOTED, promoted_at=utcnow())
        promoted = await self.get(run_id)
        assert promoted is not None
        return promoted

    async def reject(self, run_id: int) -> None:
        run = await self.get(run_id)
        if run is None or run.state != READY:
            raise RunError("alleen een model dat op een besluit wacht kan worden afgewezen")
        await self.update(run_id, state=REJECTED)


async def execute(
    runs: TrainingRuns,
    run: TrainingRun,
    root: Path,
    models: ModelFiles,
    held_out: Path,
    promote: str,
    allowed_drop: float,
) -> TrainingRun:
    """Train, evaluate both models, compare and (maybe) promote; every stage is
    written to the run so the admin page shows where it is."""
    from bot import evaluation
    from bot.training import current_model, train_if_changed

    if promote not in PROMOTE_CHOICES:
        raise ValueError(f"promote must be one of {PROMOTE_CHOICES}")
    active = await runs.active_model()
    baseline = await asyncio.to_thread(
        lambda: (models.named(active) if active else None) or current_model(root, models)
    )
    try:
        await runs.update(run.id, stage="trainen", baseline=baseline.name if baseline else None)
        # Rasa's training runs its own event loop: it gets a thread of its own.
        live = [baseline.name] if baseline else []
        candidate = await asyncio.to_thread(train_if_changed, root, models, False, live)
        await runs.update(run.id, stage="nieuw model testen", model=candidate.name)
        examples = evaluation.load_examples(held_out)
        new = await evaluation.evaluate_model(candidate, examples)
        old = None
        if baseline is not None and baseline.exists():
            await runs.update(run.id, stage="huidig model testen")
            old = await evaluation.evaluate_model(baseline, examples)
        comparison = compare(
            old.scores.per_intent_f1 if old else None,
            new.scores.per_intent_f1,
            _headline(old) if old else None,
            _headline(new),
            allowed_drop,
        )
    except Exception as error:
        logger.exception("training run %s failed", run.id)
        await runs.update(run.id, state=FAILED, stage="mislukt", error=str(error)[:2000])
        return await _reloaded(runs, run.id)
    await runs.update(run.id, state=READY, stage="klaar", comparison=comparison)
    if promote == "yes" or (promote == "auto" and not comparison["worse"]):
        await runs.promote(run.id)
    return await _reloaded(runs, run.id)


def _headline(result: Any) -> dict[str, float]:
    return {"accuracy": result.scores.accuracy, "macro_f1": result.scores.macro_f1}


async def _reloaded(runs: TrainingRuns, run_id: int) -> TrainingRun:
    run = await runs.get(run_id)
    assert run is not None
    return run
