"""Settings for every environment, read from environment variables.

Every variable is listed in the README. With none set the app runs on an embedded
default: SQLite and a file-system Celery broker in ./data, mail printed to the console.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = BASE_DIR / "data"

env = environ.Env()
# `make run` writes data/dev.env with a generated SECRET_KEY and DEBUG=true; the real
# environment always wins over it.
DEV_ENV_FILE = DATA_DIR / "dev.env"
if DEV_ENV_FILE.is_file() and env.bool("READ_DOT_ENV", default=True):
    env.read_env(DEV_ENV_FILE, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. `make run` writes one to data/dev.env for development; "
        "in production set it to a long random string."
    )

# Keys SECRET_KEY replaced: what they signed (links in emails, sessions) stays valid while
# they are listed here.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# Free text people write (notes, review answers, parked topics) is encrypted in the database
# with these Fernet keys, never with SECRET_KEY: the first encrypts, all of them decrypt, so a
# new key goes first and `manage.py rotate_encryption_keys` then moves old rows onto it.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS is not set. `make run` writes one to data/dev.env for "
        "development; in production generate one with `python -c 'from cryptography.fernet "
        "import Fernet; print(Fernet.generate_key().decode())'`."
    )
if SECRET_KEY in FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must not contain SECRET_KEY.")

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[_site.hostname or "127.0.0.1", "localhost", "127.0.0.1"]
)
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

# Applications

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "intimacy.accounts",
    "prompts",
    "checkins",
    "intimacy.nudges",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "intimacy.accounts.middleware.MFARequiredMiddleware",
    "intimacy.accounts.middleware.NoStoreMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "intimacy.accounts.middleware.UserTimezoneMiddleware",
]

ROOT_URLCONF = "intimacy.urls"
FORM_RENDERER = "intimacy.lib.forms.FormRenderer"
WSGI_APPLICATION = "intimacy.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "intimacy.lib.safety.quick_exit",
                "intimacy.accounts.context_processors.pending_invite",
                "intimacy.accounts.context_processors.way_on",
                "intimacy.nudges.context_processors.review_reminders",
            ],
        },
    },
]

# Database: PostgreSQL in production, SQLite in ./data when DATABASE_URL is unset.

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Plan each query once per connection, not once per request: the dashboard's query
    # costs more to plan than to run. Turn off behind a transaction-mode pgbouncer.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks, write-ahead log.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the Celery broker and the cache. Without it, a file-system broker and cache
# in ./data work across the processes of `make run` with no server.

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "intimacy",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }
    # kombu's file-system transport, writing each message whole (intimacy/lib/filesystem_broker).
    CELERY_BROKER_URL = "filesystem-whole://"
    _queue_dir = DATA_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(DATA_DIR / "celery" / "control"),
        "polling_interval": 0.1,
    }

# Celery. Results are never read: tasks report through the database.

CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Beat runs a small fixed schedule; every job in it is safe to run twice.
CELERY_BEAT_SCHEDULE = {
    "expire-invites": {
        "task": "intimacy.accounts.tasks.expire_invites",
        "schedule": 15 * 60,
    },
    # At the start of every minute: what is due goes out in that minute. A run that waited
    # past the next one is dropped (the next run claims everything due anyway).
    "dispatch-nudges": {
        "task": "intimacy.nudges.tasks.dispatch_nudges",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    "sweep-nudges": {
        "task": "intimacy.nudges.tasks.sweep_nudges",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
}
# How long a worker may hold a nudge it is sending before the sweeper sends it again.
NUDGE_LEASE_SECONDS = env.int("NUDGE_LEASE_SECONDS", default=300)

# Accounts

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2 for new and changed passwords; older hashes still work and are upgraded at login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

ACCOUNT_ADAPTER = "intimacy.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "intimacy.accounts.forms.SignupForm",
    "change_password": "intimacy.accounts.forms.ChangePasswordForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Changing the email address or the password asks for the password again first.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Two-factor authentication: an authenticator app and recovery codes, offered to everyone and
# required of coaches and staff (MFARequiredMiddleware); its secrets are encrypted at rest.
MFA_ADAPTER = "intimacy.accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Intimacy"
# Our labels on the code fields, and one set-up secret kept until it is turned on.
MFA_FORMS = {
    "activate_totp": "intimacy.accounts.forms.ActivateTOTPForm",
    "authenticate": "intimacy.accounts.forms.AuthenticateForm",
    "reauthenticate": "intimacy.accounts.forms.ReauthenticateForm",
}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = _site.scheme
# Counted in the cache, so they hold across every web process when REDIS_URL is set.
# "login_failed" counts every password typed (logging in, typing it again, changing it,
# deleting the account: one count per account) and two-factor codes (a count per person).
# The last two are ours (intimacy/lib/ratelimit.py): invite codes typed by anyone, and
# couples' codes typed by coaches.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "join_code": "10/10m/ip",
    "coach_join_code": "10/10m/ip,10/10m/user",
}

# Email

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"Intimacy <noreply@{_site.hostname}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Internationalisation and time: UTC in the database, each partner's zone in the UI.

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files, served by whitenoise from the app itself (no CDN).

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers ask for at the site's root (/favicon.ico, /apple-touch-icon.png), made from
# static/img/icon.svg, our mark.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security. USE_HTTPS defaults to on outside DEBUG: the app holds intimate data and
# belongs behind TLS. Turn it off only to try the containers on localhost.

USE_HTTPS = env.bool("USE_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = USE_HTTPS
# The container health check calls this over plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^livez/$"]
SESSION_COOKIE_SECURE = USE_HTTPS
CSRF_COOKIE_SECURE = USE_HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if USE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = USE_HTTPS
SECURE_HSTS_PRELOAD = USE_HTTPS
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Proxies in front that append to X-Forwarded-For: rate limits then count the client's
# address, not the proxy's.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Where the quick exit on every page goes: somewhere neutral and ordinary.
QUICK_EXIT_URL = env.str("QUICK_EXIT_URL", default="https://www.bbc.com/weather")
# Every script, style, image and font comes from this server: no inline script or style, no
# eval, nothing from elsewhere; forms post only here; no page may frame ours.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

ADMIN_URL = env.str("ADMIN_URL", default="admin/")
# Mounts /bench/base/, the layout-only page bench/dashboard.sh compares the dashboard with.
BENCHMARK_VIEWS = env.bool("BENCHMARK_VIEWS", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No line holds the secret of an address (invite, reset or calendar links).
    "filters": {"redact_secret_urls": {"()": "intimacy.lib.secret_urls.RedactSecretURLs"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secret_urls"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # One handler for Django's messages too (its default one would print them twice).
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
