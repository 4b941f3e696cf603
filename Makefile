# Dorpspomp: `make run` and `make test` are all a new user needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
IS_PY310 := -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'
# python3.10 on PATH, else the newest pyenv 3.10.x; each candidate must really be 3.10.
PYTHON310 := $(shell for p in python3.10 $$(ls -d $$HOME/.pyenv/versions/3.10.*/bin/python 2>/dev/null | sort -V -r); do \
	if $$p $(IS_PY310) 2>/dev/null; then echo $$p; break; fi; done)

.PHONY: run test test-fast lint fuzz model chromium bench eval clean

run: $(VENV)/.installed model
	$(VENV)/bin/dorpspomp run

test: $(VENV)/.installed model chromium lint
	$(VENV)/bin/pytest

# Unit and in-process tests: no model training, no browser, no Rasa processes.
test-fast: $(VENV)/.installed lint
	$(VENV)/bin/pytest -m "not integration and not browser"

# The code's own checks: lint, formatting and types (configured in pyproject.toml).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check bot channels actions
	$(VENV)/bin/ruff format --check bot channels actions
	$(VENV)/bin/mypy

# Hypothesis exploring new random examples (2,000 per property); `make test`
# replays a fixed set so that CI never passes or fails by luck.
fuzz: $(VENV)/.installed chromium
	HYPOTHESIS_PROFILE=fuzz $(VENV)/bin/pytest tests/channels/test_platform_fuzz.py tests/webcare/test_webcare_fuzz.py tests/core/test_redaction.py tests/channels/test_platform_rendering.py

# Reinstalled whenever pyproject.toml changes; one pip call resolves everything.
$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON310)" || { echo "Dorpspomp needs Python 3.10 (Rasa 3.6 refuses 3.11+): install it with 'pyenv install 3.10' or 'apt-get install python3.10', then run make again." >&2; exit 1; }
	@if ! { test -x $(PY) && $(PY) $(IS_PY310); }; then rm -rf $(VENV) && $(PYTHON310) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

# Trains only when config.yml, domain.yml or nlu_data/ changed (bot/training.py).
model: $(VENV)/.installed
	$(VENV)/bin/dorpspomp train

# The browser tests drive Debian's chromium; no tool may download a browser of its own.
chromium:
	@command -v chromium >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

bench: $(VENV)/.installed model
	$(PY) bench/rest_throughput.py

# The NLU on held-out messages, a full training's time and 5-fold cross-validation
# (about a quarter of an hour on two cores).
eval: $(VENV)/.installed model
	$(VENV)/bin/dorpspomp evaluate --time-training --folds 5

clean:
	rm -rf $(VENV) models .rasa results .mypy_cache .ruff_cache
