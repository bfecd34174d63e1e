# syntax=docker/dockerfile:1

# Build stage: resolve the locked dependencies into /app/.venv with uv.
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_NO_CACHE=1

RUN pip install uv==0.13.9

WORKDIR /app
# Only the lock files, so this layer is rebuilt when dependencies change, not code.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project


# Runtime stage: the same base image (the venv's python points at its interpreter),
# without uv or pip's leftovers.
FROM python:3.11-slim

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=intimacy.settings.base

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app app

WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY . .

# Settings refuse to load without SECRET_KEY and FIELD_ENCRYPTION_KEYS, and collecting
# static files uses neither: random values made inside this step and gone with it, so the
# build needs no secret and none lands in a layer or the image's environment.
RUN DEBUG=false READ_DOT_ENV=false \
    SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    FIELD_ENCRYPTION_KEYS="$(python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
    python manage.py collectstatic --noinput

USER app
EXPOSE 8000

# GUNICORN_WORKERS sets the worker processes per container (default 3);
# scale out with more containers. Access log to stdout (without the secrets of addresses),
# errors to stderr.
CMD ["sh", "-c", "exec gunicorn intimacy.wsgi:application --bind 0.0.0.0:8000 --workers \"${GUNICORN_WORKERS:-3}\" --logger-class intimacy.lib.access_log.RedactingLogger --access-logfile - --error-logfile -"]
