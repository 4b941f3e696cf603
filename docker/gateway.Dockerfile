# syntax=docker/dockerfile:1
# The gateway: the only process that faces the internet, on a supported Python.
# Build from the repository root: docker build -f docker/gateway.Dockerfile .

FROM python:3.13-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY channels channels
COPY actions actions
# Not editable: the final image holds the installed package, not the source tree.
RUN /opt/venv/bin/pip install ".[gateway]"

FROM python:3.13-slim-bookworm
# No compilers, no pip cache; the code runs as a user without a login or a home of its own.
RUN groupadd --system --gid 10001 dorpspomp \
    && useradd --system --uid 10001 --gid dorpspomp --no-create-home --shell /usr/sbin/nologin dorpspomp \
    && install -d -o dorpspomp -g dorpspomp /var/lib/dorpspomp
COPY --from=build /opt/venv /opt/venv
# The municipality's files (profile, topics, training data); docker/README.md
# says how a municipality puts its own in their place.
COPY --chown=dorpspomp:dorpspomp municipality.yml places.yml domain.yml config.yml /srv/dorpspomp/
COPY --chown=dorpspomp:dorpspomp content /srv/dorpspomp/content
COPY --chown=dorpspomp:dorpspomp nlu_data /srv/dorpspomp/nlu_data
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DORPSPOMP_HOME=/srv/dorpspomp \
    DORPSPOMP_ENV=production \
    MEDIA_DIR=/var/lib/dorpspomp/media \
    MODEL_DIR=/var/lib/dorpspomp/models \
    LOG_FORMAT=json \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /srv/dorpspomp
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
# SIGTERM: the gateway stops accepting, finishes its turns and exits within SHUTDOWN_SECONDS.
STOPSIGNAL SIGTERM
CMD ["dorpspomp", "serve"]
