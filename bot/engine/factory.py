"""Choosing and starting the engine the settings ask for."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from bot.engine import DialogueEngine, EngineError
from bot.settings import Settings
from bot.training import current_model


async def create_engine(settings: Settings, retention_days: int, model: Optional[Path] = None) -> DialogueEngine:
    """A remote Rasa server when ``RASA_URL`` is set, else Rasa in this process
    with ``model``, or the model for the current training data; Rasa's copy of
    a conversation is kept ``retention_days``."""
    if settings.rasa_url:
        from bot.engine.rasa_remote import RemoteRasaEngine

        return RemoteRasaEngine(settings.rasa_url, settings.rasa_token, settings.engine_timeout)
    model = model or current_model(settings.root, settings.model_dir)
    if model is None:
        raise EngineError(f"no trained model in {settings.model_dir}: run 'dorpspomp train' first")
    from bot.engine.rasa_inprocess import RasaAgentEngine  # imports TensorFlow

    return await RasaAgentEngine.load(model, settings, retention_days)
