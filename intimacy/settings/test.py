"""Test settings: the base settings, made faster. Behaviour stays the same."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("USE_HTTPS", "false")
os.environ["READ_DOT_ENV"] = "false"

from .base import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks in-process; the integration tests start a real worker instead.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
if not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LOGGING["root"]["level"] = "WARNING"
