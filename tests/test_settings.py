"""Settings read from the environment: production refuses to start without a secret."""

import os
import re
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DEBUG": "false",
    "READ_DOT_ENV": "false",
    "DJANGO_SETTINGS_MODULE": "intimacy.settings.base",
    "SITE_URL": "https://couples.example.org",
    "SECRET_KEY": "p" * 20 + "-production-secret-with-enough-variety-0123456789",
    "FIELD_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi10ZXN0LWtleS0wMTIzNDU2Nzg5YWI=",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Drop what the test settings put in the environment (USE_HTTPS=false, the test key).
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {*PRODUCTION, "USE_HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_sends_hsts_and_keeps_cookies_secure():
    names = [
        "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE", "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF",
    ]  # fmt: skip
    code = f"from django.conf import settings; print(*(getattr(settings, n) for n in {names!r}))"
    result = manage("shell", "-c", code, env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    values = result.stdout.strip().splitlines()[-1].split()
    assert values == ["31536000", "True", "True", "True", "True", "True", "Lax", "DENY", "True"]


def test_production_refuses_to_start_without_encryption_keys():
    env = {k: v for k, v in PRODUCTION.items() if k != "FIELD_ENCRYPTION_KEYS"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS is not set" in result.stderr


# Read by the settings but not for a deployment to change in its containers.
NOT_FOR_CONTAINERS = {
    "CELERY_TASK_ALWAYS_EAGER": "tests only",
    "BENCHMARK_VIEWS": "bench/dashboard.sh only",
}


def test_every_setting_is_documented_and_reaches_the_containers():
    base = settings.BASE_DIR
    read = set(
        re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', (base / "intimacy/settings/base.py").read_text())
    )
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", (base / "README.md").read_text(), re.M))
    passed = set(
        re.findall(r"^ {4,6}([A-Z][A-Z0-9_]*):", (base / "docker-compose.yml").read_text(), re.M)
    )
    assert len(read) > 15
    assert read - documented == set(), "add them to the README's Configuration table"
    assert read - passed - set(NOT_FOR_CONTAINERS) == set(), "pass them in docker-compose.yml"
