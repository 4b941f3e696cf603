# syntax=docker/dockerfile:1
# The dialogue engine (Rasa 3.6, frozen on Python 3.10) and the action server:
# one image, two processes (`dorpspomp engine`, `python -m actions.server`),
# private, reached only by the gateways (engine) and the engine (actions).
# Build from the repository root: docker build -f docker/engine.Dockerfile .

FROM python:3.10-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY channels channels
COPY actions actions
RUN /opt/venv/bin/pip install ".[engine]"

FROM python:3.10-slim-bookworm
RUN groupadd --system --gid 10001 dorpspomp \
    && useradd --system --uid 10001 --gid dorpspomp --no-create-home --shell /usr/sbin/nologin dorpspomp \
    && install -d -o dorpspomp -g dorpspomp /var/lib/dorpspomp
COPY --from=build /opt/venv /opt/venv
COPY --chown=dorpspomp:dorpspomp municipality.yml places.yml domain.yml responses.en.yml config.yml endpoints.yml credentials.yml /srv/dorpspomp/
COPY --chown=dorpspomp:dorpspomp content /srv/dorpspomp/content
COPY --chown=dorpspomp:dorpspomp nlu_data /srv/dorpspomp/nlu_data
# The model is not baked in: it is trained once by the one-off `train` service
# (or a training run from the admin page) into the model store, and the engine
# loads the promoted one from there at start. A baked model would put back the
# image's model at every restart and undo what the admins promoted since.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DORPSPOMP_HOME=/srv/dorpspomp \
    DORPSPOMP_ENV=production \
    ENGINE_PYTHON=/opt/venv/bin/python \
    MEDIA_DIR=/var/lib/dorpspomp/media \
    MODEL_DIR=/var/lib/dorpspomp/models \
    LOG_FORMAT=json \
    ENGINE_HOST=0.0.0.0 \
    ENGINE_PORT=5006 \
    ACTION_SERVER_HOST=0.0.0.0 \
    TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /srv/dorpspomp
USER 10001:10001
EXPOSE 5006 5055
HEALTHCHECK --interval=15s --timeout=3s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5006/healthz', timeout=2)"]
STOPSIGNAL SIGTERM
CMD ["dorpspomp", "engine"]
