"""The source of our own NLU components, as part of what names a trained model.

The same training data makes a different model when these components' code
changes (word stems instead of words, say). Both the model's name
(``bot/training.py``) and Rasa's cache of trained components take this
fingerprint in, so new code is never served with state learned by the old.
Free of Rasa: the gateway names models too.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

ENGINE_PACKAGE = Path(__file__).resolve().parent
# The modules that train or shape what our components learn (config.yml names the first three).
COMPONENT_MODULES = ("intent_blend.py", "report_category.py", "unknown_words.py", "linear_text.py", "stored_model.py")


def code_fingerprint(modules: tuple[Path, ...] = ()) -> str:
    """A short hash of the source of ``modules`` (by default our components')."""
    digest = hashlib.sha256()
    for path in modules or [ENGINE_PACKAGE / name for name in COMPONENT_MODULES]:
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]
