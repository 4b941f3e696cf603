"""The plumbing of an NLU component whose learned state is one scikit-learn model.

The model is kept with joblib in the component's place in Rasa's model
storage; a subclass names the file and implements ``train`` and ``process``.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text, TypeVar

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from sklearn.pipeline import Pipeline

from bot.engine.component_code import code_fingerprint
from bot.engine.linear_text import ready_for_prediction

Component = TypeVar("Component", bound="StoredModelComponent")


class StoredModelComponent(GraphComponent):
    MODEL_FILE = "model.joblib"

    def __init__(
        self,
        config: Dict[Text, Any],
        model: Optional[Pipeline],
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        self.config = config
        self.model = model
        self._model_storage = model_storage
        self._resource = resource

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Rasa restores a trained component from its cache only while our code is the same."""
        return code_fingerprint()

    @classmethod
    def create(
        cls: type[Component],
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Component:
        return cls(config, None, model_storage, resource)

    @classmethod
    def load(
        cls: type[Component],
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Component:
        with model_storage.read_from(resource) as directory:
            model = joblib.load(directory / cls.MODEL_FILE)
        return cls(config, None if model is None else ready_for_prediction(model), model_storage, resource)

    def persist(self, model: Optional[Pipeline]) -> Resource:
        """Keep ``model`` (None: too little data to learn from) as this component's state."""
        self.model = model
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(model, directory / self.MODEL_FILE)
        return self._resource
