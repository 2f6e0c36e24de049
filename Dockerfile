# syntax=docker/dockerfile:1
# Prilavok: one image runs the bot, the webhooks, the JSON API and the Mini App
# (`python -m bot run`, which applies pending migrations first).

# --- 1. Mini App packages, exactly as locked -----------------------------------------------
FROM node:20-bookworm-slim AS assets
WORKDIR /src/static
COPY static/package.json static/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# --- 2. Python environment, translations and the vendored assets --------------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /app

# Dependencies in a layer of their own, so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; print('\n'.join(deps))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

COPY . .
# Editable: the code runs from /app, next to the templates, static files and locales it reads
# from the source tree (a wheel would leave them behind).
RUN pip install --no-deps -e . \
    && pybabel compile --domain=messages --directory=locales --statistics \
    && python -m compileall -q core db services handlers keyboards middlewares webapp sandbox bot migrations

# build.py copies the browser scripts (Telegram's script, model-viewer, lit-html) into
# static/vendor.
COPY --from=assets /src/static/node_modules static/node_modules
RUN python static/build.py && rm -rf static/node_modules

# --- 3. Runtime --------------------------------------------------------------------------
FROM python:3.11-slim AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    DATA_DIR=/app/data

# DejaVu has Cyrillic: generated pictures (demo photos, labels) need it. Not pinned: Debian's
# point releases replace the version, and a pin would break the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 prilavok \
    && useradd --system --uid 10001 --gid prilavok --home-dir /app --shell /usr/sbin/nologin prilavok

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# The code stays owned by root: the service can read it but not change it.
COPY --from=build /app /app
# A new named volume takes this directory's owner, so the service can write its data.
RUN mkdir -p /app/data && chown 10001:10001 /app/data
VOLUME ["/app/data"]

USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('HTTP_PORT', '8080'), timeout=4)"]
CMD ["python", "-m", "bot", "run"]
