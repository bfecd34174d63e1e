"""Test settings: the base settings, made faster. Behaviour stays the same."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("USE_HTTPS", "false")
# A fixed test key (Fernet format); production keys come from the environment.
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdHMtb25seS1maWVsZC1rZXktMDEyMzQ1Njc4OWE=")
os.environ["READ_DOT_ENV"] = "false"

from .base import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks in-process; the integration tests start a real worker instead.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
TEST_CACHE_PREFIX = "intimacy-test"
if REDIS_URL:
    # Tests share the real Redis with any local dev server: keep their keys apart.
    CACHES["default"]["KEY_PREFIX"] = TEST_CACHE_PREFIX
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LOGGING["root"]["level"] = "WARNING"
# Serve static files straight from the source folders (no collectstatic before tests).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
