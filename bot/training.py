"""Training the Rasa model, only when its inputs changed.

A model is named after a hash of ``config.yml``, ``domain.yml``, everything
under ``nlu_data/`` and the code of our own NLU components, so "is there a
model for this data?" is a file look-up: in the model folder, and with an
object store configured in the store, where every model trained anywhere is
published for every engine replica.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from bot.engine.component_code import code_fingerprint
from bot.settings import Settings
from bot.storage import MODELS, ObjectStore, checked_key, remote_store

logger = logging.getLogger(__name__)

TRAINING_INPUTS = ("config.yml", "domain.yml", "nlu_data")
KEEP_MODELS = 3


def _input_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for name in TRAINING_INPUTS:
        path = root / name
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return files


def fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for path in _input_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    digest.update(code_fingerprint().encode())
    return digest.hexdigest()[:16]


def model_path_for(root: Path, model_dir: Path) -> Path:
    return model_dir / f"dorpspomp-{fingerprint(root)}.tar.gz"


@dataclass(frozen=True)
class ModelFiles:
    """The models an engine loads: files in ``folder``, fetched from ``shared``
    (the object store) when another process trained them."""

    folder: Path
    shared: Optional[ObjectStore] = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "ModelFiles":
        return cls(settings.model_dir, remote_store(settings, MODELS))

    def named(self, name: str) -> Optional[Path]:
        """The model file ``name`` here, fetched first if only the store has it; None if neither has."""
        path = self.folder / checked_key(name)
        if path.is_file():
            return path
        if self.shared is not None and self.shared.download(name, path):
            logger.info("model %s fetched from the object store", name)
            return path
        return None

    def publish(self, model: Path) -> None:
        """Make a model trained here available to every engine."""
        if self.shared is not None:
            self.shared.upload(model.name, model)

    def newest_here(self) -> Optional[Path]:
        models = sorted(self.folder.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        return models[-1] if models else None


def current_model(root: Path, models: ModelFiles) -> Optional[Path]:
    """The model for the current data, else the newest one there is."""
    return models.named(model_path_for(root, models.folder).name) or models.newest_here()


def train_if_changed(root: Path, models: ModelFiles, force: bool = False, keep: Iterable[str] = ()) -> Path:
    """Train a model for the current data unless one exists (here or in the
    store); return its path.

    ``force`` trains from scratch anyway, without Rasa's cached components
    (to time a full training). Old models are pruned, except those named in
    ``keep`` (the live one).
    """
    model_dir = models.folder
    target = model_path_for(root, model_dir)
    if not force and models.named(target.name) is not None:
        logger.info("Model %s is up to date with the training data", target.name)
        return target
    from rasa.model_training import train  # imports TensorFlow: only when training

    result = train(
        domain=str(root / "domain.yml"),
        config=str(root / "config.yml"),
        training_files=[str(root / "nlu_data")],
        output=str(model_dir),
        fixed_model_name=target.name.removesuffix(".tar.gz"),
        force_training=force,
    )
    if result.code != 0 or not target.exists():
        raise RuntimeError(f"training failed (rasa exit code {result.code})")
    models.publish(target)
    prune_models(model_dir, protected=keep)
    return target


def prune_models(model_dir: Path, newest: int = KEEP_MODELS, protected: Iterable[str] = ()) -> None:
    """Delete all but the ``newest`` models and the ``protected`` ones, so a
    rollback stays possible and the live model is never deleted."""
    models = sorted(model_dir.glob("dorpspomp-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-newest]:
        if old.name not in set(protected):
            old.unlink()
