# Dorpspomp: `make run` and `make test` are all a new user needs.
#
# Two environments (README, "Two environments"): the gateway, which faces the
# internet, on a supported Python (.venv, 3.12+); the dialogue engine (Rasa 3.6,
# training, the action server), private, on Python 3.10 (.venv-engine).
SHELL := /bin/bash
VENV := .venv
ENGINE_VENV := .venv-engine
PY := $(VENV)/bin/python
ENGINE_PY := $(ENGINE_VENV)/bin/python
IS_PY310 := -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'
IS_PY312_UP := -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))'
# Each candidate must really be the version asked for: on PATH first, then pyenv's newest.
PYTHON310 := $(shell for p in python3.10 $$(ls -d $$HOME/.pyenv/versions/3.10.*/bin/python 2>/dev/null | sort -V -r); do \
	if $$p $(IS_PY310) 2>/dev/null; then echo $$p; break; fi; done)
PYTHON_GATEWAY := $(shell for p in python3.13 python3.12 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9].*/bin/python 2>/dev/null | sort -V -r); do \
	if $$p $(IS_PY312_UP) 2>/dev/null; then echo $$p; break; fi; done)

.PHONY: run test test-fast lint audit fuzz model debian-packages bench soak eval clean

run: $(VENV)/.installed $(ENGINE_VENV)/.installed model
	$(VENV)/bin/dorpspomp run

test: $(VENV)/.installed $(ENGINE_VENV)/.installed model debian-packages lint
	$(VENV)/bin/pytest --ignore=tests/engine
	$(ENGINE_VENV)/bin/pytest tests/engine

# Unit and in-process tests: no model training, no browser, no Rasa processes.
test-fast: $(VENV)/.installed $(ENGINE_VENV)/.installed lint
	$(VENV)/bin/pytest --ignore=tests/engine -m "not integration and not browser"
	$(ENGINE_VENV)/bin/pytest tests/engine -m "not integration and not browser"

# The code's own checks: lint, formatting and types (configured in pyproject.toml).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check bot channels actions
	$(VENV)/bin/ruff format --check bot channels actions
	$(VENV)/bin/mypy

# Known vulnerabilities in the gateway's packages (pip-audit asks PyPI's
# vulnerability service, so this needs the internet; see SECURITY.md).
audit: $(VENV)/.installed
	$(VENV)/bin/pip-audit --local --skip-editable

# Hypothesis exploring new random examples (2,000 per property); `make test`
# replays a fixed set so that CI never passes or fails by luck.
fuzz: $(VENV)/.installed debian-packages
	HYPOTHESIS_PROFILE=fuzz $(VENV)/bin/pytest tests/channels/test_platform_fuzz.py tests/webcare/test_webcare_fuzz.py tests/core/test_redaction.py tests/channels/test_platform_rendering.py

# Each environment is reinstalled whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON_GATEWAY)" || { echo "The gateway needs Python 3.12 or newer: install it with 'pyenv install 3.12' or 'apt-get install python3.12', then run make again." >&2; exit 1; }
	@if ! { test -x $(PY) && $(PY) $(IS_PY312_UP); }; then rm -rf $(VENV) && $(PYTHON_GATEWAY) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip wheel
	$(PY) -m pip install --quiet -e ".[gateway,gateway-test]"
	touch $@

$(ENGINE_VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON310)" || { echo "The dialogue engine needs Python 3.10 (Rasa 3.6 refuses 3.11+): install it with 'pyenv install 3.10' or 'apt-get install python3.10', then run make again." >&2; exit 1; }
	@if ! { test -x $(ENGINE_PY) && $(ENGINE_PY) $(IS_PY310); }; then rm -rf $(ENGINE_VENV) && $(PYTHON310) -m venv $(ENGINE_VENV); fi
	$(ENGINE_PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(ENGINE_PY) -m pip install --quiet -e ".[engine,test]"
	touch $@

# Trains only when config.yml, domain.yml or nlu_data/ changed (bot/training.py).
model: $(ENGINE_VENV)/.installed
	$(ENGINE_VENV)/bin/dorpspomp train

# What the tests take from Debian: the browser (no tool may download a browser
# of its own) and HAProxy, the load balancer of the deployment's tests.
DEBIAN_PACKAGES := chromium haproxy
debian-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	test -z "$$missing" || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; }

bench: $(VENV)/.installed $(ENGINE_VENV)/.installed model
	$(PY) bench/rest_throughput.py

# The deployment's topology (three gateways behind HAProxy, PostgreSQL, Redis)
# under 30 minutes of mixed traffic: memory, outbox backlog, database size and
# p99 per minute. Not part of `make test`.
soak: $(VENV)/.installed debian-packages
	$(PY) bench/topology.py --soak 30

# The NLU on held-out messages, a full training's time and 5-fold cross-validation
# (about a quarter of an hour on two cores).
eval: $(ENGINE_VENV)/.installed model
	$(ENGINE_VENV)/bin/dorpspomp evaluate --time-training --folds 5

clean:
	rm -rf $(VENV) $(ENGINE_VENV) models .rasa results .mypy_cache .ruff_cache
