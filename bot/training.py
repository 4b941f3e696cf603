"""Training the Rasa model, only when its inputs changed.

A model is named after a hash of ``config.yml``, ``domain.yml`` and everything
under ``nlu_data/``, so "is there a model for this data?" is a file look-up.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Iterable, Optional

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
    return digest.hexdigest()[:16]


def model_path_for(root: Path, model_dir: Path) -> Path:
    return model_dir / f"dorpspomp-{fingerprint(root)}.tar.gz"


def current_model(root: Path, model_dir: Path) -> Optional[Path]:
    """The model for the current data, else the newest one there is."""
    exact = model_path_for(root, model_dir)
    if exact.exists():
        return exact
    models = sorted(model_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def train_if_changed(root: Path, model_dir: Path, force: bool = False, keep: Iterable[str] = ()) -> Path:
    """Train a model for the current data unless one exists; return its path.

    ``force`` trains from scratch anyway, without Rasa's cached components
    (to time a full training). Old models are pruned, except those named in
    ``keep`` (the live one).
    """
    target = model_path_for(root, model_dir)
    if target.exists() and not force:
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
    prune_models(model_dir, protected=keep)
    return target


def prune_models(model_dir: Path, newest: int = KEEP_MODELS, protected: Iterable[str] = ()) -> None:
    """Delete all but the ``newest`` models and the ``protected`` ones, so a
    rollback stays possible and the live model is never deleted."""
    models = sorted(model_dir.glob("dorpspomp-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-newest]:
        if old.name not in set(protected):
            old.unlink()
