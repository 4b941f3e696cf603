"""One fix to Rasa 3.6.21 for the engine service, applied when it loads the model.

Rasa checks every custom action's answer with ``jsonschema.validate``, which
first checks the schema itself against the JSON Schema metaschema, every
time. With the jsonschema Rasa pins (4.17) that self-check was two thirds of
the engine's CPU on a report-form turn (then inside the gateway) (py-spy, bench/report_throughput.py).
The schema is Rasa's own constant, so it is checked once here and each answer
is then validated against it exactly as before.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Text

from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@functools.lru_cache(maxsize=1)
def _action_response_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    try:
        _action_response_validator().validate(result)
    except ValidationError as error:
        # The same message Rasa gives.
        error.message += (
            ". Failed to validate Action server response from API, make sure your "
            "response from the Action endpoint is valid. For more information about "
            f"the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def apply() -> None:
    RemoteAction._validate_action_result = _validate_action_result
