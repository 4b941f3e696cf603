"""Training from the admin page: a separate process, so the gateway keeps
answering while TensorFlow takes the CPU."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path

from bot.children import ending_with_this_process
from bot.learning.runs import FAILED, RUNNING, TrainingRuns
from bot.settings import Settings

logger = logging.getLogger(__name__)


class TrainingLauncher:
    def __init__(self, settings: Settings, runs: TrainingRuns) -> None:
        self.settings = settings
        self.runs = runs
        # Held so the event loop does not collect a running child's watcher.
        self._watchers: set[asyncio.Task[None]] = set()

    def _environment(self) -> dict[str, str]:
        """The child reads the same project, database and model folder as this gateway."""
        settings = self.settings
        env = {
            **os.environ,
            "DORPSPOMP_HOME": str(settings.root),
            "DATABASE_URL": settings.database_url,
            "MODEL_DIR": str(settings.model_dir),
            "MUNICIPALITY_PROFILE": str(settings.profile_path),
        }
        env.pop("REDIS_URL", None)
        if settings.redis_url:
            env["REDIS_URL"] = settings.redis_url
        return env

    async def launch(self, run_id: int, promote: str) -> None:
        """Start the run's training process; a run that cannot start is marked failed."""
        log = self.settings.root / "var" / f"training-{run_id}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        try:
            with log.open("ab") as output:
                # Popen, not asyncio's subprocesses: those need a child watcher
                # that not every event loop policy (uvloop's) provides.
                process = subprocess.Popen(
                    [sys.executable, "-m", "bot.cli", "train", "--compare", "--run", str(run_id), "--promote", promote],
                    cwd=self.settings.root,
                    env=self._environment(),
                    stdout=output,
                    stderr=output,
                    stdin=subprocess.DEVNULL,
                    # A training run is the engine's work: it ends with the engine.
                    preexec_fn=ending_with_this_process(),
                )
        except OSError as error:
            logger.exception("could not start training run %s", run_id)
            await self.runs.update(
                run_id, state=FAILED, stage="mislukt", error=f"kon de training niet starten: {error}"
            )
            return
        task = asyncio.get_running_loop().create_task(self._reap(process, run_id, log))
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)

    async def _reap(self, process: subprocess.Popen[bytes], run_id: int, log: Path) -> None:
        code = await asyncio.to_thread(process.wait)
        if code == 0:
            return
        logger.error("training run %s exited with %s; see %s", run_id, code, log)
        run = await self.runs.get(run_id)
        if run is not None and run.state == RUNNING:
            await self.runs.update(
                run_id, state=FAILED, stage="mislukt", error=f"het trainproces stopte (code {code}); zie {log}"
            )
