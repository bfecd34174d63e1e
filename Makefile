# The two commands in README.md: `make run` and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
PORT ?= 8000
# uv from PATH, else a private copy in .uv/ (a venv: Debian's Python refuses `pip install`).
UV := $(shell command -v uv 2>/dev/null || echo .uv/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
# The operating system's certificates, as pip and curl use (behind a company proxy too).
export UV_NATIVE_TLS := 1

.PHONY: run dev test install lint format check-compose check-deploy check-stack e2e-deps clean

.uv/bin/uv:
	python3 -m venv .uv
	.uv/bin/pip install --quiet uv

.venv/.installed: pyproject.toml uv.lock | $(filter .uv/bin/uv,$(UV))
	$(UV) sync --frozen --python 3.11 --quiet
	@touch $@

install: .venv/.installed

# A development secret and DEBUG for this checkout only; kept in data/ so that
# docker compose (which reads ./.env) never picks it up.
data/dev.env:
	@mkdir -p data
	@printf 'DEBUG=true\nSECRET_KEY=%s\n' "$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "Wrote $@ with a development SECRET_KEY (DEBUG=true)."

# Always made (not a target of its own): data/ may exist already, made by a test run.
dev: install data/dev.env
	@mkdir -p data/celery/queue data/celery/control data/cache staticfiles
	@grep -q '^FIELD_ENCRYPTION_KEYS=' data/dev.env || { printf 'FIELD_ENCRYPTION_KEYS=%s\n' "$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" >> data/dev.env; echo "Added a development FIELD_ENCRYPTION_KEYS to data/dev.env."; }

run: dev
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loadprompts
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(PY) -m honcho -f Procfile start -p $(PORT)

# Browser tests need axe-core from npm; without npm they are skipped with a notice.
e2e-deps:
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/e2e --silent --no-audit --no-fund; \
	else echo "npm not found: browser tests will be skipped"; fi

test: install e2e-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# lint-imports: the import contracts in pyproject.toml (the layers, the order inside nudges,
# no cycles); tests/test_imports.py shows each of them failing when broken.
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	.venv/bin/lint-imports --no-cache --no-logo
	$(PY) manage.py makemigrations --check --dry-run --settings=intimacy.settings.test

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Two validators: docker-compose 1.29 checks references, the compose spec checks syntax.
check-compose: install
	SECRET_KEY=check FIELD_ENCRYPTION_KEYS=check SITE_URL=https://couples.example.org POSTGRES_PASSWORD=check \
		EMAIL_URL=smtp://mail.example.org \
		docker-compose -f docker-compose.yml config -q
	.venv/bin/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

check-deploy: install
	DEBUG=false READ_DOT_ENV=false SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	FIELD_ENCRYPTION_KEYS="$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
		SITE_URL=https://couples.example.org $(PY) manage.py check --deploy --fail-level WARNING

# The deployment as people run it: build the image, start the compose stack, use it through
# its port and run every command of the README's runbook (tests/stack/check_stack.py).
check-stack:
	bash tests/stack/prepare.sh
	python3 tests/stack/check_stack.py

clean:
	rm -rf .venv .uv staticfiles
